#!/usr/bin/env bash
# Builds the relay and starts it on its embedded default configuration (http://127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/use-jdk21.sh
mvn -B -ntp -q install -DskipTests
exec bin/okapi "$@"
