{{- define "wabiz-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wabiz-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "wabiz-operator.labels" -}}
{{ include "wabiz-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: wabiz
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "wabiz-operator.serviceAccountName" -}}
{{- default (include "wabiz-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- /* The rules on the namespaced kinds a WhatsAppClient owns (a ClusterRole, or a Role per watched namespace). */ -}}
{{- define "wabiz-operator.namespacedRules" -}}
- apiGroups: [wabiz.io]
  resources: [whatsappclients]
  verbs: [get, list, watch, patch]
- apiGroups: [wabiz.io]
  resources: [whatsappclients/status]
  verbs: [patch]
# Owner references with blockOwnerDeletion need update on the owner's finalizers.
- apiGroups: [wabiz.io]
  resources: [whatsappclients/finalizers]
  verbs: [update]
# delete only because OwnerReferencesPermissionEnforcement asks for it to set owner references;
# the operator never deletes a Secret or ConfigMap itself, and never lists or watches them.
- apiGroups: [""]
  resources: [secrets, configmaps]
  verbs: [get, create, patch, delete]
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [get]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, create, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, create, patch, delete]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, create, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [get, list, create, patch, delete]
# The cloudnativepg database mode (CloudNativePG and its Barman Cloud plugin, installed separately):
# a Cluster goes only with its client, so it is never listed or deleted; backups can be turned off,
# so their schedule and object store are pruned.
- apiGroups: [postgresql.cnpg.io]
  resources: [clusters]
  verbs: [get, create, patch]
- apiGroups: [postgresql.cnpg.io]
  resources: [scheduledbackups]
  verbs: [get, list, create, patch, delete]
- apiGroups: [barmancloud.cnpg.io]
  resources: [objectstores]
  verbs: [get, list, create, patch, delete]
{{- end -}}
