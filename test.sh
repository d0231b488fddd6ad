#!/usr/bin/env bash
# Builds everything and runs every test of every module against real relays on loopback.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/use-jdk21.sh
exec mvn -B -ntp verify "$@"
