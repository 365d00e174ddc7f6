#!/usr/bin/env bash
# kind's node logs plus every pod's log, into e2e/logs/.
source "$(dirname "$0")/common.sh"
mkdir -p "$LOGS"
kind export logs --name "$CLUSTER" "$LOGS/kind" || true
for ns in $(kubectl --kubeconfig "$KUBECONFIG_FILE" get ns -o jsonpath='{.items[*].metadata.name}'); do
  for pod in $(kubectl --kubeconfig "$KUBECONFIG_FILE" -n "$ns" get pods -o name); do
    kubectl --kubeconfig "$KUBECONFIG_FILE" -n "$ns" logs "$pod" --all-containers > "$LOGS/$ns-${pod#pod/}.log" 2>&1 || true
  done
done
say "logs in $LOGS"
