# Okapi relay image (docs/docker.md). One Dockerfile, two ways to get the relay's jar into it:
#
#   docker build -t okapi-relay .                      # default target "relay": Maven builds it inside
#   docker build --target local-jar -t okapi-relay .   # packages server/target/okapi-relay.jar + libs,
#                                                      # built beforehand; no network at build time
#
# Build arguments, for isolated networks:
#   BUILD_IMAGE / RUNTIME_IMAGE  the base images (defaults: the public Maven and JRE images); point
#                                them at an internal registry, or at images built locally
#                                (scripts/docker/local-images.sh builds a Debian + jlink runtime)
#   MAVEN_MIRROR_URL             an internal Maven mirror (a Nexus/Artifactory group, say) used
#                                instead of Maven Central; see scripts/docker/maven-mirror-settings.xml
#
# The running image is a JRE, the jar and its libraries, run as uid 10001. Nothing else is
# installed: the health check is a Java class in the jar (dev.okapi.relay.HealthProbe), so the
# image needs no curl or wget.

ARG BUILD_IMAGE=maven:3-eclipse-temurin-25
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

# ---- What every relay image is made of, whichever way the jar came in. -------------------------
FROM ${RUNTIME_IMAGE} AS runtime
# A fixed, unprivileged uid/gid 10001: the data volume's files belong to it across rebuilds, and a
# bind-mounted host directory must be writable by it (docs/docker.md: chown 10001:10001 DIR).
RUN groupadd --system --gid 10001 okapi \
 && useradd --system --uid 10001 --gid okapi --home-dir /var/lib/okapi --shell /usr/sbin/nologin okapi \
 && mkdir -p /opt/okapi /var/lib/okapi \
 && chown okapi:okapi /var/lib/okapi

# Inside a container the relay must listen on every interface; the token store lives on the
# volume. Every setting can be overridden with -e (docs/configuration.md). No
# JAVA_TOOL_OPTIONS: the JVM would print "Picked up ..." on every health probe; the heap is set in
# the ENTRYPOINT instead. OKAPI_COMMAND: how the relay names its own command in its hints.
ENV SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8080 \
    AUTH_DATA_DIR=/var/lib/okapi \
    OKAPI_HEALTH_URL=http://127.0.0.1:8080/observe/health \
    OKAPI_COMMAND="java -jar /opt/okapi/okapi-relay.jar"

VOLUME ["/var/lib/okapi"]
EXPOSE 8080
USER okapi:okapi
WORKDIR /var/lib/okapi

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["java", "-cp", "/opt/okapi/okapi-relay.jar", "dev.okapi.relay.HealthProbe"]

# Exec form: java is PID 1 and receives docker stop's SIGTERM itself, which starts the relay's
# graceful shutdown (relay.shutdown-grace-seconds); docker-compose.yml allows for it in
# stop_grace_period. A transfer holds one 64 KiB buffer, so 256 MiB carries thousands; for more,
# override the entrypoint (docker-compose.yml shows how).
ENTRYPOINT ["java", "-Xmx256m", "-jar", "/opt/okapi/okapi-relay.jar"]

# ---- Target "local-jar": the jar built on this machine (mvn -pl server -am package), no network. --
# .dockerignore lets exactly server/target/okapi-relay.jar and server/target/libs/ through. The
# glob "server/targe[t]" copies that directory's contents to /opt/okapi (jar + libs/), and the
# plain server/pom.xml beside it (what the jar was built from) keeps the instruction valid when
# there is no jar yet: the classic builder (DOCKER_BUILDKIT=0, docker-compose 1.x against a Docker
# engine) runs every stage before the one it builds, this one too, and a glob that matches nothing
# is an error there only when it is the instruction's sole source. So a fresh clone still builds
# the default target; "--target local-jar" without a built jar makes an image whose start fails
# with "Unable to access jarfile" (scripts/compose-trial.sh checks the jar first).
FROM runtime AS local-jar
COPY server/pom.xml server/targe[t] /opt/okapi/

# ---- The Maven build, for the default target. ---------------------------------------------------
FROM ${BUILD_IMAGE} AS build
ARG MAVEN_MIRROR_URL=
WORKDIR /src
COPY scripts/docker/maven-mirror-settings.xml /src/maven-mirror-settings.xml
# Dependency layer: only the poms (every module's: Maven reads the whole reactor even when it
# builds only the server). Packaging the source-less modules downloads every plugin and
# dependency the real build needs, so this layer is reused until a pom changes, and the build
# below runs offline (-o): a source change downloads nothing.
COPY pom.xml ./
COPY protocol-spec/pom.xml protocol-spec/
COPY server/pom.xml server/
COPY client/pom.xml client/
COPY conformance-tests/pom.xml conformance-tests/
RUN mvn -B -ntp ${MAVEN_MIRROR_URL:+-s /src/maven-mirror-settings.xml} -pl server -am -DskipTests package
COPY protocol-spec/src protocol-spec/src
COPY server/src server/src
# Tests run in CI (./test.sh), not in the image build.
RUN mvn -B -ntp -o ${MAVEN_MIRROR_URL:+-s /src/maven-mirror-settings.xml} -pl server -am -DskipTests package

# ---- Target "relay" (the default: last): the runtime with the jar built above. ------------------
FROM runtime AS relay
COPY --from=build /src/server/target/okapi-relay.jar /opt/okapi/okapi-relay.jar
COPY --from=build /src/server/target/libs /opt/okapi/libs
