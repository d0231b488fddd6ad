#!/usr/bin/env bash
# Builds the relay and starts it on its embedded default configuration (README, first command).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -q install -DskipTests
exec java ${OKAPI_JAVA_OPTS:--Xmx256m} -jar server/target/okapi-relay.jar "$@"
