#!/usr/bin/env python3
"""For scripts/compose-trial.sh: the compose override that runs docker-compose.yml's "cluster"
profile on locally built images, and what the trial needs to know about that profile.

    cluster-override.py COMPOSE_FILE TRIAL_IMAGE POSTGRES_IMAGE HAPROXY_IMAGE OVERRIDE_OUT

Reads the compose file as written (before interpolation) and sorts the profile's services by
image: the relay's image (the "relay" service's, or a build of this repository) -> TRIAL_IMAGE,
an image named postgres -> POSTGRES_IMAGE, one named haproxy -> HAPROXY_IMAGE. Any other image
has no local stand-in: one line on stderr, exit 1. Writes the override and prints shell
assignments on stdout: relays="a b c", balancer=NAME, balancer_port=CONTAINER_PORT, and
free_port_vars="VAR ..." (the variables in the profile's published ports, each of which the
trial sets to a free port, so the profile never collides with what runs on the host).
"""
import re
import sys

import yaml

VARIABLE = re.compile(r"\$\{(\w+)(?::?-[^}]*)?\}")


def interpolate_default(value):
    """A compose value with each ${VAR:-default} replaced by its default (or "" without one)."""
    return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", str(value))


def main(compose_file, trial_image, postgres_image, haproxy_image, out):
    with open(compose_file) as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    relay_image = interpolate_default(services["relay"].get("image", ""))
    relays, balancer, balancer_port, port_vars, override = [], None, None, [], {}
    for name, service in services.items():
        if "cluster" not in service.get("profiles", []):
            continue
        image = interpolate_default(service.get("image", ""))
        build = service.get("build")
        context = build.get("context", ".") if isinstance(build, dict) else build
        if image == relay_image or context == ".":
            override[name] = {"image": trial_image}
            relays.append(name)
        elif re.search(r"(^|/)postgres(ql)?(:|$)", image):
            override[name] = {"image": postgres_image}
        elif re.search(r"(^|/)haproxy(:|$)", image):
            override[name] = {"image": haproxy_image}
            balancer = name
        else:
            sys.exit(f"cluster-override: service {name}'s image {image!r} has no local stand-in")
        for port in service.get("ports", []):
            port_vars += VARIABLE.findall(str(port))
            if name == balancer and balancer_port is None:
                balancer_port = interpolate_default(port).split(":")[-1].split("/")[0]
    if not relays or balancer is None or balancer_port is None:
        sys.exit("cluster-override: the cluster profile needs relay services and an haproxy service with a published port")
    with open(out, "w") as f:
        yaml.safe_dump({"services": override}, f, sort_keys=True)
    print(f'relays="{" ".join(relays)}"')
    print(f"balancer={balancer}")
    print(f"balancer_port={balancer_port}")
    print(f'free_port_vars="{" ".join(dict.fromkeys(port_vars))}"')


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__.strip().splitlines()[3].strip())
    main(*sys.argv[1:])
