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

{{/* The fileserver's storage backend, checked: local (a volume) or s3. */}}
{{- define "warden.fileserverBackend" -}}
{{- $storage := .Values.fileserver.storage -}}
{{- if not (has $storage.backend (list "local" "s3")) -}}
{{- fail (printf "fileserver.storage.backend is %q: use local (a PersistentVolumeClaim, one replica) or s3" $storage.backend) -}}
{{- end -}}
{{- if and (eq $storage.backend "s3") (not $storage.s3.bucket) -}}
{{- fail "fileserver.storage.s3.bucket is not set: name the bucket the fileserver stores into (fileserver.storage.backend is s3)" -}}
{{- end -}}
{{- $storage.backend -}}
{{- end -}}

{{/*
An app's replica count (its HPA's minimum when autoscaled). The fileserver defaults to 1 on local
storage and 2 on s3, and refuses more than 1 on local storage: its pods would share one volume
(ReadWriteOnce binds it to one node), and a starting replica removes the temp files of writers it
cannot see running, which on a shared volume are another pod's uploads in progress.
*/}}
{{- define "warden.replicas" -}}
{{- $v := index .ctx.Values .key -}}
{{- $scaled := and $v.autoscaling $v.autoscaling.enabled -}}
{{- $count := ternary $v.autoscaling.minReplicas $v.replicas $scaled -}}
{{- if eq .key "fileserver" -}}
{{- $backend := include "warden.fileserverBackend" .ctx -}}
{{- if or (eq (toString $count) "") (eq (toString $count) "<nil>") -}}{{ $count = ternary 1 2 (eq $backend "local") }}{{- end -}}
{{- if and (eq $backend "local") (or $scaled (gt (int $count) 1)) -}}
{{- fail (printf "fileserver.replicas is %v with fileserver.storage.backend local: the replicas would share one volume, which a ReadWriteOnce claim cannot and the local backend must not (a starting replica deletes temp files of writers it cannot see, another pod's uploads); set fileserver.storage.backend=s3 to run several, or keep 1" $count) -}}
{{- end -}}
{{- end -}}
{{- int $count -}}
{{- end -}}

{{/* True when the operator's Secret carries complete mongodb:// URLs (a replica set) and no single host is named. */}}
{{- define "warden.mongoInSecret" -}}
{{- if and (not .Values.trialBackends.enabled) (not .Values.mongo.host) .Values.mongo.replicaSet -}}
{{- required "mongo.replicaSet is set: put complete mongodb:// URLs (every member, ?replicaSet=...) under CLEARML__HOSTS__MONGO__BACKEND__HOST and __AUTH__HOST in a Secret named by backendCredentials.existingSecret" .Values.backendCredentials.existingSecret | empty | not -}}
{{- end -}}
{{- end -}}
