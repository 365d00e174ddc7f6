#!/usr/bin/env bash
# Proof that the offline node image enforces NetworkPolicy (issue 11): on a cluster made from
# e2e/kind-config.yaml, a server pod and two client pods (one on the server's node, one on
# another; only the first labelled as allowed); each check is a TCP connect with a 3 s limit, to
# the server's pod IP and to its Service. Expected: all connect; after a default-deny ingress
# policy none does; after an allow rule for the labelled client only that client does.
# Needs build.sh's images and env.sh sourced. E2E_KEEP_CLUSTER=1 keeps the cluster (reused next time).
# shellcheck source=e2e/offline/lib.sh
source "$(dirname "$0")/lib.sh"
export E2E_CLUSTER=wabiz-netpol E2E_KUBECONFIG="$WORK/netpol-proof.kubeconfig"
NS=netpol
k() { kubectl --kubeconfig "$E2E_KUBECONFIG" -n "$NS" "$@"; }

kind get clusters | grep -qx "$E2E_CLUSTER" \
  || kind create cluster --name "$E2E_CLUSTER" --config "$ROOT/e2e/kind-config.yaml" --image "$E2E_NODE_IMAGE" --wait 180s
kind get kubeconfig --name "$E2E_CLUSTER" > "$E2E_KUBECONFIG"
# kind waits for the control plane only; the workers join in their own time.
kubectl --kubeconfig "$E2E_KUBECONFIG" wait node --all --for=condition=Ready --timeout 5m >/dev/null
[ "${E2E_KEEP_CLUSTER:-0}" = 1 ] || trap 'kind delete cluster --name "$E2E_CLUSTER"' EXIT
kind load docker-image --name "$E2E_CLUSTER" "$PYTHON_IMAGE" >/dev/null
kubectl --kubeconfig "$E2E_KUBECONFIG" delete namespace "$NS" --ignore-not-found >/dev/null
kubectl --kubeconfig "$E2E_KUBECONFIG" create namespace "$NS" >/dev/null
mapfile -t workers < <(kubectl --kubeconfig "$E2E_KUBECONFIG" get nodes -l '!node-role.kubernetes.io/control-plane,!wabiz.io/role' -o name)
pod() { # name node role-label command
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {role: $3}}
spec:
  nodeName: ${2#node/}
  containers:
  - {name: main, image: $PYTHON_IMAGE, imagePullPolicy: Never, command: [python3, -c, "$4"]}
EOF
}
pod server "${workers[0]}" server "import http.server as h; h.HTTPServer(('', 8080), h.SimpleHTTPRequestHandler).serve_forever()"
pod allowed "${workers[0]}" allowed "import time; time.sleep(86400)"
pod other "${workers[1]}" other "import time; time.sleep(86400)"
k expose pod server --port 8080 >/dev/null
k wait pod --all --for=condition=Ready --timeout 3m >/dev/null
server_ip="$(k get pod server -o jsonpath='{.status.podIP}')"

connects() { # client address -> "open" or "closed"
  k exec "$1" -- python3 -c "import socket; socket.create_connection(('$2', 8080), timeout=3); print('open')" 2>/dev/null \
    || echo closed
}
check() { # expected-allowed expected-other -> prints each result, returns the number unexpected
  local client expected result wrong=0
  for client in allowed other; do
    [ "$client" = allowed ] && expected="$1" || expected="$2"
    for address in "$server_ip" server; do
      result="$(connects "$client" "$address")"
      [ "$result" = "$expected" ] || wrong=$((wrong + 1))
      echo "  $client -> $address:8080 $result (expected $expected)"
    done
  done
  return "$wrong"
}
phase() { # name expected-allowed expected-other; rules take a moment to reach every node: retry 60 s
  local since && since=$(date +%s)
  until report="$(check "$2" "$3")"; do
    (( $(date +%s) - since < 60 )) || { say "$1: still wrong after 60 s"; echo "$report"; exit 1; }
  done
  say "$1: as expected after $(( $(date +%s) - since )) s"; echo "$report"
}
phase "no policy" open open
k apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
YAML
phase "default deny" closed closed
k apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-labelled}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress: [{from: [{podSelector: {matchLabels: {role: allowed}}}], ports: [{port: 8080}]}]
YAML
phase "allow role=allowed" open closed
