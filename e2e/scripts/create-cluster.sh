#!/usr/bin/env bash
# Create the cluster, or reuse it when it exists (E2E_KEEP_CLUSTER=1 keeps it afterwards).
source "$(dirname "$0")/common.sh"
if kind get clusters | grep -qx "$CLUSTER"; then
  say "reusing cluster $CLUSTER"
else
  say "creating cluster $CLUSTER (1 control plane, 2 app workers, 3 database workers)"
  # E2E_NODE_IMAGE picks the node image (default: the one this kind release names).
  kind create cluster --name "$CLUSTER" --config "$ROOT/e2e/kind-config.yaml" --wait 180s \
    ${E2E_NODE_IMAGE:+--image "$E2E_NODE_IMAGE"}
fi
kind get kubeconfig --name "$CLUSTER" > "$KUBECONFIG_FILE"
# kind waits for the control plane only; the workers join a little later.
kubectl --kubeconfig "$KUBECONFIG_FILE" wait node --all --for=condition=Ready --timeout 5m >/dev/null
say "kubeconfig: $KUBECONFIG_FILE (every node Ready)"
