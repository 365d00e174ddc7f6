# shellcheck shell=bash disable=SC2034 # sourced by the other scripts, which use these names
# Shared settings of the e2e scripts; each script can also be run alone, in this order:
# check-prereqs.sh → create-cluster.sh → build-images.sh → load-images.sh → install-chart.sh →
# (pytest e2e) → export-logs.sh (on failure) → delete-cluster.sh
set -euo pipefail
CLUSTER="${E2E_CLUSTER:-wabiz-e2e}"
TAG="${E2E_TAG:-e2e}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KUBECONFIG_FILE="${E2E_KUBECONFIG:-$ROOT/e2e/.kubeconfig}"
LOGS="${E2E_LOGS:-$ROOT/e2e/logs}"
say() { printf 'e2e: %s\n' "$*"; }
