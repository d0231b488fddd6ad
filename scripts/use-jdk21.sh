# Sourced by run.sh, test.sh and .ci/run: makes a JDK 21+ the one used (Helidon 4 needs 21;
# the default java on our build machines is 17). Order: JAVA_HOME if 21+, java on PATH if 21+,
# then the Temurin 25 the build machines ship.
_okapi_is21() { "$1" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; }
if [ -n "${JAVA_HOME:-}" ] && _okapi_is21 "$JAVA_HOME/bin/java"; then
  :
elif command -v java >/dev/null 2>&1 && _okapi_is21 java; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
elif [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
else
  echo "A JDK 21 or newer is needed: set JAVA_HOME to one." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
