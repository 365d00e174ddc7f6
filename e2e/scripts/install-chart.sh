#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
say "installing the operator chart"
helm --kubeconfig "$KUBECONFIG_FILE" upgrade --install wabiz "$ROOT/charts/wabiz-operator" \
  --namespace wabiz-system --create-namespace \
  --set image.repository=wabiz-operator --set image.tag="$TAG" --set image.pullPolicy=Never \
  --wait --timeout 5m
