#!/usr/bin/env bash
# A Docker engine from Debian's packages, started in the background, for a machine with none.
# Where this machine's capability bounding set lacks CAP_SYS_RESOURCE (some VMs), privileged
# containers (kind nodes) fail in runc; runc-nosysres drops that capability from their spec.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if docker info >/dev/null 2>&1; then echo "offline: a Docker engine answers already"; exit 0; fi
command -v dockerd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io jq >/dev/null
mkdir -p /etc/docker
if (( (0x$(awk '/^CapBnd/ {print $2}' /proc/self/status) >> 24 & 1) == 0 )); then
  install -m 0755 "$here/runc-nosysres" /usr/local/sbin/runc-nosysres
  echo '{"runtimes": {"runc-nsr": {"path": "/usr/local/sbin/runc-nosysres"}}, "default-runtime": "runc-nsr"}' \
    > /etc/docker/daemon.json
  echo "offline: CAP_SYS_RESOURCE is not in the bounding set; containers run through runc-nosysres"
fi
nohup dockerd --host unix:///var/run/docker.sock > /var/log/dockerd.log 2>&1 &
for _ in $(seq 60); do docker info >/dev/null 2>&1 && { echo "offline: dockerd started (log: /var/log/dockerd.log)"; exit 0; }; sleep 1; done
echo "offline: dockerd did not start; see /var/log/dockerd.log" >&2
exit 1
