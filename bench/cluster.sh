#!/usr/bin/env bash
# The balancer's cost: 200 concurrent 10 MiB streams through HAProxy over 3 relay nodes, against
# the same 200 streams sent to one of those nodes directly, interleaved in rounds by bench/Load.java
# (its "streams" workload: every stream sha256-verified). The cluster is scripts/cluster.sh's
# (PostgreSQL, 3 nodes, deploy/haproxy.cfg), in open mode so that the client needs no tokens.
#
#   bench/cluster.sh [--rounds R] [--streams N] [--mib M] [--out FILE]
#
# Prints the table of medians (bench/README.md, "Cluster"). Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3 STREAMS=200 MIB=10 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --mib) MIB=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
. scripts/use-jdk21.sh >/dev/null
[ -f server/target/okapi-relay.jar ] || { echo "build the relay first: mvn -pl server -am package -DskipTests" >&2; exit 1; }

dir=$(mktemp -d /tmp/okapi-bench-cluster.XXXXXX)
chmod 755 "$dir" # PostgreSQL runs as "postgres" when this runs as root
raw=${OUT:-$dir/raw.txt}
trap 'scripts/cluster.sh down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
port=$((18000 + RANDOM % 2000))
# Open mode (the later -D wins) and a relay heap of the launcher's size.
nodes=$(OKAPI_NODE_OPTS="-Dauth.mode=open" scripts/cluster.sh up --nodes 3 --port "$port" \
  --management-key bench-cluster-management-key --dir "$dir")
echo "$nodes"
read -r _ _ pid1 port1 <<<"$(echo "$nodes" | head -n1)"
echo "# bench/cluster.sh at $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$raw"
# The CPU column counts node 1's process only: for the cluster it is a third of the relays' CPU.
java bench/Load.java streams rounds="$ROUNDS" streams="$STREAMS" stream_bytes=$((MIB << 20)) \
  "haproxy-3-nodes,http,http://127.0.0.1:$port/data,$pid1" "direct-1-node,http,http://127.0.0.1:$port1/data,$pid1" | tee -a "$raw"
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
# Medians per target and metric (Load.java's own table knows only its three relays' names).
echo
echo "| target | aggregate MiB/s (median) | streams verified (min) | node 1 CPU-s/GiB (median) |"
echo "|---|---:|---:|---:|"
for t in haproxy-3-nodes direct-1-node; do
  med() { awk -v t="$t" -v m="$1" '$1=="R" && $2=="streams" && $3==m && $4==t {print $6}' "$raw" | sort -g \
    | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
  minv=$(awk -v t="$t" '$1=="R" && $2=="streams" && $3=="verified" && $4==t {print $6}' "$raw" | sort -g | head -n1)
  printf '| %s | %.1f | %.0f | %.2f |\n' "$t" "$(med aggregate_MiBps)" "${minv:-0}" "$(med cpu_s_per_GiB)"
done
