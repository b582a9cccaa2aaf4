{{/*
The chart's name, overridable with nameOverride.
*/}}
{{- define "cunshe-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: the release name when it already
contains the chart name (helm install cunshe-operator ...), else
<release>-<chart>; overridable with fullnameOverride.
*/}}
{{- define "cunshe-operator.fullname" -}}
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

{{- define "cunshe-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of the manager's pods.
*/}}
{{- define "cunshe-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cunshe-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every object except app.kubernetes.io/managed-by. Never set that
label to cunshe-operator on the chart's own objects: it marks what the
operator creates, and the operator's caches select on it.
*/}}
{{- define "cunshe-operator.baseLabels" -}}
helm.sh/chart: {{ include "cunshe-operator.chart" . }}
{{ include "cunshe-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: cunshe-operator
{{- end }}

{{- define "cunshe-operator.labels" -}}
{{ include "cunshe-operator.baseLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cunshe-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cunshe-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cunshe-operator.webhookServiceName" -}}
{{- printf "%s-webhook-service" (include "cunshe-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cunshe-operator.webhookCertSecretName" -}}
{{- default (printf "%s-webhook-server-cert" (include "cunshe-operator.fullname" .)) .Values.webhook.certSecretName }}
{{- end }}

{{- define "cunshe-operator.mutatingWebhookConfigurationName" -}}
{{- printf "%s-mutating-webhook-configuration" (include "cunshe-operator.fullname" .) }}
{{- end }}

{{- define "cunshe-operator.validatingWebhookConfigurationName" -}}
{{- printf "%s-validating-webhook-configuration" (include "cunshe-operator.fullname" .) }}
{{- end }}
