{{/* Names and labels shared by every template. */}}
{{- define "syncspec.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "syncspec.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "syncspec.selectorLabels" -}}
app.kubernetes.io/name: {{ include "syncspec.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "syncspec.labels" -}}
{{ include "syncspec.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: syncspec
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "syncspec.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "syncspec.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "syncspec.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "syncspec.workerImage" -}}
{{- $repo := default .Values.image.repository .Values.worker.image.repository -}}
{{- $tag := default (default .Chart.AppVersion .Values.image.tag) .Values.worker.image.tag -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/*
The permissions the controllers use, namespaced (operator/ code; test/operator/helm-rbac.test.ts checks
them against every request the operator makes):
SyncSpec controller — watches SyncSpecs and their inputs, adds/removes its finalizer, writes status,
server-side applies and prunes the worker objects, records Events.
SpecSource controller — watches SpecSources, reads the credentials Secret it names, server-side applies
and prunes the spec objects, writes status.
*/}}
{{- define "syncspec.rules" -}}
- apiGroups: [syncspec.dev]
  resources: [syncspecs]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [syncspec.dev]
  resources: [connections, lookuptables, entityschemas]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [syncspec.dev]
  resources: [specsources]
  verbs: [get, list, watch]
- apiGroups: [syncspec.dev]
  resources: [syncspecs/status, specsources/status]
  verbs: [patch]
- apiGroups: [syncspec.dev]
  # blockOwnerDeletion on owned objects needs update on the owner's finalizers (OwnerReferencesPermissionEnforcement).
  resources: [syncspecs/finalizers, specsources/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [configmaps, services]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [monitoring.coreos.com]
  resources: [prometheusrules]
  verbs: [list, create, patch, delete]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
