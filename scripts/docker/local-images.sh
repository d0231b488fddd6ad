#!/usr/bin/env bash
# Builds, with podman and no image registry, the base images the Dockerfile's RUNTIME_IMAGE
# argument can point at on a machine that has only apt (CI, an air-gapped host with a Debian
# mirror), and prints the runtime image's name on stdout (progress goes to stderr):
#
#   localhost/okapi-local/debian:bookworm   debootstrap --variant=minbase bookworm, podman import
#   localhost/okapi-local/jre:<version>-<n> that base + a jlink runtime of this machine's JDK 21+
#                                           (scripts/use-jdk21.sh picks it) in /opt/java/openjdk,
#                                           on PATH, as in the public eclipse-temurin images
#
# Both are kept by name and reused: a rerun takes seconds. The debootstrap tree is also cached as
# a tarball in $OKAPI_CACHE_DIR (default /var/cache/okapi), so the base is re-imported without the
# mirror after "podman rmi". A fresh machine builds both (about 30 s of debootstrap, 206 MB).
#
# Needs root (debootstrap, rootful podman), podman, runc and debootstrap. The Debian mirror is the
# one apt uses here (/etc/apt/sources.list.d, /etc/apt/sources.list), or $OKAPI_DEBIAN_MIRROR.
#
# With --maven it also builds, and prints on a second line, an image for the Dockerfile's
# BUILD_IMAGE argument (the default target's Maven build, which needs Maven Central or a mirror):
#
#   localhost/okapi-local/maven:<version>   that base + this machine's whole JDK and its Maven
#
# With --cluster it prints, after the runtime image, stand-ins for the public images the compose
# "cluster" profile uses, made of Debian packages installed in the base (from the same mirror):
#
#   localhost/okapi-local/postgresql:bookworm   PostgreSQL, started like the public "postgres"
#   localhost/okapi-local/haproxy:bookworm      HAProxy, started like the public "haproxy"
#
# Usage: scripts/docker/local-images.sh             builds what is missing, prints the runtime image
#        scripts/docker/local-images.sh --maven     the same, then the Maven build image
#        scripts/docker/local-images.sh --cluster   the same, then the PostgreSQL and HAProxy images
#        scripts/docker/local-images.sh --rm        removes the okapi-local images and the tarball
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/docker/podman-env.sh

readonly BASE_IMAGE=localhost/okapi-local/debian:bookworm
readonly CACHE_DIR="${OKAPI_CACHE_DIR:-/var/cache/okapi}"
readonly BASE_TAR="$CACHE_DIR/debian-bookworm-minbase.tar"
# What eclipse-temurin's JRE images offer an application: every java.* module and the JDK's
# runtime modules (com.sun.management, JFR, zip file systems, DNS, EC keys, ...), without the
# development tools and desktop modules. The relay reads com.sun.management (jdk.management).
readonly JLINK_MODULES=java.se,jdk.charsets,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.dynalink,jdk.httpserver,jdk.jfr,jdk.localedata,jdk.management,jdk.management.agent,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.nio.mapmode,jdk.sctp,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.xml.dom,jdk.zipfs

log() { echo "local-images: $*" >&2; }

# The first http(s) URI apt uses for Debian bookworm's main suite (deb822 or one-line format).
debian_mirror() {
  if [ -n "${OKAPI_DEBIAN_MIRROR:-}" ]; then
    echo "$OKAPI_DEBIAN_MIRROR"
    return
  fi
  local found
  found=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null; echo; } | awk '
      BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; suites = ""; types = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) { suites = " " $i " " }
          if ($i ~ /^Types:/)  { types = " " $i " " }
        }
        if (uri != "" && suites ~ / bookworm / && types ~ / deb /) { print uri; exit }
      }')
  if [ -z "$found" ]; then
    found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" { sub(/^deb +(\[[^]]*\] +)?/, ""); if ($2 == "bookworm") { print $1; exit } }')
  fi
  if [ -z "$found" ]; then
    echo "local-images: no Debian bookworm mirror in /etc/apt; set OKAPI_DEBIAN_MIRROR=http://…/debian" >&2
    exit 1
  fi
  echo "$found"
}

build_base() {
  if podman image exists "$BASE_IMAGE"; then
    log "reusing $BASE_IMAGE"
    return
  fi
  if [ ! -s "$BASE_TAR" ]; then
    command -v debootstrap >/dev/null || { echo "local-images: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
    local mirror tree
    mirror=$(debian_mirror)
    tree=$(mktemp -d /var/tmp/okapi-debootstrap.XXXXXX)
    log "debootstrap --variant=minbase bookworm from $mirror"
    if ! debootstrap --variant=minbase bookworm "$tree" "$mirror" >"$tree.log" 2>&1; then
      tail -n 20 "$tree.log" >&2
      rm -rf "$tree" "$tree.log"
      echo "local-images: debootstrap failed (log above)" >&2
      exit 1
    fi
    mkdir -p "$CACHE_DIR"
    tar -C "$tree" -cf "$BASE_TAR.part" .
    mv "$BASE_TAR.part" "$BASE_TAR"
    rm -rf "$tree" "$tree.log"
  fi
  log "podman import $BASE_TAR as $BASE_IMAGE"
  podman import --quiet "$BASE_TAR" "$BASE_IMAGE" >/dev/null
}

jdk_version() {
  "$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/^ *java.version = / { print $2 }'
}

# Prints IMAGE and succeeds if it exists already: it is reused by name.
reuse() {
  podman image exists "$1" || return 1
  log "reusing $1"
  echo "$1"
}

# Builds IMAGE from the Containerfile on stdin, in the build context CTX (removed afterwards), with
# podman build's --network=NETWORK; prints IMAGE.
build_image() {
  local image=$1 ctx=$2 network=$3
  cat >"$ctx/Containerfile"
  if ! podman build --quiet --network="$network" "${OKAPI_ULIMITS[@]}" -f "$ctx/Containerfile" -t "$image" "$ctx" \
      >"$ctx.log" 2>&1; then
    tail -n 20 "$ctx.log" >&2
    rm -rf "$ctx" "$ctx.log"
    echo "local-images: podman build of $image failed (log above)" >&2
    exit 1
  fi
  rm -rf "$ctx" "$ctx.log"
  echo "$image"
}

build_jre() {
  local image ctx
  # The module list is part of the name: a changed list makes a new image, not a stale reuse.
  image="localhost/okapi-local/jre:$(jdk_version)-$(cksum <<<"$JLINK_MODULES" | cut -c1-6)"
  reuse "$image" && return
  ctx=$(mktemp -d /var/tmp/okapi-jre.XXXXXX)
  log "jlink $JAVA_HOME into $image"
  "$JAVA_HOME/bin/jlink" --add-modules "$JLINK_MODULES" --strip-debug --no-man-pages --no-header-files \
    --output "$ctx/java"
  build_image "$image" "$ctx" none <<EOF
FROM $BASE_IMAGE
COPY java /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
}

# The JDK as a whole (javac) and Maven, symbolic links dereferenced (Debian's Maven links into
# /usr/share/java, a packaged JDK its cacerts into /etc/ssl), at the paths and in the variables
# the public maven:3-eclipse-temurin images use.
build_maven() {
  local image ctx mvn_home
  image="localhost/okapi-local/maven:$(jdk_version)"
  reuse "$image" && return
  command -v mvn >/dev/null || { echo "local-images: mvn missing (apt-get install maven)" >&2; exit 1; }
  mvn_home=$(mvn -v 2>/dev/null | awk -F': ' '/^Maven home:/ { print $2 }')
  ctx=$(mktemp -d /var/tmp/okapi-maven.XXXXXX)
  log "copying $JAVA_HOME and $mvn_home into $image"
  cp -rL "$JAVA_HOME" "$ctx/java"
  cp -rL "$mvn_home" "$ctx/maven"
  build_image "$image" "$ctx" none <<EOF
FROM $BASE_IMAGE
COPY java /opt/java/openjdk
COPY maven /usr/share/maven
ENV JAVA_HOME=/opt/java/openjdk MAVEN_HOME=/usr/share/maven \\
    PATH=/opt/java/openjdk/bin:/usr/share/maven/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
}

# Debian packages installed in the base from the same mirror, no service started at install time
# (policy-rc.d) and no default PostgreSQL cluster made (the entrypoint makes one on the volume).
readonly APT_INSTALL="printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends"

# Stand-ins for the public "postgres" and "haproxy" images, for the compose "cluster" profile:
# Debian bookworm's PostgreSQL with the public image's start-up contract
# (scripts/docker/postgres-entrypoint.sh), and HAProxy started as the public image starts it.
build_postgresql() {
  local image=localhost/okapi-local/postgresql:bookworm ctx
  reuse "$image" && return
  ctx=$(mktemp -d /var/tmp/okapi-postgresql.XXXXXX)
  cp scripts/docker/postgres-entrypoint.sh "$ctx/"
  log "apt-get install postgresql into $image"
  build_image "$image" "$ctx" private <<EOF
FROM $BASE_IMAGE
RUN $APT_INSTALL postgresql \\
 && rm -rf /var/lib/apt/lists/* \\
 && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
USER postgres
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
EOF
}

build_haproxy() {
  local image=localhost/okapi-local/haproxy:bookworm ctx
  reuse "$image" && return
  ctx=$(mktemp -d /var/tmp/okapi-haproxy.XXXXXX)
  log "apt-get install haproxy into $image"
  build_image "$image" "$ctx" private <<EOF
FROM $BASE_IMAGE
RUN $APT_INSTALL haproxy \\
 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /usr/local/etc/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
EOF
}

case "${1:-}" in
  "")
    build_base
    build_jre
    ;;
  --maven)
    build_base
    build_jre
    build_maven
    ;;
  --cluster)
    build_base
    build_jre
    build_postgresql
    build_haproxy
    ;;
  --rm)
    podman images --format '{{.Repository}}:{{.Tag}}' | grep -E '^localhost/okapi-local/' \
      | xargs -r podman rmi >/dev/null
    rm -f "$BASE_TAR"
    log "removed the okapi-local images and $BASE_TAR"
    ;;
  *)
    echo "usage: scripts/docker/local-images.sh [--maven | --cluster | --rm]" >&2
    exit 2
    ;;
esac
