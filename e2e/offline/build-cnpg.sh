#!/usr/bin/env bash
# CloudNativePG's images, built as the other offline images are (build.sh runs this; it can also run
# alone once build.sh has made the Debian and Python bases):
# - the operator, from the cloudnative-pg module's cmd/manager (its Dockerfile copies that one
#   binary, which also serves as the instance manager copied into every PostgreSQL pod);
# - a PostgreSQL operand: Debian's postgresql-15 with postgres as uid and gid 26 (CNPG's default
#   postgresUID and postgresGID; Debian's tape group moves from gid 26 to 1026) and the binaries
#   CNPG needs on the PATH (docs/src/container_images.md);
# - the Barman Cloud plugin (its operator and the sidecar CNPG adds to each instance, which runs
#   barman-cloud from PyPI), as its containers/Dockerfile.plugin and Dockerfile.sidecar do.
# Writes $WORK/cnpg.env, the env.sh lines that point e2e/scripts/install-cnpg.sh and the tests at
# them.
# shellcheck source=e2e/offline/lib.sh
source "$(dirname "$0")/lib.sh"
CNPG_VERSION=v1.28.0
PLUGIN_VERSION=v0.7.0
BARMAN_VERSION=3.15.0  # as the plugin's containers/sidecar-requirements.in pins it
PG_MAJOR=15            # Debian bookworm's PostgreSQL
CNPG_IMAGE="local/cloudnative-pg:${CNPG_VERSION#v}"
PG_IMAGE="local/cnpg-postgresql:$PG_MAJOR"  # CNPG reads the major version from the tag
PLUGIN_IMAGE="local/plugin-barman-cloud:$PLUGIN_VERSION"
SIDECAR_IMAGE="local/plugin-barman-cloud-sidecar:$PLUGIN_VERSION"
# The checksum database does not know this module; the proxy serves it and go.sum pins its
# dependencies.
export GONOSUMDB=github.com/cloudnative-pg/plugin-barman-cloud

ctx="$WORK/cnpg" && mkdir -p "$ctx"
if ! have_image "$CNPG_IMAGE"; then
  module="github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION"
  say "go build $module ./cmd/manager (first time only)"
  versions=github.com/cloudnative-pg/cloudnative-pg/pkg/versions
  (cd "$(module_dir "$module")" && GOFLAGS=-mod=readonly go build -trimpath -o "$ctx/manager" \
    -ldflags "-s -w -X $versions.buildVersion=${CNPG_VERSION#v} -X $versions.buildCommit=$(module_commit "$module")" \
    ./cmd/manager)
  # As its Dockerfile lays it out: the operator lists operator/manager_<arch> (relative to /) to
  # know which architectures it can serve, and refuses to reconcile a Cluster without them.
  image "$CNPG_IMAGE" "$ctx" <<EOF
FROM local/debian:bookworm-slim
WORKDIR /
COPY manager /operator/manager_$(go env GOARCH)
RUN ln -s operator/manager_$(go env GOARCH) /manager
USER 10001:10001
ENTRYPOINT ["/manager"]
EOF
fi
have_image "$PG_IMAGE" || image "$PG_IMAGE" "$ctx" <<EOF
FROM local/debian:bookworm-slim
RUN groupmod -g 1026 tape && groupadd -r -g 26 postgres && useradd -r -u 26 -g 26 -d /var/lib/postgresql -s /bin/bash postgres \\
 && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \\
 && sed -ri 's/#(create_main_cluster) .*\$/\1 = false/' /etc/postgresql-common/createcluster.conf \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-$PG_MAJOR \\
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:\$PATH LANG=C.UTF-8
USER 26
EOF
if ! have_image "$PLUGIN_IMAGE" || ! have_image "$SIDECAR_IMAGE"; then
  say "go build github.com/cloudnative-pg/plugin-barman-cloud@$PLUGIN_VERSION ./cmd/manager (first time only)"
  (cd "$(module_dir "github.com/cloudnative-pg/plugin-barman-cloud@$PLUGIN_VERSION")" \
    && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$ctx/barman-cloud-manager" ./cmd/manager)
  image "$PLUGIN_IMAGE" "$ctx" <<'EOF'
FROM local/debian:bookworm-slim
COPY barman-cloud-manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
EOF
  # barman needs psycopg2; Debian's build of it saves compiling it against libpq here.
  image "$SIDECAR_IMAGE" "$ctx" <<EOF
FROM local/python:3.11-bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-psycopg2 \\
 && rm -rf /var/lib/apt/lists/* \\
 && python3 -m venv --system-site-packages /opt/barman \\
 && /opt/barman/bin/pip install --no-cache-dir 'barman[cloud,snappy,zstandard,lz4]==$BARMAN_VERSION' \\
 && ln -s /opt/barman/bin/barman-cloud-* /usr/local/bin/
COPY barman-cloud-manager /manager
USER 26:26
ENTRYPOINT ["/manager"]
EOF
fi
cat > "$WORK/cnpg.env" <<EOF
export E2E_CNPG_IMAGE=$CNPG_IMAGE
export E2E_CNPG_POSTGRES_IMAGE=$PG_IMAGE
export E2E_CNPG_PLUGIN_IMAGE=$PLUGIN_IMAGE
export E2E_CNPG_SIDECAR_IMAGE=$SIDECAR_IMAGE
EOF
