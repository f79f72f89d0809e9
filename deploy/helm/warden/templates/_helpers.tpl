{{- define "warden.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{/* The three apps: values key -> command (also the component name), port and config section. */}}
{{- define "warden.apps" -}}
authGateway: { command: auth-gateway, port: 8443, section: AUTH_GATEWAY }
apiserver: { command: apiserver, port: 8008, section: APISERVER }
fileserver: { command: fileserver, port: 8081, section: FILESERVER }
{{- end -}}

{{/* The secret keys each app uses (libs/secrets' registry): each is handed only these. */}}
{{- define "warden.secretKeys" -}}
authGateway:
  - CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER
  - CLEARML__SECURE__AUTH__TOKEN_SECRET
  - CLEARML__SECURE__AUTH__OPERATOR_SECRET
  - CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY
  - CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET
  - CLEARML__SECURE__CREDENTIALS__WEBSERVER__USER_KEY
  - CLEARML__SECURE__CREDENTIALS__WEBSERVER__USER_SECRET
  - CLEARML__SECURE__CREDENTIALS__TESTS__USER_KEY
  - CLEARML__SECURE__CREDENTIALS__TESTS__USER_SECRET
apiserver:
  - CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER
  - CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY
  - CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET
fileserver:
  - CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER
{{- end -}}

{{- define "warden.secretName" -}}
{{- if .Values.secrets.existingSecret -}}{{ .Values.secrets.existingSecret }}
{{- else if .Values.secrets.generate -}}{{ include "warden.fullname" . }}-secrets
{{- else -}}{{ fail "secrets.existingSecret is not set: create a Secret from `npm run secrets -- generate --format env` (kubectl create secret generic warden-secrets --from-env-file=...) and name it here; secrets.generate=true makes one for trials only" }}
{{- end -}}
{{- end -}}

{{- define "warden.labels" -}}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
{{ include "warden.selector" . }}
{{- end -}}

{{- define "warden.selector" -}}
app.kubernetes.io/name: {{ .name | default "warden" }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* A backing service's host: the in-chart trial instance, or the external one the operator names. */}}
{{- define "warden.backendHost" -}}
{{- $b := index .ctx.Values .backend -}}
{{- if .ctx.Values.trialBackends.enabled -}}{{ include "warden.fullname" .ctx }}-{{ .backend }}
{{- else -}}{{ required (printf "%s.host is not set: name the external %s (or trialBackends.enabled=true for a trial)" .backend .backend) $b.host }}
{{- end -}}
{{- end -}}
