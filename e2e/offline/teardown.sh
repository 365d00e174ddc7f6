#!/usr/bin/env bash
# Undo docker-engine.sh and build.sh. Without flags: stop the dockerd that docker-engine.sh started
# (images, clusters and cache stay for the next run). With --purge, first delete every kind
# cluster, the images build.sh and `make e2e` made, Docker's build cache and build.sh's cache,
# then stop dockerd and put /etc/docker/daemon.json back as it was. Debian's docker.io package stays
# installed (`apt-get remove docker.io containerd runc` removes it).
set -euo pipefail
STATE="${E2E_OFFLINE_STATE:-/var/lib/wabiz-e2e-offline}"
WORK="${E2E_OFFLINE_CACHE:-$HOME/.cache/wabiz/e2e-offline}"
DAEMON_JSON=/etc/docker/daemon.json
purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac
say() { printf 'offline: %s\n' "$*"; }

# Our images: build.sh's (local/*, the Kubernetes component tags it builds) and make e2e's.
our_images() {
  docker image ls --format '{{.Repository}}:{{.Tag}}' \
    | grep -E '^(local/|registry\.k8s\.io/|wabiz:|wabiz-operator:)' || true
}

if [ "$purge" = 1 ] && docker info >/dev/null 2>&1; then
  kind="$(command -v kind || echo "$WORK/bin/kind")"
  if [ -x "$kind" ]; then
    for cluster in $("$kind" get clusters 2>/dev/null); do "$kind" delete cluster --name "$cluster"; done
  fi
  images="$(our_images)"
  # shellcheck disable=SC2086 # one image per word
  [ -z "$images" ] || docker image rm -f $images >/dev/null
  docker builder prune -af >/dev/null
  docker image prune -f >/dev/null
  say "removed $(wc -w <<<"$images") images and Docker's build cache"
fi

if [ -s "$STATE/dockerd.pid" ] && kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null; then
  pid="$(cat "$STATE/dockerd.pid")"
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then say "dockerd (pid $pid) did not stop within 60 s" >&2; exit 1; fi
  say "dockerd (pid $pid) stopped"
else
  say "no dockerd started by docker-engine.sh is running"
fi
rm -f "$STATE/dockerd.pid"

if [ "$purge" = 1 ]; then
  rm -rf "$WORK"
  say "removed $WORK"
  if [ -e "$STATE/daemon.json.orig" ]; then
    mv "$STATE/daemon.json.orig" "$DAEMON_JSON" && say "restored $DAEMON_JSON"
  elif [ -e "$STATE/daemon.json.none" ]; then
    rm -f "$DAEMON_JSON" "$STATE/daemon.json.none" && say "removed $DAEMON_JSON (there was none before)"
  fi
  rmdir "$STATE" 2>/dev/null || true
fi
