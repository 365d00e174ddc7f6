#!/usr/bin/env bash
# Create the cluster, or reuse it when it exists (E2E_KEEP_CLUSTER=1 keeps it afterwards).
source "$(dirname "$0")/common.sh"
if kind get clusters | grep -qx "$CLUSTER"; then
  say "reusing cluster $CLUSTER"
else
  say "creating cluster $CLUSTER (1 control plane, 3 workers)"
  # E2E_NODE_IMAGE picks the node image (default: the one this kind release names).
  kind create cluster --name "$CLUSTER" --config "$ROOT/e2e/kind-config.yaml" --wait 180s \
    ${E2E_NODE_IMAGE:+--image "$E2E_NODE_IMAGE"}
fi
kind get kubeconfig --name "$CLUSTER" > "$KUBECONFIG_FILE"
say "kubeconfig: $KUBECONFIG_FILE"
