#!/usr/bin/env bash
# CloudNativePG and its Barman Cloud plugin into the cluster, from the manifests their Go modules
# ship (read from the Go module cache, so `go` must be on the PATH), then wait until both answer.
# The plugin's own manifest has cert-manager issue its two TLS certificates; here openssl makes them
# (self-signed, as its selfSigned Issuer would), so cert-manager is not needed.
# Images: E2E_CNPG_IMAGE, E2E_CNPG_PLUGIN_IMAGE, E2E_CNPG_SIDECAR_IMAGE (default: the published
# ones; e2e/offline/build.sh builds local ones and preloads them into its node image).
# shellcheck source=e2e/scripts/common.sh
source "$(dirname "$0")/common.sh"
CNPG_VERSION="${E2E_CNPG_VERSION:-v1.28.0}"
PLUGIN_VERSION="${E2E_CNPG_PLUGIN_VERSION:-v0.7.0}"
CNPG_IMAGE="${E2E_CNPG_IMAGE:-ghcr.io/cloudnative-pg/cloudnative-pg:${CNPG_VERSION#v}}"
PLUGIN_IMAGE="${E2E_CNPG_PLUGIN_IMAGE:-ghcr.io/cloudnative-pg/plugin-barman-cloud:$PLUGIN_VERSION}"
SIDECAR_IMAGE="${E2E_CNPG_SIDECAR_IMAGE:-ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:$PLUGIN_VERSION}"
NAMESPACE=cnpg-system  # the release manifest's; the plugin must run in the operator's namespace
k() { kubectl --kubeconfig "$KUBECONFIG_FILE" "$@"; }
# The checksum database does not know the plugin's module; go.sum pins its dependencies.
module_dir() { GONOSUMDB=github.com/cloudnative-pg/plugin-barman-cloud go mod download -json "$1" | jq -r .Dir; }
manifests() { "$ROOT/.venv/bin/python" "$ROOT/e2e/scripts/cnpg_manifests.py" "$@"; }

say "installing CloudNativePG $CNPG_VERSION ($CNPG_IMAGE)"
operator_dir="$(module_dir "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION")"
# Server-side: the CRDs are too large for the last-applied annotation of a client-side apply.
manifests operator "$operator_dir/releases/cnpg-${CNPG_VERSION#v}.yaml" "$CNPG_IMAGE" \
  | k apply --server-side --force-conflicts -f - >/dev/null
k -n "$NAMESPACE" rollout status deployment/cnpg-controller-manager --timeout 5m

say "installing the Barman Cloud plugin $PLUGIN_VERSION ($PLUGIN_IMAGE, sidecar $SIDECAR_IMAGE)"
tls_secret() { # name common-name extendedKeyUsage; kept when it exists
  k -n "$NAMESPACE" get secret "$1" >/dev/null 2>&1 && return
  local dir && dir="$(mktemp -d)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
    -addext "extendedKeyUsage=$3" -addext "basicConstraints=critical,CA:FALSE" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  k -n "$NAMESPACE" create secret tls "$1" --cert "$dir/tls.crt" --key "$dir/tls.key" >/dev/null
  rm -rf "$dir"
}
tls_secret barman-cloud-server-tls barman-cloud serverAuth
tls_secret barman-cloud-client-tls barman-cloud-client clientAuth
plugin_dir="$(module_dir "github.com/cloudnative-pg/plugin-barman-cloud@$PLUGIN_VERSION")"
manifests plugin "$plugin_dir/manifest.yaml" "$PLUGIN_IMAGE" "$SIDECAR_IMAGE" \
  | k apply --server-side --force-conflicts -f - >/dev/null
k -n "$NAMESPACE" rollout status deployment/barman-cloud --timeout 5m
say "CloudNativePG and the Barman Cloud plugin are available"
