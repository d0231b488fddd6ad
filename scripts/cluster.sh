#!/usr/bin/env bash
# A real Okapi cluster on one machine: a private PostgreSQL, N relay nodes sharing it, and a
# balancer in front (README "Running several nodes", docs/cluster.md).
#
#   scripts/cluster.sh up --nodes N --port P --management-key K --dir D [--balancer haproxy|nginx]
#   scripts/cluster.sh kill-node --dir D I      # SIGKILL node I (a crash, not a shutdown)
#   scripts/cluster.sh down --dir D             # stops everything "up" started, by PID
#   scripts/cluster.sh start-node --dir D I     # starts a killed node I again, on its port
#
# "up" returns once the balancer answers health and prints one line per node: node I PID PORT.
# Everything lives under D: PostgreSQL's data (pg/), the balancer's configuration (generated from
# deploy/haproxy.cfg or deploy/nginx.conf: only the listen and server lines change), logs, PIDs.
# Environment: OKAPI_RELAY_JAR (default server/target/okapi-relay.jar), OKAPI_NODE_OPTS (more JVM
# options for every node, e.g. -Drelay.max-wait-seconds=60), JAVA (default: java on PATH).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { die "usage: cluster.sh up --nodes N --port P --management-key K --dir D [--balancer haproxy|nginx] | kill-node --dir D I | start-node --dir D I | down --dir D"; }

# A TCP port on 127.0.0.1 that nothing listens on now and that this cluster has not handed out:
# picked at random below Linux's ephemeral range (32768+), where outgoing connections take theirs.
taken=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    [[ $taken == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      FREE=$p
      return
    fi
  done
  die "no free port found on 127.0.0.1"
}

# The HTTP status of GET http://127.0.0.1:PORT/PATH (HTTP/1.1), or 000 when nothing answers.
http_status() {
  local line
  line=$( { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&3 \
      && timeout 3 head -n1 <&3; } 2>/dev/null || true)
  line=${line#HTTP/1.1 }
  echo "${line:0:3}" | grep -E '^[0-9]{3}$' || echo 000
}

# Waits up to $3 seconds for GET PATH on PORT to answer 200.
wait_ok() {
  local deadline=$((SECONDS + $3))
  while [ "$(http_status "$1" "$2")" != 200 ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start_node() { # I PORT
  local i=$1 port=$2
  # shellcheck disable=SC2086 # OKAPI_NODE_OPTS is a list of options
  # relay.public-url is the balancer: Connect answers name the address clients use, for both
  # sides alike (a node's own port would bypass the pairing key). OKAPI_NODE_OPTS come last: they win.
  setsid "${JAVA:-java}" -Xmx256m -XX:+UseSerialGC \
    -Dserver.host=127.0.0.1 -Dserver.port="$port" \
    -Dauth.mode=token -Dauth.store=postgresql -Dauth.management-key="$key" \
    -Dauth.jdbc-url="jdbc:postgresql://127.0.0.1:$(cat "$dir/pg.port")/okapi" -Dauth.jdbc-user=okapi \
    -Drelay.public-url="http://127.0.0.1:$(cat "$dir/balancer.port")" ${OKAPI_NODE_OPTS:-} \
    -jar "$jar" >"$dir/node-$i.log" 2>&1 </dev/null &
  echo $! >"$dir/node-$i.pid"
  echo "$port" >"$dir/node-$i.port"
}

up() {
  local nodes="" port="" balancer=haproxy
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=${2:-}; shift 2 ;;
      --port) port=${2:-}; shift 2 ;;
      --management-key) key=${2:-}; shift 2 ;;
      --dir) dir=${2:-}; shift 2 ;;
      --balancer) balancer=${2:-}; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $nodes =~ ^[1-9][0-9]?$ ]] || die "--nodes must be 1 to 99"
  [[ $port =~ ^[0-9]{1,5}$ ]] || die "--port must be a TCP port"
  [ ${#key} -ge 16 ] || die "--management-key must have at least 16 characters"
  [ -n "$dir" ] || die "--dir is required"
  [ "$balancer" = haproxy ] || [ "$balancer" = nginx ] || die "--balancer must be haproxy or nginx"
  jar=${OKAPI_RELAY_JAR:-$repo/server/target/okapi-relay.jar}
  [ -f "$jar" ] || die "relay jar $jar not found: build it with mvn -pl server -am package -DskipTests"
  local v
  v=$("${JAVA:-java}" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ "${v:-0}" -ge 21 ] 2>/dev/null || die "the relay needs Java 21+, ${JAVA:-java} is ${v:-missing}: . scripts/use-jdk21.sh or set JAVA"
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$pgbin/initdb" ] || die "PostgreSQL not found (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql"
  command -v "$balancer" >/dev/null || [ -x "/usr/sbin/$balancer" ] || die "$balancer not found: apt-get install $balancer"
  [ ! -e "$dir/cluster.up" ] || die "$dir holds a running cluster: cluster.sh down --dir $dir first"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  echo "$port" >"$dir/balancer.port"
  # What start-node needs to start a node again (the key: readable by this user only).
  (umask 077 && printf 'jar=%q\nkey=%q\n' "$jar" "$key" >"$dir/nodes.env")
  echo "$balancer" >"$dir/balancer"
  touch "$dir/cluster.up"
  # A failure from here on stops whatever was started, so nothing is left running.
  trap 'down --dir "$dir" >/dev/null 2>&1 || true' EXIT

  # PostgreSQL refuses to run as root: then it runs as the packages' "postgres" user.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
  fi
  local pgport
  free_port # in this shell, not $(…): it remembers what it handed out
  pgport=$FREE
  echo "$pgport" >"$dir/pg.port"
  mkdir -p "$dir/pg"
  [ ${#as[@]} -eq 0 ] || chown postgres "$dir/pg"
  "${as[@]}" "$pgbin/initdb" -D "$dir/pg/data" -U okapi --auth=trust >"$dir/pg/initdb.log" 2>&1 \
    || die "initdb failed (as ${as[*]:-$(id -un)}; the folder must be reachable by that user): see $dir/pg/initdb.log"
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 30 \
    -o "-p $pgport -c listen_addresses=127.0.0.1 -k $dir/pg -c max_connections=60" start >/dev/null \
    || die "PostgreSQL did not start: see $dir/pg/postgres.log"
  head -n1 "$dir/pg/data/postmaster.pid" >"$dir/pg.pid"
  "$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U okapi -d postgres -c "create database okapi" >/dev/null \
    || die "cannot create the database okapi: see $dir/pg/postgres.log"

  local i nport
  for i in $(seq 1 "$nodes"); do
    free_port
    nport=$FREE
    start_node "$i" "$nport"
  done
  for i in $(seq 1 "$nodes"); do
    wait_ok "$(cat "$dir/node-$i.port")" /observe/health/live 60 \
      || die "node $i did not become healthy in 60 s: see $dir/node-$i.log"
  done

  if [ "$balancer" = haproxy ]; then
    # The repo's configuration; only the bind and server lines are this cluster's.
    # The stats socket lets tests and operators see which nodes HAProxy counts as up.
    { sed -e "s|^\(\s*\)bind .*|\1bind 127.0.0.1:$port|" -e '/^\s*server /d' \
        -e "s|^global\$|global\n    stats socket $dir/haproxy.sock mode 600 level user|" "$repo/deploy/haproxy.cfg"
      for i in $(seq 1 "$nodes"); do echo "    server relay$i 127.0.0.1:$(cat "$dir/node-$i.port")"; done
    } >"$dir/haproxy.cfg"
    haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy refused $dir/haproxy.cfg"
    haproxy -D -f "$dir/haproxy.cfg" -p "$dir/balancer.pid" >"$dir/balancer.log" 2>&1 \
      || die "haproxy did not start: see $dir/balancer.log"
  else
    mkdir -p "$dir/nginx"
    local servers=""
    for i in $(seq 1 "$nodes"); do
      servers+="        server 127.0.0.1:$(cat "$dir/node-$i.port") max_fails=1 fail_timeout=2s;\\n"
    done
    sed -e "s|^\(\s*\)listen .*|\1listen 127.0.0.1:$port;|" -e "s|^pid .*|pid $dir/balancer.pid;|" \
      -e "s|^error_log .*|error_log $dir/balancer.log warn;|" \
      -e "/^\s*server relay1:/i\\$servers" -e '/^\s*server relay[0-9]*:/d' "$repo/deploy/nginx.conf" >"$dir/nginx.conf"
    nginx -q -t -p "$dir/nginx" -c "$dir/nginx.conf" 2>"$dir/balancer.log" || die "nginx refused $dir/nginx.conf: see $dir/balancer.log"
    nginx -p "$dir/nginx" -c "$dir/nginx.conf" 2>>"$dir/balancer.log" || die "nginx did not start: see $dir/balancer.log"
  fi
  wait_ok "$port" /observe/health/live 30 || die "the balancer on 127.0.0.1:$port did not answer health in 30 s: see $dir/balancer.log"
  trap - EXIT
  for i in $(seq 1 "$nodes"); do
    echo "node $i $(cat "$dir/node-$i.pid") $(cat "$dir/node-$i.port")"
  done
}

# The arguments of kill-node and start-node, "--dir D I" in any order: sets dir and node.
node_args() {
  node=""
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=${2:-}; shift 2 ;;
      -*) usage ;;
      *) node=$1; shift ;;
    esac
  done
  [ -n "$dir" ] && [[ $node =~ ^[0-9]+$ ]] || usage
}

kill_node() {
  node_args "$@"
  local i=$node
  [ -f "$dir/node-$i.pid" ] || die "no node $i in $dir"
  kill -KILL "$(cat "$dir/node-$i.pid")" 2>/dev/null || die "node $i (PID $(cat "$dir/node-$i.pid")) is not running"
  echo "node $i killed"
}

start_again() {
  node_args "$@"
  local i=$node
  [ -f "$dir/node-$i.port" ] && [ -f "$dir/nodes.env" ] || die "no node $i in $dir"
  ! kill -0 "$(cat "$dir/node-$i.pid")" 2>/dev/null || die "node $i is running"
  # shellcheck disable=SC1091 # written by up
  . "$dir/nodes.env"
  start_node "$i" "$(cat "$dir/node-$i.port")"
  wait_ok "$(cat "$dir/node-$i.port")" /observe/health/live 60 || die "node $i did not become healthy in 60 s: see $dir/node-$i.log"
  echo "node $i $(cat "$dir/node-$i.pid") $(cat "$dir/node-$i.port")"
}

down() {
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=${2:-}; shift 2 ;;
      *) usage ;;
    esac
  done
  [ -n "$dir" ] || usage
  [ -d "$dir" ] || die "no cluster in $dir"
  local f pid
  if [ -f "$dir/balancer.pid" ]; then
    kill "$(cat "$dir/balancer.pid")" 2>/dev/null || true
  fi
  for f in "$dir"/node-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$dir"/node-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -f "$dir/pg.pid" ]; then
    pid=$(cat "$dir/pg.pid")
    kill -INT "$pid" 2>/dev/null || true # PostgreSQL's fast shutdown
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/cluster.up"
  echo "cluster in $dir stopped"
}

dir=""
key=""
case ${1:-} in
  up) shift; up "$@" ;;
  kill-node) shift; kill_node "$@" ;;
  down) shift; down "$@" ;;
  start-node) shift; start_again "$@" ;;
  *) usage ;;
esac
