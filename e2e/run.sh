#!/usr/bin/env bash
# `make e2e`: the whole kind run, step by step (each step is a script a reader can run alone).
source "$(dirname "$0")/scripts/common.sh"
scripts="$ROOT/e2e/scripts"
"$scripts/check-prereqs.sh"
"$scripts/create-cluster.sh"
trap '"$scripts/delete-cluster.sh"' EXIT
"$scripts/build-images.sh"
"$scripts/load-images.sh"
"$scripts/install-chart.sh"
"$scripts/install-cnpg.sh"
if ! E2E_KUBECONFIG="$KUBECONFIG_FILE" E2E_TAG="$TAG" "$ROOT/.venv/bin/python" -m pytest "$ROOT/e2e" -p no:xdist "$@"; then
  "$scripts/export-logs.sh"
  exit 1
fi
