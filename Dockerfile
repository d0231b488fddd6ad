# Okapi relay image: docker compose up (see docker-compose.yml and the README's "Docker trial").
#
# Stage 1 builds the relay from this repository with Maven; stage 2 is a JRE, the jar and its
# libraries, run as an unprivileged user. Nothing else is installed: the health check is a Java
# class in the jar (dev.okapi.relay.HealthProbe), so the image needs no curl or wget.

FROM maven:3-eclipse-temurin-25 AS build
WORKDIR /src
# Every module's pom: Maven reads the whole reactor even when it builds only the server.
COPY pom.xml ./
COPY protocol-spec/pom.xml protocol-spec/
COPY server/pom.xml server/
COPY client/pom.xml client/
COPY conformance-tests/pom.xml conformance-tests/
COPY protocol-spec/src protocol-spec/src
COPY server/src server/src
# Tests run in CI (./test.sh), not in the image build.
RUN mvn -B -ntp -pl server -am package -DskipTests

FROM eclipse-temurin:25-jre
# A fixed, unprivileged uid: the data volume's files belong to it across rebuilds.
RUN groupadd --system --gid 10001 okapi \
 && useradd --system --uid 10001 --gid okapi --home-dir /var/lib/okapi --shell /usr/sbin/nologin okapi \
 && mkdir -p /opt/okapi /var/lib/okapi \
 && chown okapi:okapi /var/lib/okapi
COPY --from=build /src/server/target/okapi-relay.jar /opt/okapi/okapi-relay.jar
COPY --from=build /src/server/target/libs /opt/okapi/libs

# Inside a container the relay must listen on every interface; the token store lives on the
# volume. Every setting can be overridden with -e (README, "Configuration reference").
ENV SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8080 \
    AUTH_DATA_DIR=/var/lib/okapi \
    OKAPI_HEALTH_URL=http://127.0.0.1:8080/observe/health \
    JAVA_TOOL_OPTIONS=-Xmx256m

VOLUME ["/var/lib/okapi"]
EXPOSE 8080
USER okapi:okapi
WORKDIR /var/lib/okapi

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["java", "-cp", "/opt/okapi/okapi-relay.jar", "dev.okapi.relay.HealthProbe"]

# Exec form: java is PID 1 and receives docker stop's SIGTERM itself, which starts the relay's
# graceful shutdown (relay.shutdown-grace-seconds); docker-compose.yml allows for it in
# stop_grace_period.
ENTRYPOINT ["java", "-jar", "/opt/okapi/okapi-relay.jar"]
