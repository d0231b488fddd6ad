# Sourced by scripts/docker/local-images.sh and scripts/compose-trial.sh (from the repository's
# root): the JDK 21+ (scripts/use-jdk21.sh), podman's configuration and the rlimits every
# container and build gets, and the tools they need, named with the package to install.
. scripts/use-jdk21.sh
export CONTAINERS_CONF="$PWD/scripts/docker/containers.conf"
# The values docker-compose.yml's "ulimits:" gives the relay (containers.conf says why explicit).
OKAPI_ULIMITS=(--ulimit nofile=16384:16384 --ulimit nproc=4096:4096)
if [ "$(id -u)" != 0 ]; then
  echo "$0: needs root (rootful podman, debootstrap)" >&2
  exit 1
fi
for _okapi_tool in podman runc; do
  command -v "$_okapi_tool" >/dev/null 2>&1 \
    || { echo "$0: $_okapi_tool missing (apt-get install $_okapi_tool)" >&2; exit 1; }
done
unset _okapi_tool
