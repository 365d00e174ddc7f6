#!/usr/bin/env bash
# Stop with a clear message naming every missing tool.
source "$(dirname "$0")/common.sh"
missing=()
for tool in docker kind helm kubectl go jq openssl git; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "missing: ${missing[*]} — install them (docker engine running, kind ≥ 0.24, helm ≥ 3.14, kubectl ≥ 1.30; go, jq and openssl install CloudNativePG from its Go module)"
  exit 2
fi
docker info >/dev/null 2>&1 || { say "docker is installed but its engine does not answer (is the daemon running?)"; exit 2; }
# The images, and their copies in every kind node, took ~30 GB of the Docker engine's disk
# (December 2026); short of it the run fails only while loading images, with containerd's "no
# space left on device".
need_gb="${E2E_MIN_FREE_GB:-35}"
docker_root="$(docker info --format '{{.DockerRootDir}}')"
free_gb="$(df --output=avail -BG "$docker_root" | tail -1 | tr -dc '0-9')"
if [ "$free_gb" -lt "$need_gb" ]; then
  # An interrupted run leaves its kind nodes' anonymous volumes behind (~5 GB each).
  say "only ${free_gb} GB free under $docker_root; a run needs about ${need_gb} GB (images in every kind node): free some space (\`docker volume prune -f\` removes the volumes of kind nodes gone with an interrupted run), or set E2E_MIN_FREE_GB"
  exit 2
fi
say "prerequisites present: docker, kind, helm, kubectl, go, jq, openssl, git; ${free_gb} GB free for images"
