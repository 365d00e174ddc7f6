#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
if [ "${E2E_KEEP_CLUSTER:-0}" = "1" ]; then
  say "keeping cluster $CLUSTER (E2E_KEEP_CLUSTER=1)"
else
  kind delete cluster --name "$CLUSTER"
fi
