#!/usr/bin/env bash
# Benchmarks the Okapi relay against piping-server 1.12.9 and a socat two-hop TCP relay (the
# physical reference), interleaved in one run, on loopback only. Prints a table of medians and
# ratios to piping-server (bench/README.md explains every row).
#
#   bench/run.sh [--quick] [--only plain,tls,waiting,small,streams] [--out FILE]
#
# --quick: a short smoke run (small sizes, one round). --out: keep the raw result lines. Every
# process started here is stopped by its PID on exit. Environment: OKAPI_JAVA_OPTS (relay JVM
# flags; default: the launcher's, read from ../run.sh), BENCH_PORT_BASE (first of 8 ports).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
ONLY="plain,tls,waiting,small,streams"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"

TMP=$(mktemp -d /tmp/okapi-bench.XXXXXX)
PIDS=" " # every process started here and not stopped yet
stop_pid() {
  local p=$1 i
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  PIDS=${PIDS/ $p / }
}
cleanup() {
  local p
  for p in $PIDS; do stop_pid "$p"; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
want() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# 10,000 waiting clients need more descriptors than the usual 1024, in the relay and the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10500 ]; then
  say "note: ulimit -n is $(ulimit -n); 10,000 waiting clients need about 10,500"
fi

# ---- build and tools
if [ ! -f server/target/okapi-relay.jar ]; then
  say "building the relay"
  mvn -B -q -o install -DskipTests || mvn -B -q -ntp install -DskipTests
fi
# Run a private copy (the jar and its libs/): other people rebuild server/target while a benchmark
# runs, and a JVM reads its jars lazily. A copy taken mid-write fails the zip test and is retaken.
jars_ok() { local j; for j in "$1"/okapi-relay.jar "$1"/libs/*.jar; do python3 -m zipfile -t "$j" >/dev/null 2>&1 || return 1; done; }
for i in $(seq 30); do
  rm -rf "$TMP/relay" && mkdir -p "$TMP/relay"
  cp -r server/target/okapi-relay.jar server/target/libs "$TMP/relay/" 2>/dev/null && jars_ok "$TMP/relay" && break
  [ "$i" = 30 ] && { echo "server/target/okapi-relay.jar (or its libs/) stays invalid" >&2; exit 1; }
  sleep 2
done
# The commit the relay jar was copied at (others may commit while the benchmark runs).
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- server run.sh 2>/dev/null || echo ' + uncommitted changes in server/ or run.sh')"
if ! command -v socat >/dev/null; then
  say "installing socat"
  apt-get install -y -q socat >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q socat >/dev/null; }
fi
say "installing piping-server 1.12.9 into $TMP"
npm install --prefix "$TMP/piping" --no-audit --no-fund --loglevel=error piping-server@1.12.9 >/dev/null
PIPING="$TMP/piping/node_modules/.bin/piping-server"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
openssl pkcs12 -export -in "$TMP/cert.pem" -inkey "$TMP/key.pem" -out "$TMP/ks.p12" -passout pass:changeit -name relay

mkdir -p "$TMP/cls"
javac -d "$TMP/cls" bench/Load.java
LOAD=(java -Xmx1g -cp "$TMP/cls" Load)

# ---- ports: eight consecutive free ones below the ephemeral range
BASE=${BENCH_PORT_BASE:-$((21000 + RANDOM % 8990))}
for try in $(seq 20); do
  busy=0
  for i in $(seq 0 7); do
    if ss -Hltn "sport = :$((BASE + i))" 2>/dev/null | grep -q .; then busy=1; fi
  done
  [ $busy = 0 ] && break
  BASE=$((21000 + RANDOM % 8990))
done
P_OK=$BASE P_OKTLS=$((BASE + 1)) P_PI=$((BASE + 2)) P_PITLS=$((BASE + 3))
P_SO=$((BASE + 4)) P_SORECV=$((BASE + 5)) P_SOTLS=$((BASE + 6)) P_SOTLSRECV=$((BASE + 7))

# ---- the relays
# The relay's JVM flags are the launcher's (bin/okapi, which ../run.sh runs) unless
# OKAPI_JAVA_OPTS says otherwise; no flags found is an error, not a silent default heap.
LAUNCHER_OPTS=$(sed -n 's/.*OKAPI_JAVA_OPTS:-\([^}]*\)}.*/\1/p' bin/okapi | head -1)
[ -n "$LAUNCHER_OPTS" ] || [ -n "${OKAPI_JAVA_OPTS:-}" ] || { echo "no JVM flags found in bin/okapi (OKAPI_JAVA_OPTS:-...)" >&2; exit 1; }
# Plus -Xmx512m (the later -Xmx wins): the relay plans 24 KiB of heap per connection within 80 % of
# -Xmx (docs/operations.md), so the launcher's 256 MiB takes about 6,700 connections; a waiting
# client holds about 25 KiB of live heap, so 10,000 of them filled 384 MiB past 80 % (503 "short of
# memory"). An operator expecting that many waiting clients sizes the heap the same way.
OKAPI_OPTS=${OKAPI_JAVA_OPTS:-$LAUNCHER_OPTS -Xmx512m}
# TLS through Helidon's own server.tls keys (a PKCS#12 key store); OKAPI_TLS_OPTS overrides.
OKAPI_TLS=${OKAPI_TLS_OPTS:--Dserver.tls.private-key.keystore.resource.path=$TMP/ks.p12 -Dserver.tls.private-key.keystore.passphrase=changeit -Dserver.tls.private-key.keystore.key.alias=relay}
SOCAT_BUF=${SOCAT_BUF:-131072}

# Relays run from $TMP, so nothing they write relative to their working directory lands in the repo.
start_okapi() {
  # shellcheck disable=SC2086
  (cd "$TMP" && exec java $OKAPI_OPTS -Dserver.host=127.0.0.1 -Dserver.port=$P_OK -jar "$TMP/relay/okapi-relay.jar" >>"$TMP/okapi.log" 2>&1) &
  PID_OK=$!; PIDS+="$PID_OK "
}
start_piping() {
  (cd "$TMP" && exec "$PIPING" --host 127.0.0.1 --http-port $P_PI --enable-https --https-port $P_PITLS \
    --key-path "$TMP/key.pem" --crt-path "$TMP/cert.pem" >>"$TMP/piping.log" 2>&1) &
  PID_PI=$!; PIDS+="$PID_PI "
}
# Ready when it answers anything at all over HTTP(S) (curl prints 000 while it cannot connect).
ready() {
  local url=$1 pid=$2 i
  for i in $(seq 120); do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(curl -sk -m 2 -o /dev/null -w '%{http_code}' "$url" || true)" != 000 ] && return 0
    sleep 0.5
  done
  return 1
}
relays_ready() {
  ready "http://127.0.0.1:$P_OK/" "$PID_OK" || { tail -20 "$TMP/okapi.log" >&2; echo "okapi did not start" >&2; exit 1; }
  ready "http://127.0.0.1:$P_PI/" "$PID_PI" || { tail -20 "$TMP/piping.log" >&2; echo "piping-server did not start" >&2; exit 1; }
  ready "https://127.0.0.1:$P_PITLS/" "$PID_PI" || { tail -20 "$TMP/piping.log" >&2; echo "piping-server https did not start" >&2; exit 1; }
}

start_okapi
PID_OKTLS=""
if want tls; then
  # shellcheck disable=SC2086
  (cd "$TMP" && exec java $OKAPI_OPTS $OKAPI_TLS -Dserver.host=127.0.0.1 -Dserver.port=$P_OKTLS -jar "$TMP/relay/okapi-relay.jar" >"$TMP/okapi-tls.log" 2>&1) &
  PID_OKTLS=$!; PIDS+="$PID_OKTLS "
fi
start_piping
# Two hops through one process: sender -> socat :P_SO, socat -> our receiver on :P_SORECV.
socat -b "$SOCAT_BUF" TCP-LISTEN:$P_SO,bind=127.0.0.1,reuseaddr,fork,backlog=1024 TCP:127.0.0.1:$P_SORECV 2>"$TMP/socat.log" &
PID_SO=$!; PIDS+="$PID_SO "
socat -b "$SOCAT_BUF" OPENSSL-LISTEN:$P_SOTLS,bind=127.0.0.1,reuseaddr,fork,backlog=1024,cert="$TMP/cert.pem",key="$TMP/key.pem",verify=0 \
  OPENSSL:127.0.0.1:$P_SOTLSRECV,verify=0 2>"$TMP/socat-tls.log" &
PID_SOTLS=$!; PIDS+="$PID_SOTLS "
relays_ready
OKAPI_TLS_OK=0
if want tls; then
  if ready "https://127.0.0.1:$P_OKTLS/" "$PID_OKTLS"; then OKAPI_TLS_OK=1; else
    say "n/a (relay TLS not configured): okapi did not answer TLS on $P_OKTLS; its log:"
    tail -5 "$TMP/okapi-tls.log" >&2
  fi
fi

# ---- workloads
if [ $QUICK = 1 ]; then
  R_STREAM=1 R_TLS=1 R_WAIT=1 R_SMALL=1 R_STREAMS=1
  BYTES=$((256 << 20)) CLIENTS=1000 SEQ=200 PER_WORKER=10 NSTREAMS=50 STREAM_BYTES=$((2 << 20))
else
  R_STREAM=5 R_TLS=3 R_WAIT=3 R_SMALL=3 R_STREAMS=3
  BYTES=$((2 << 30)) CLIENTS=10000 SEQ=2000 PER_WORKER=100 NSTREAMS=200 STREAM_BYTES=$((10 << 20))
fi
RESULTS=${OUT:-$TMP/results.txt}
: >"$RESULTS"
COMMON=(clk_tck="$(getconf CLK_TCK)" keystore="$TMP/ks.p12" keypass=changeit)
targets() {
  T_OK="okapi,http,http://127.0.0.1:$P_OK/data,$PID_OK"
  T_PI="piping,http,http://127.0.0.1:$P_PI,$PID_PI"
  T_SO="socat,raw,127.0.0.1:$P_SO>$P_SORECV,$PID_SO"
  T_OKTLS="okapi,http,https://127.0.0.1:$P_OKTLS/data,${PID_OKTLS:-0}"
  T_PITLS="piping,http,https://127.0.0.1:$P_PITLS,$PID_PI"
  T_SOTLS="socat,rawtls,127.0.0.1:$P_SOTLS>$P_SOTLSRECV,$PID_SOTLS"
}
targets
load() { say "workload $1 ..."; "${LOAD[@]}" "$@" "${COMMON[@]}" | tee -a "$RESULTS" >&2; }
# The two byte-moving workloads use an OpenSSL-based client (see stream.py); the rest Load.java.
stream() { say "workload stream ..."; python3 bench/stream.py "$@" "${COMMON[@]}" cert="$TMP/cert.pem" key="$TMP/key.pem" | tee -a "$RESULTS" >&2; }

START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
want plain && stream rounds=$R_STREAM bytes=$BYTES "$T_OK" "$T_PI" "$T_SO"
if want tls; then
  if [ $OKAPI_TLS_OK = 1 ]; then
    stream rounds=$R_TLS bytes=$BYTES "$T_OKTLS" "$T_PITLS" "$T_SOTLS"
  else
    stream rounds=$R_TLS bytes=$BYTES "$T_PITLS" "$T_SOTLS"
  fi
  stop_pid "$PID_OKTLS"
fi
if want waiting; then
  # Memory per waiting client is measured on fresh processes: each round restarts both relays, so
  # a heap or arena grown by earlier workloads can neither hide nor inflate the cost.
  for r in $(seq "$R_WAIT"); do
    stop_pid "$PID_OK"; stop_pid "$PID_PI"
    start_okapi; start_piping; relays_ready; targets
    load waiting rounds=1 first_round="$r" clients=$CLIENTS "$T_OK" "$T_PI"
  done
fi
want small && load small rounds=$R_SMALL sequential=$SEQ concurrency=32 per_worker=$PER_WORKER "$T_OK" "$T_PI"
want streams && load streams rounds=$R_STREAMS streams=$NSTREAMS stream_bytes=$STREAM_BYTES "$T_OK" "$T_PI" "$T_SO"
END=$(date +%s)

# ---- report
echo
echo "Okapi relay benchmark: $(date -u +%Y-%m-%dT%H:%MZ), commit $COMMIT"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
echo "load average at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg); workloads took $((END - START)) s; $([ $QUICK = 1 ] && echo 'QUICK smoke run' || echo 'full run')"
echo "okapi: java $OKAPI_OPTS ($(java -version 2>&1 | head -1)); piping-server $("$PIPING" --version) on node $(node --version); socat -b $SOCAT_BUF ($(socat -V | sed -n 's/^socat version \([^ ]*\).*/\1/p'))"
echo "sizes: stream $((BYTES >> 20)) MiB, $CLIENTS waiting clients, 1 KiB x $SEQ sequential + 32 x $PER_WORKER concurrent, $NSTREAMS x $((STREAM_BYTES >> 20)) MiB streams"
[ $OKAPI_TLS_OK = 1 ] || ! want tls || echo "TLS row for okapi: n/a (relay TLS not configured)"
echo
"${LOAD[@]}" table "$RESULTS"
