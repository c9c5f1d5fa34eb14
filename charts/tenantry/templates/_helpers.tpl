{{/* Chart name, overridable with nameOverride. */}}
{{- define "tenantry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name used as the prefix of every object: fullnameOverride, else the release name when it
already contains the chart name, else "<release>-<chart>". Truncated to 63 characters (DNS label).
*/}}
{{- define "tenantry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "name-version" for the helm.sh/chart label. */}}
{{- define "tenantry.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "tenantry.labels" -}}
helm.sh/chart: {{ include "tenantry.chart" . }}
{{ include "tenantry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tenantry
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the controller Pods (immutable in the Deployment selector). */}}
{{- define "tenantry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenantry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{/* The ServiceAccount the controller runs as. */}}
{{- define "tenantry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tenantry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "tenantry.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Name of the Service kubeseal and the webhooks use. */}}
{{- define "tenantry.serviceName" -}}
{{- .Values.service.name | default (include "tenantry.fullname" .) }}
{{- end }}

{{/*
Flags of the controller modules (admission: webhook listener and the names of the objects whose
caBundle it keeps current).
*/}}
{{- define "tenantry.moduleArgs" -}}
{{- if and (not .Values.webhook.enabled) (not .Values.controllers) }}
# Without webhooks the admission module has nothing to serve.
- --controllers=tenant,sealedsecret
{{- end }}
{{- with .Values.sealedSecrets.namespaces }}
# Unseal only in the release namespace and these (RBAC: a Role in each, rbac.yaml).
- --additional-namespaces={{ join "," . }}
{{- end }}
{{- if .Values.webhook.enabled }}
- --webhook-addr=:{{ .Values.webhook.port }}
- --webhook-service={{ include "tenantry.serviceName" . }}
- --webhook-secret={{ include "tenantry.fullname" . }}-webhook-tls
{{- if .Values.webhook.certManager.enabled }}
- --cert-manager=true
- --cert-manager-certificate={{ include "tenantry.fullname" . }}-webhook
{{- end }}
# The chart installs the webhook configurations and policies (admission.yaml); the controller
# only keeps their caBundle current.
- --manage-admission-config=false
- --controller-user={{ include "tenantry.controllerUser" . }}
{{- with .Values.webhook.adminUsers }}
- --admin-users={{ join "," . }}
{{- end }}
- --admin-groups={{ join "," (prepend (without .Values.webhook.adminGroups "system:masters") "system:masters") }}
{{- end }}
{{- end }}

{{/* The controller's username as the API server sees it (exempt from tenantry's admission). */}}
{{- define "tenantry.controllerUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "tenantry.serviceAccountName" .) }}
{{- end }}

{{/*
The entries of a list as the tail of a CEL list literal, `,"a","b"` (JSON strings), for the
generated admission.yaml; single quotes doubled because the CEL sits in single-quoted YAML.
*/}}
{{- define "tenantry.celTail" -}}
{{- range . }},{{ toJson . | replace "'" "''" }}{{- end }}
{{- end }}
