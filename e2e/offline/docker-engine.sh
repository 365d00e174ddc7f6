#!/usr/bin/env bash
# A Docker engine from Debian's packages, started in the background, for a machine with none.
# Where this machine's capability bounding set lacks CAP_SYS_RESOURCE (some VMs), privileged
# containers (kind nodes) fail in runc; runc-nosysres drops that capability from their spec.
# What it changes is recorded in $STATE so that teardown.sh can undo it: the pid of the dockerd it
# started, and a copy of /etc/docker/daemon.json as it was (or a note that there was none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
STATE="${E2E_OFFLINE_STATE:-/var/lib/wabiz-e2e-offline}"
DAEMON_JSON=/etc/docker/daemon.json
if docker info >/dev/null 2>&1; then echo "offline: a Docker engine answers already"; exit 0; fi
if ! command -v dockerd >/dev/null || ! command -v jq >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io jq >/dev/null
fi
mkdir -p /etc/docker "$STATE"

# The first run keeps the original; later runs must not replace that copy with our own merge.
backup_daemon_json() {
  if [ -e "$STATE/daemon.json.orig" ] || [ -e "$STATE/daemon.json.none" ]; then return; fi
  if [ -e "$DAEMON_JSON" ]; then
    cp -p "$DAEMON_JSON" "$STATE/daemon.json.orig"
    echo "offline: $DAEMON_JSON saved to $STATE/daemon.json.orig (teardown.sh --purge restores it)"
  else
    touch "$STATE/daemon.json.none"
  fi
}

if (( (0x$(awk '/^CapBnd/ {print $2}' /proc/self/status) >> 24 & 1) == 0 )); then
  install -m 0755 "$here/runc-nosysres" /usr/local/sbin/runc-nosysres
  backup_daemon_json
  current="$(cat "$DAEMON_JSON" 2>/dev/null || true)" && current="${current:-"{}"}"
  previous_default="$(jq -r '."default-runtime" // empty' <<<"$current")"
  if [ -n "$previous_default" ] && [ "$previous_default" != runc-nsr ]; then
    echo "offline: replacing default-runtime \"$previous_default\" by runc-nsr (kind's nodes need it here)"
  fi
  jq '.runtimes["runc-nsr"] = {"path": "/usr/local/sbin/runc-nosysres"} | ."default-runtime" = "runc-nsr"' \
    <<<"$current" > "$DAEMON_JSON.tmp" && mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
  echo "offline: CAP_SYS_RESOURCE is not in the bounding set; containers run through runc-nosysres"
fi
nohup dockerd --host unix:///var/run/docker.sock > /var/log/dockerd.log 2>&1 &
echo $! > "$STATE/dockerd.pid"
for _ in $(seq 60); do
  if docker info >/dev/null 2>&1; then
    echo "offline: dockerd started, pid $(cat "$STATE/dockerd.pid") (log: /var/log/dockerd.log; stop: e2e/offline/teardown.sh)"
    exit 0
  fi
  sleep 1
done
echo "offline: dockerd did not start; see /var/log/dockerd.log" >&2
exit 1
