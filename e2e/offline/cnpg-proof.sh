#!/usr/bin/env bash
# Proof that the offline CloudNativePG images work on kind (issue 12), timed step by step: a kind
# cluster with three database nodes (kind-cnpg.yaml), CloudNativePG and the Barman Cloud plugin
# (e2e/scripts/install-cnpg.sh), MinIO, a 3-instance Cluster with one instance per database node,
# a writer inserting a row every 0.1 s while the primary pod is deleted (time until writes are
# accepted again), a backup to MinIO, and a 1-instance Cluster restored from it.
# Needs build.sh's images and env.sh sourced. E2E_KEEP_CLUSTER=1 keeps the cluster (reused next time).
# shellcheck source=e2e/offline/lib.sh
source "$(dirname "$0")/lib.sh"
export E2E_CLUSTER=wabiz-cnpg E2E_KUBECONFIG="$WORK/cnpg-proof.kubeconfig"
NS=proof
k() { kubectl --kubeconfig "$E2E_KUBECONFIG" "$@"; }
started=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - ${1:-$started}" | bc)"; }
step() { say "[$(elapsed) s] $*"; }
wait_for() { # description timeout-seconds command...; polls every second
  local what="$1" limit="$2" since && since=$(date +%s) && shift 2
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) - since < limit )) || { say "timed out after ${limit}s: $what" >&2; exit 1; }
    sleep 1
  done
}

kind get clusters | grep -qx "$E2E_CLUSTER" \
  || kind create cluster --name "$E2E_CLUSTER" --config "$here/kind-cnpg.yaml" --image "$E2E_NODE_IMAGE" --wait 180s
kind get kubeconfig --name "$E2E_CLUSTER" > "$E2E_KUBECONFIG"
# kind waits for the control plane only; the workers join in their own time.
kubectl --kubeconfig "$E2E_KUBECONFIG" wait node --all --for=condition=Ready --timeout 5m >/dev/null
[ "${E2E_KEEP_CLUSTER:-0}" = 1 ] || trap 'kind delete cluster --name "$E2E_CLUSTER"' EXIT
step "cluster up"
kind load docker-image --name "$E2E_CLUSTER" "$E2E_MINIO_IMAGE" >/dev/null  # not in the node image
"$ROOT/e2e/scripts/install-cnpg.sh"
step "CloudNativePG installed"

k delete namespace "$NS" --ignore-not-found >/dev/null
k create namespace "$NS" >/dev/null
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: minio}
stringData: {user: proof-user, password: proof-secret}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: minio}
spec:
  selector: {matchLabels: {app: minio}}
  template:
    metadata: {labels: {app: minio}}
    spec:
      containers:
      - name: minio
        image: $E2E_MINIO_IMAGE
        args: [server, /data]
        env:
        - {name: MINIO_ROOT_USER, valueFrom: {secretKeyRef: {name: minio, key: user}}}
        - {name: MINIO_ROOT_PASSWORD, valueFrom: {secretKeyRef: {name: minio, key: password}}}
        readinessProbe: {httpGet: {path: /minio/health/ready, port: 9000}}
---
apiVersion: v1
kind: Service
metadata: {name: minio}
spec: {selector: {app: minio}, ports: [{port: 9000}]}
---
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata: {name: minio}
spec:
  configuration:
    destinationPath: s3://backups/
    endpointURL: http://minio:9000
    s3Credentials:
      accessKeyId: {name: minio, key: user}
      secretAccessKey: {name: minio, key: password}
EOF
k -n "$NS" rollout status deployment/minio --timeout 3m >/dev/null
s3() { # pod-name python-code using `s3`, a boto3 client of MinIO: run in the cluster, print its output
  local code="import boto3, collections
s3 = boto3.client('s3', endpoint_url='http://minio:9000', aws_access_key_id='proof-user',
                  aws_secret_access_key='proof-secret', region_name='us-east-1')
$2"
  # The sidecar image's Python has boto3 (for barman-cloud).
  k -n "$NS" run "$1" --restart=Never --image "$E2E_CNPG_SIDECAR_IMAGE" --image-pull-policy=Never \
    --command -- /opt/barman/bin/python3 -c "$code" >/dev/null
  k -n "$NS" wait "pod/$1" --for=jsonpath='{.status.phase}'=Succeeded --timeout 2m >/dev/null || { k -n "$NS" logs "$1"; exit 1; }
  k -n "$NS" logs "$1" && k -n "$NS" delete pod "$1" --wait=false >/dev/null
}
s3 make-bucket "s3.create_bucket(Bucket='backups')"
step "MinIO up with bucket 'backups'"

cluster() { # name instances [bootstrap yaml]
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: $1}
spec:
  instances: $2
  imageName: $E2E_CNPG_POSTGRES_IMAGE
  storage: {size: 1Gi}
  affinity:
    nodeSelector: {wabiz.io/role: database}
    tolerations: [{key: wabiz.io/role, operator: Equal, value: database, effect: NoSchedule}]
    enablePodAntiAffinity: true
    podAntiAffinityType: required
    topologyKey: kubernetes.io/hostname
${3:-}
EOF
}
cluster pg 3 "  plugins: [{name: barman-cloud.cloudnative-pg.io, isWALArchiver: true, parameters: {barmanObjectName: minio}}]"
k -n "$NS" wait cluster/pg --for=condition=Ready --timeout 15m >/dev/null
step "Cluster pg Ready: $(k -n "$NS" get cluster pg -o jsonpath='{.status.readyInstances}/{.status.instances} instances, primary {.status.currentPrimary}')"
k -n "$NS" get pods -l cnpg.io/cluster=pg -o wide --no-headers | awk '{print "  " $1, $2, $3, $7}'
primary="$(k -n "$NS" get cluster pg -o jsonpath='{.status.currentPrimary}')"
say "replication seen from $primary:"
k -n "$NS" exec "$primary" -c postgres -- psql -qAtc \
  "select application_name, state, sync_state from pg_stat_replication order by 1" | sed 's/^/  /'

# -- failover under writes --------------------------------------------------------------------
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  containers:
  - name: writer
    image: $E2E_CNPG_POSTGRES_IMAGE
    env:
    - {name: URI, valueFrom: {secretKeyRef: {name: pg-app, key: uri}}}
    - {name: PGCONNECT_TIMEOUT, value: "1"}
    command: [bash, -c]
    args:
    - |
      psql "\$URI" -qc "create table if not exists ticks (at timestamptz not null default now())"
      while true; do
        if psql "\$URI" -qAtc "insert into ticks default values" >/dev/null 2>&1; then r=ok; else r=fail; fi
        echo "\$(date +%s.%N) \$r"; sleep 0.1
      done
EOF
k -n "$NS" wait pod/writer --for=condition=Ready --timeout 2m >/dev/null
wait_for "the writer's first row" 60 bash -c "kubectl --kubeconfig '$E2E_KUBECONFIG' -n $NS logs writer | grep -q ok"
sleep 5
deleted=$(date +%s.%N)
k -n "$NS" delete pod "$primary" --wait=false >/dev/null
step "deleted the primary $primary"
new_primary_named() { [ "$(k -n "$NS" get cluster pg -o jsonpath='{.status.currentPrimary}')" != "$primary" ]; }
wait_for "a new primary" 300 new_primary_named
step "new primary: $(k -n "$NS" get cluster pg -o jsonpath='{.status.currentPrimary}') ($(elapsed "$deleted") s after the deletion)"
writes_ok_after_failure() {
  k -n "$NS" logs writer | awk -v t="$deleted" '$1 > t && $2 == "fail" {f = 1} f && $2 == "ok" {found = 1} END {exit !found}'
}
wait_for "a write accepted after the failover" 300 writes_ok_after_failure
k -n "$NS" logs writer | awk -v t="$deleted" '
  $1 > t && $2 == "fail" && !first_fail {first_fail = $1}
  first_fail && $2 == "ok" {printf "offline: writes refused from %+.1f s to %+.1f s after the deletion: accepted again %.1f s after it\n", first_fail - t, $1 - t, $1 - t; exit}'
k -n "$NS" wait cluster/pg --for=condition=Ready --timeout 10m >/dev/null
step "Cluster pg Ready again: $(k -n "$NS" get cluster pg -o jsonpath='{.status.readyInstances}/{.status.instances}') ($(elapsed "$deleted") s after the deletion)"

# -- backup and restore ---------------------------------------------------------------------------
k -n "$NS" delete pod writer --grace-period=1 >/dev/null  # waits until it is gone: no more rows
rows="$(k -n "$NS" exec "$(k -n "$NS" get cluster pg -o jsonpath='{.status.currentPrimary}')" -c postgres -- \
  psql -d app -qAtc "select count(*) from ticks")"
backup_started=$(date +%s.%N)
k -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata: {name: first}
spec:
  cluster: {name: pg}
  method: plugin
  pluginConfiguration: {name: barman-cloud.cloudnative-pg.io}
EOF
backup_done() { [[ "$(k -n "$NS" get backup first -o jsonpath='{.status.phase}')" =~ ^(completed|failed)$ ]]; }
wait_for "the backup" 600 backup_done
step "backup: $(k -n "$NS" get backup first -o jsonpath='{.status.phase} {.status.backupId} {.status.error}') in $(elapsed "$backup_started") s; ticks had $rows rows"
[ "$(k -n "$NS" get backup first -o jsonpath='{.status.phase}')" = completed ] || exit 1
# The backup ends in a WAL segment that is archived only when it is full or archive_timeout (5 min)
# passes; a restore before that fails ("WAL not found"). Switch to the next segment and wait.
primary="$(k -n "$NS" get cluster pg -o jsonpath='{.status.currentPrimary}')"
end_wal="$(k -n "$NS" get backup first -o jsonpath='{.status.endWal}')"
k -n "$NS" exec "$primary" -c postgres -- psql -qAtc "select pg_switch_wal()" >/dev/null
archived() { [ "$(k -n "$NS" exec "$primary" -c postgres -- \
  psql -qAtc "select coalesce(last_archived_wal >= '$end_wal', false) from pg_stat_archiver")" = t ]; }
wait_for "WAL $end_wal archived" 120 archived
step "WAL $end_wal, the backup's last, archived"
s3 list-bucket "print('offline: objects in s3://backups/pg/:',
      dict(collections.Counter(o['Key'].split('/')[1] for o in s3.list_objects_v2(Bucket='backups')['Contents'])))"
cluster restored 1 "  bootstrap: {recovery: {source: origin}}
  externalClusters:
  - {name: origin, plugin: {name: barman-cloud.cloudnative-pg.io, parameters: {barmanObjectName: minio, serverName: pg}}}"
restore_started=$(date +%s.%N)
k -n "$NS" wait cluster/restored --for=condition=Ready --timeout 15m >/dev/null
restored_rows="$(k -n "$NS" exec restored-1 -c postgres -- psql -d app -qAtc "select count(*) from ticks")"
step "restored Cluster Ready in $(elapsed "$restore_started") s with $restored_rows rows in ticks (the origin: $rows)"
[ "$restored_rows" = "$rows" ]
