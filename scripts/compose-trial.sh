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
# debootstrap, docker-compose, curl and a built server/target/okapi-relay.jar (./test.sh or
# mvn -pl server -am package -DskipTests). OKAPI_PORT picks the host port (default: a free one);
# OKAPI_TRIAL_TARGET=relay builds the Dockerfile's default target instead (see below).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/docker/podman-env.sh

readonly PROJECT=okapi-trial
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

dc() { docker-compose -f docker-compose.yml -f scripts/docker/compose-trial.override.yml "$@"; }

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
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  if $project_up; then
    dc down -v --remove-orphans >"$WORK/down-on-exit.log" 2>&1 || cat "$WORK/down-on-exit.log" >&2
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
  OKAPI_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
podman system service --time=0 "$DOCKER_HOST" >"$WORK/service.log" 2>&1 &
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
wait_healthy() {
  local container deadline
  container=$(dc ps -q relay)
  [ -n "$container" ] || return 1
  deadline=$((SECONDS + STEP_TIMEOUT))
  until podman healthcheck run "$container" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { dc logs --tail 20 relay >&2; return 1; }
    sleep 1
  done
}
wait_healthy || fail "health: the container's health check did not pass within $STEP_TIMEOUT s"
ok "health: the container's health check passes"

# ---- The first tokens, exactly as the README's Docker section creates them (-T: no terminal). --
create_token() {
  dc exec -T relay java -jar /opt/okapi/okapi-relay.jar token create --path /demo --recursive --mode "$1" --expires 1d \
    | awk '$1 == "token" { print $2 }'
}
write_token=$(create_token write)
read_token=$(create_token read)
[ -n "$write_token" ] && [ -n "$read_token" ] || fail "first token: token create printed no token"
ok "first token: write and read tokens for /demo made in the relay's container"

# One stream through the published port: producer PUT, consumer GET, both with curl.
# $1 path, $2 file to send; the consumer's copy lands in $WORK/received.
transfer() {
  local url="$RELAY/data/demo/$1" consumer producer
  curl -sS --fail-with-body --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $read_token" \
    -o "$WORK/received" "$url" 2>"$WORK/consumer.err" &
  consumer=$!
  pids+=("$consumer")
  curl -sS --fail-with-body --max-time "$STEP_TIMEOUT" -H "Authorization: Bearer $write_token" \
    -T "$2" -o "$WORK/producer.out" "$url" 2>"$WORK/producer.err" &
  producer=$!
  pids+=("$producer")
  wait "$producer" || { cat "$WORK/producer.err" "$WORK/producer.out" >&2; return 1; }
  wait "$consumer" || { cat "$WORK/consumer.err" >&2; return 1; }
  grep -q 'TRANSFER_SUCCESSFUL' "$WORK/producer.out" || { cat "$WORK/producer.out" >&2; return 1; }
  [ "$(sha256sum <"$2")" = "$(sha256sum <"$WORK/received")" ]
}

head -c $((STREAM_MIB * 1024 * 1024)) /dev/urandom >"$WORK/stream.bin"
transfer big "$WORK/stream.bin" || fail "$STREAM_MIB MiB round trip: failed or sha256 differs"
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
transfer again "$WORK/again.bin" || fail "restart: a transfer with the tokens made before failed"
ok "restart: healthy again, the tokens made before still work, 4 MiB round trip sha256 equal"

# ---- The cluster profile, once docker-compose.yml has one. -------------------------------------
if dc config --profiles 2>/dev/null | grep -qx cluster; then
  fail "cluster profile: docker-compose.yml has one, and this script does not run it yet"
fi
echo "skip cluster profile: docker-compose.yml has no \"cluster\" profile"

# ---- down -v, and nothing of the project is left. ----------------------------------------------
dc down -v --remove-orphans >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; fail "down -v: docker-compose down -v"; }
project_up=false
left=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "down -v: containers left: $left"
! podman volume exists "${PROJECT}_okapi-data" || fail "down -v: volume ${PROJECT}_okapi-data left"
! podman network exists "${PROJECT}_default" || fail "down -v: network ${PROJECT}_default left"
podman rmi "$IMAGE" >/dev/null || fail "down -v: podman rmi $IMAGE"
image_built=false
kill "$service_pid" && wait "$service_pid" 2>/dev/null
service_pid=""
ok "down -v: no container, volume or network of $PROJECT left; $IMAGE removed; podman API stopped"
