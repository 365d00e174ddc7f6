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
say "prerequisites present: docker, kind, helm, kubectl, go, jq, openssl, git"
