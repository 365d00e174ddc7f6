#!/bin/sh
# A minimal kindnet stand-in: this node's pod range into a ptp CNI config, routes to the others.
set -eu
conf=/etc/cni/net.d/10-node-routes.conflist
while true; do
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' |
  while read -r name cidr ip; do
    [ -n "$cidr" ] || continue
    if [ "$name" = "$NODE_NAME" ]; then
      want=$(printf '{"cniVersion":"0.4.0","name":"node-routes","plugins":[{"type":"ptp","ipMasq":false,"mtu":1500,"ipam":{"type":"host-local","dataDir":"/run/cni-ipam-state","routes":[{"dst":"0.0.0.0/0"}],"ranges":[[{"subnet":"%s"}]]}},{"type":"portmap","capabilities":{"portMappings":true}}]}' "$cidr")
      [ "$(cat "$conf" 2>/dev/null)" = "$want" ] || { printf '%s' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf" && echo "wrote $conf for $cidr"; }
    else
      ip route replace "$cidr" via "$ip"
    fi
  done
  sleep 5
done
