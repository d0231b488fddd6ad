#!/usr/bin/env bash
# The docker-compose trial, run for real on a machine with only apt (no Docker engine, no image
# registry): podman builds the images, podman's Docker-compatible API runs the repository's own
# docker-compose.yml through docker-compose, and curl moves streams through the published port.
#
#   sudo scripts/compose-trial.sh
#
# One line per step ("ok ..." or "FAIL ..."); exit 0 only if every step held. It stops at the
# first failure, and always removes what it made: the compose project (down -v), the relay image,
# its work directory, and every process it started (by PID). The local base and runtime images
# (scripts/docker/local-images.sh) are kept by name for the next run. Needs root, podman, runc,
# debootstrap, docker-compose, curl, for the cluster profile the CNI dnsname plugin, and a built
# server/target/okapi-relay.jar (./test.sh or mvn -pl server -am package -DskipTests).
# OKAPI_PORT picks the host port (default: a free one); OKAPI_TRIAL_TARGET=relay builds the
# Dockerfile's default target instead (see below).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/docker/podman-env.sh

readonly PROJECT=okapi-trial
readonly PROJECT_LABEL="label=com.docker.compose.project=$PROJECT"
readonly IMAGE=localhost/okapi-relay:trial
readonly STREAM_MIB=100
readonly STEP_TIMEOUT=120   # seconds any one wait may take, generous for a loaded 2-core machine
WORK=$(mktemp -d /var/tmp/okapi-compose-trial.XXXXXX)
readonly WORK
export DOCKER_HOST="unix://$WORK/podman.sock"
export OKAPI_TRIAL_IMAGE="$IMAGE"
export COMPOSE_PROJECT_NAME="$PROJECT"

pids=()            # every background process this script started, killed by PID at the end
service_pid=""     # podman system service
project_up=false
image_built=false
step_started=$SECONDS

dc_extra=()       # the cluster step's override file and profile, once it runs
dc() { docker-compose -f docker-compose.yml -f scripts/docker/compose-trial.override.yml "${dc_extra[@]}" "$@"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ok() {
  echo "ok   $* ($((SECONDS - step_started)) s)"
  step_started=$SECONDS
}

fail() {
  echo "FAIL $*"
  exit 1
}

cleanup() {
  local rc=$?
  local pid live
  live=$(jobs -p)   # only the ones still this shell's children: a finished PID may be reused
  for pid in "${pids[@]}"; do
    grep -qx "$pid" <<<"$live" && kill "$pid" 2>/dev/null
  done
  if $project_up; then
    dc down -v --remove-orphans >"$WORK/down-on-exit.log" 2>&1 || cat "$WORK/down-on-exit.log" >&2
    # Whatever down could not remove (the API gone, say), by the project's label, without the API.
    podman ps -aq --filter "$PROJECT_LABEL" | xargs -r podman rm -f -v -t 0 >/dev/null 2>&1
    podman volume ls -q --filter "$PROJECT_LABEL" | xargs -r podman volume rm -f >/dev/null 2>&1
    podman network ls -q --filter "$PROJECT_LABEL" | xargs -r podman network rm -f >/dev/null 2>&1
  fi
  if $image_built; then
    podman rmi -f "$IMAGE" >/dev/null 2>&1
  fi
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null
    wait "$service_pid" 2>/dev/null
  fi
  [ "$rc" = 0 ] || echo "compose-trial: failed; the failing step's own output is above" >&2
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

for tool in docker-compose:docker-compose curl:curl debootstrap:debootstrap sha256sum:coreutils; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || fail "prerequisites: ${tool%%:*} missing (apt-get install ${tool##*:})"
done
target="${OKAPI_TRIAL_TARGET:-local-jar}"
case "$target" in
  local-jar | relay) ;;
  *) fail "prerequisites: OKAPI_TRIAL_TARGET must be local-jar or relay, not \"$target\"" ;;
esac
[ "$target" = relay ] || { [ -s server/target/okapi-relay.jar ] && [ -d server/target/libs ]; } \
  || fail "prerequisites: no server/target/okapi-relay.jar (build it: mvn -B -ntp -pl server -am package -DskipTests)"
if [ -z "${OKAPI_PORT:-}" ]; then
  OKAPI_PORT=$(free_port)
fi
export OKAPI_PORT
readonly RELAY="http://127.0.0.1:$OKAPI_PORT"

# ---- Images: local base + runtime (cached), then the relay. -------------------------------------
# Target local-jar (the default here): server/target packaged with no network at build time.
# OKAPI_TRIAL_TARGET=relay: the Dockerfile's default target, Maven inside the build, on a Maven
# image made from this machine's JDK and Maven; it needs Maven Central or $MAVEN_MIRROR_URL.
case "$target" in
  local-jar) images=$(scripts/docker/local-images.sh 2>"$WORK/local-images.log") ;;
  relay) images=$(scripts/docker/local-images.sh --maven 2>"$WORK/local-images.log") ;;
esac
[ $? = 0 ] || { cat "$WORK/local-images.log" >&2; fail "local base images (scripts/docker/local-images.sh)"; }
runtime_image=$(sed -n 1p <<<"$images")
build_args=(--network=none)
how="from server/target with --network=none"
if [ "$target" = relay ]; then
  build_args=(--build-arg BUILD_IMAGE="$(sed -n 2p <<<"$images")" --build-arg MAVEN_MIRROR_URL="${MAVEN_MIRROR_URL:-}")
  how="built by Maven in the image"
fi
ok "local base images: $(tr '\n' ' ' <<<"$images")"

image_built=true
podman build --format docker --layers=false "${OKAPI_ULIMITS[@]}" --target "$target" "${build_args[@]}" \
    --build-arg RUNTIME_IMAGE="$runtime_image" -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
  || { tail -n 20 "$WORK/build.log" >&2; fail "relay image: podman build --target $target"; }
ok "relay image $IMAGE, target $target, $how"

# ---- podman's Docker-compatible API, for docker-compose. ---------------------------------------
# setsid: its own process group, so a Ctrl-C of this script does not stop it before the cleanup.
setsid podman system service --time=0 "$DOCKER_HOST" >"$WORK/service.log" 2>&1 &
service_pid=$!
deadline=$((SECONDS + 30))
until [ "$(curl -s --unix-socket "$WORK/podman.sock" http://podman/_ping 2>/dev/null)" = OK ]; do
  kill -0 "$service_pid" 2>/dev/null || { cat "$WORK/service.log" >&2; fail "podman API: the service exited"; }
  [ $SECONDS -lt $deadline ] || fail "podman API: no answer on $DOCKER_HOST within 30 s"
  sleep 0.2
done
ok "podman API on $DOCKER_HOST (PID $service_pid)"

# ---- docker-compose up, and the container's own health check. ----------------------------------
dc down -v --remove-orphans >/dev/null 2>&1 # what an interrupted earlier run may have left
project_up=true
dc up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "docker-compose up -d"; }
ok "docker-compose up -d: relay published on 127.0.0.1:$OKAPI_PORT"

# Podman runs health checks from systemd timers, and there is no systemd here: run the image's
# health check command (the compose file's "healthcheck:") the way the timer would.
# $1 the service (default relay).
wait_healthy() {
  local service="${1:-relay}" container deadline
  container=$(dc ps -q "$service")
  [ -n "$container" ] || return 1
  deadline=$((SECONDS + STEP_TIMEOUT))
  until podman healthcheck run "$container" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { dc logs --tail 20 "$service" >&2; return 1; }
    sleep 1
  done
}
wait_healthy || fail "health: the container's health check did not pass within $STEP_TIMEOUT s"
ok "health: the container's health check passes"

# ---- The first tokens, exactly as docs/docker.md creates them (-T: no terminal). --
# $1 the mode, $2 the service (default relay).
create_token() {
  dc exec -T "${2:-relay}" java -jar /opt/okapi/okapi-relay.jar token create --path /demo --recursive --mode "$1" --expires 1d \
      2>>"$WORK/token.err" | awk '$1 == "token" { print $2 }'
}
# The relay's start-up hint names the command as the container runs it (no bin/okapi there).
# (grep -q reads from a process substitution: in a pipe under pipefail, the logs' writer killed by
# SIGPIPE once grep has its match would fail the step.)
hint_logged() { grep -q "with: java -jar /opt/okapi/okapi-relay.jar token create" < <(dc logs --no-color relay 2>/dev/null); }
for _ in 1 2 3 4 5; do hint_logged && break; sleep 1; done   # the engine's log may lag the container
hint_logged || { dc logs --no-color --tail 30 relay >&2; fail "first token: the relay's log does not name the container's token command"; }
write_token=$(create_token write)
read_token=$(create_token read)
[ -n "$write_token" ] && [ -n "$read_token" ] || fail "first token: token create printed no token"
ok "first token: the log names the container's command; write and read tokens for /demo made in the relay's container"

# One stream through a published port: producer PUT, consumer GET, both with curl.
# $1 the relay's (or balancer's) URL, $2 path below /demo, $3 file to send; the consumer's copy
# lands in $WORK/received. producer_opts: more curl options for the producer.
producer_opts=()
transfer() {
  local url="$1/data/demo/$2" file="$3" consumer producer
  curl -sS --fail-with-body --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $read_token" \
    -o "$WORK/received" "$url" 2>"$WORK/consumer.err" &
  consumer=$!
  pids+=("$consumer")
  curl -sS --fail-with-body --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $write_token" "${producer_opts[@]}" \
    -T "$file" -o "$WORK/producer.out" "$url" 2>"$WORK/producer.err" &
  producer=$!
  pids+=("$producer")
  wait "$producer" || { cat "$WORK/producer.err" "$WORK/producer.out" >&2; return 1; }
  wait "$consumer" || { cat "$WORK/consumer.err" >&2; return 1; }
  grep -q 'TRANSFER_SUCCESSFUL' "$WORK/producer.out" || { cat "$WORK/producer.out" >&2; return 1; }
  [ "$(sha256sum <"$file")" = "$(sha256sum <"$WORK/received")" ]
}

head -c $((STREAM_MIB * 1024 * 1024)) /dev/urandom >"$WORK/stream.bin"
transfer "$RELAY" big "$WORK/stream.bin" || fail "$STREAM_MIB MiB round trip: failed or sha256 differs"
ok "$STREAM_MIB MiB round trip through 127.0.0.1:$OKAPI_PORT, sha256 equal"

# ---- docker-compose stop in the middle of a transfer: the consumer must see an error. ----------
mkfifo "$WORK/feed"
curl -sS --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $read_token" \
  -o "$WORK/cut" "$RELAY/data/demo/cut" 2>"$WORK/cut-consumer.err" &
cut_consumer=$!
pids+=("$cut_consumer")
curl -sS --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $write_token" -T - \
  -o /dev/null "$RELAY/data/demo/cut" <"$WORK/feed" 2>/dev/null &
pids+=($!)
exec 3>"$WORK/feed"         # the producer's body stays open: the stream cannot end cleanly
head -c $((8 * 1024 * 1024)) /dev/urandom >&3 &
pids+=($!)
deadline=$((SECONDS + STEP_TIMEOUT))
until [ "$(stat -c %s "$WORK/cut" 2>/dev/null || echo 0)" -ge $((1024 * 1024)) ]; do
  [ $SECONDS -lt $deadline ] || fail "stop mid-transfer: the consumer received no MiB within $STEP_TIMEOUT s"
  sleep 0.2
done
dc stop relay >"$WORK/stop.log" 2>&1 || { cat "$WORK/stop.log" >&2; fail "stop mid-transfer: docker-compose stop"; }
wait "$cut_consumer"
cut_exit=$?
[ "$cut_exit" != 0 ] || fail "stop mid-transfer: the consumer's curl ended cleanly after $(stat -c %s "$WORK/cut") bytes"
exec 3>&-
ok "stop mid-transfer: docker-compose stop, the consumer's curl failed (exit $cut_exit: $(head -c 80 "$WORK/cut-consumer.err" | tr -d '\n'))"

# ---- docker-compose restart: the tokens are on the volume, a transfer works again. -------------
dc restart relay >"$WORK/restart.log" 2>&1 || { cat "$WORK/restart.log" >&2; fail "restart: docker-compose restart"; }
wait_healthy || fail "restart: the health check did not pass again within $STEP_TIMEOUT s"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORK/again.bin"
transfer "$RELAY" again "$WORK/again.bin" || fail "restart: a transfer with the tokens made before failed"
ok "restart: healthy again, the tokens made before still work, 4 MiB round trip sha256 equal"

# ---- The cluster profile: HAProxy, three relays and PostgreSQL, as containers. ------------------
# Local stand-ins for the public PostgreSQL and HAProxy images, this relay image for the nodes
# (scripts/docker/cluster-override.py), free host ports; then a token made in one node's
# container (written to PostgreSQL) must carry a transfer that the balancer hands to another node.
if dc config --profiles 2>/dev/null | grep -qx cluster; then
  [ -x /usr/lib/cni/dnsname ] || fail "cluster profile: no container names in DNS on compose networks" \
    "(apt-get install golang-github-containernetworking-plugin-dnsname)"
  cluster_images=$(scripts/docker/local-images.sh --cluster 2>"$WORK/local-images.log") \
    || { cat "$WORK/local-images.log" >&2; fail "cluster profile: local PostgreSQL and HAProxy images"; }
  facts=$(scripts/docker/cluster-override.py docker-compose.yml "$IMAGE" "$(sed -n 2p <<<"$cluster_images")" \
      "$(sed -n 3p <<<"$cluster_images")" "$WORK/cluster.override.yml") || fail "cluster profile: no override (above)"
  eval "$facts"   # relays, balancer, balancer_port, free_port_vars
  for var in $free_port_vars; do
    export "$var=$(free_port)"
  done
  dc_extra=(-f "$WORK/cluster.override.yml" --profile cluster)
  dc up -d --no-build >"$WORK/cluster-up.log" 2>&1 || { cat "$WORK/cluster-up.log" >&2; fail "cluster profile: up -d"; }
  for node in $relays; do
    wait_healthy "$node" || fail "cluster profile: $node's health check did not pass within $STEP_TIMEOUT s"
  done
  balancer_url="http://$(dc port "$balancer" "$balancer_port")"
  deadline=$((SECONDS + STEP_TIMEOUT))
  until curl -sf -o /dev/null "$balancer_url/"; do
    [ $SECONDS -lt $deadline ] || { dc logs --tail 20 "$balancer" >&2; fail "cluster profile: $balancer does not answer"; }
    sleep 1
  done
  first_node=${relays%% *}
  write_token=$(create_token write "$first_node")
  read_token=$(create_token read "$first_node")
  [ -n "$write_token" ] && [ -n "$read_token" ] || fail "cluster profile: token create in $first_node printed no token"
  # curl as the README runs it, with its default "Expect: 100-continue": HAProxy 2.6 cut such
  # uploads until the relay held its 200 head after the 100 (docs/cluster.md).
  # Consistent hashing spreads paths over the nodes: the first path that lands elsewhere shows it.
  head -c $((2 * 1024 * 1024)) /dev/urandom >"$WORK/cluster.bin"
  served_by=""
  for i in $(seq 1 12); do
    transfer "$balancer_url" "cluster-$i" "$WORK/cluster.bin" \
      || fail "cluster profile: transfer /demo/cluster-$i through $balancer failed or sha256 differs"
    for node in $relays; do
      grep -q "transfer path=/demo/cluster-$i bytes=" < <(dc logs --no-color "$node" 2>/dev/null) && served_by=$node
    done
    [ -z "$served_by" ] || [ "$served_by" = "$first_node" ] || break
  done
  [ -n "$served_by" ] && [ "$served_by" != "$first_node" ] \
    || fail "cluster profile: 12 paths through $balancer, none served by a node other than $first_node (last: ${served_by:-none})"
  ok "cluster profile: $balancer, $relays and PostgreSQL up; tokens made in $first_node's container carried /demo/cluster-$i through $balancer on $served_by (2 MiB, sha256 equal; $i transfer(s) in all)"
else
  echo "skip cluster profile: docker-compose.yml has no \"cluster\" profile"
fi

# ---- down -v, and nothing of the project is left. ----------------------------------------------
dc down -v --remove-orphans >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; fail "down -v: docker-compose down -v"; }
project_up=false
for kind in "ps -a" "volume ls" "network ls"; do
  # shellcheck disable=SC2086 # $kind is a podman command and its option
  left=$(podman $kind -q --filter "$PROJECT_LABEL" | tr '\n' ' ')
  [ -z "$left" ] || fail "down -v: left by $PROJECT (podman $kind): $left"
done
! podman volume exists "${PROJECT}_okapi-data" || fail "down -v: volume ${PROJECT}_okapi-data left"
podman rmi "$IMAGE" >/dev/null || fail "down -v: podman rmi $IMAGE"
image_built=false
kill "$service_pid" && wait "$service_pid" 2>/dev/null
service_pid=""
ok "down -v: no container, volume or network of $PROJECT left; $IMAGE removed; podman API stopped"
