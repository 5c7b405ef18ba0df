{{- define "captcha.fullname" -}}
{{ .Release.Name }}
{{- end }}

{{- define "captcha.labels" -}}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
app.kubernetes.io/name: captcha-cluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "captcha.apiSelector" -}}
app.kubernetes.io/name: captcha-cluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end }}

{{- define "captcha.workerSelector" -}}
app.kubernetes.io/name: captcha-cluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "captcha.redisSelector" -}}
app.kubernetes.io/name: captcha-cluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "captcha.image" -}}
{{ .Values.image.repository }}:{{ required "image.tag is required" .Values.image.tag }}
{{- end }}

{{- define "captcha.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{ .Values.secrets.existingSecret }}
{{- else -}}
{{ include "captcha.fullname" . }}-secrets
{{- end }}
{{- end }}

{{- /* Where REDIS_PASSWORD comes from: redis.auth.existingSecret, else the chart's Secret (or secrets.existingSecret). */}}
{{- define "captcha.redisPasswordRef" -}}
{{- if .Values.redis.auth.existingSecret -}}
name: {{ .Values.redis.auth.existingSecret }}
key: {{ .Values.redis.auth.existingSecretPasswordKey }}
{{- else -}}
name: {{ include "captcha.secretName" . }}
key: REDIS_PASSWORD
{{- end }}
{{- end }}

{{- define "captcha.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "captcha.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{- /*
The ConfigMap's data. The pods' checksum/config annotation hashes this same
text, so any change to it rolls them. values.schema.json keeps the keys set
here out of `config`, so none is written twice.
*/}}
{{- define "captcha.configData" -}}
{{- $external := .Values.redis.external -}}
PORT: {{ .Values.api.port | quote }}
HOST: "0.0.0.0"
API_OPS_PORT: {{ .Values.api.opsPort | quote }}
WORKER_PORT: {{ .Values.worker.port | quote }}
{{- if .Values.redis.enabled }}
# No credentials here: REDIS_PASSWORD comes from the Secret.
REDIS_URL: "redis://{{ include "captcha.fullname" . }}-redis:6379"
{{- else }}
{{- if and $external.clusterNodes $external.sentinels }}
{{- fail "redis.external: set clusterNodes or sentinels, not both" }}
{{- end }}
{{- if $external.clusterNodes }}
REDIS_CLUSTER_NODES: {{ join "," $external.clusterNodes | quote }}
{{- end }}
{{- if $external.sentinels }}
REDIS_SENTINELS: {{ join "," $external.sentinels | quote }}
REDIS_SENTINEL_NAME: {{ $external.sentinelName | quote }}
{{- end }}
{{- if $external.tls }}
REDIS_TLS: "true"
{{- end }}
{{- if $external.username }}
REDIS_USERNAME: {{ $external.username | quote }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.config }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{- /*
The keys of the Secret the chart makes, decided once per render and kept in
.Values.secrets (every template shares that map), so the Secret and the pods'
checksum see the same generated password. Values given win; then what the
chart's Secret already holds (an upgrade: nothing has to be typed again); a
Redis password is generated only when there is none. TOKEN_SECRET,
REDIS_PASSWORD, an external Redis's REDIS_URL, RENDER_STYLE_SECRET.
*/}}
{{- define "captcha.secretData" -}}
{{- if not (hasKey .Values.secrets "_decided") }}
{{- $previous := lookup "v1" "Secret" .Release.Namespace (include "captcha.secretName" .) }}
{{- $tokenSecret := .Values.secrets.tokenSecret }}
{{- if and (not $tokenSecret) $previous }}
{{- $tokenSecret = index $previous.data "TOKEN_SECRET" | default "" | b64dec }}
{{- end }}
{{- $data := dict "TOKEN_SECRET" (required "set secrets.existingSecret, or secrets.tokenSecret (32+ random characters)" $tokenSecret) }}
{{- $redisPassword := .Values.secrets.redisPassword }}
{{- if and .Values.redis.enabled (not .Values.redis.auth.existingSecret) (not $redisPassword) }}
{{- if $previous }}
{{- $redisPassword = index $previous.data "REDIS_PASSWORD" | default "" | b64dec }}
{{- end }}
{{- if not $redisPassword }}
{{- $redisPassword = randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- if $redisPassword }}
{{- $_ := set $data "REDIS_PASSWORD" $redisPassword }}
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.redis.externalUrl }}
{{- $_ := set $data "REDIS_URL" .Values.redis.externalUrl }}
{{- end }}
{{- $renderStyleSecret := .Values.secrets.renderStyleSecret }}
{{- if and (not $renderStyleSecret) $previous }}
{{- $renderStyleSecret = index $previous.data "RENDER_STYLE_SECRET" | default "" | b64dec }}
{{- end }}
{{- if $renderStyleSecret }}
{{- $_ := set $data "RENDER_STYLE_SECRET" $renderStyleSecret }}
{{- end }}
{{- if .Values.secrets.adminTokenSha256 }}
{{- $_ := set $data "ADMIN_TOKEN_SHA256" .Values.secrets.adminTokenSha256 }}
{{- end }}
{{- $_ := set .Values.secrets "_decided" $data }}
{{- end }}
{{- toYaml (index .Values.secrets "_decided") }}
{{- end }}

{{- /*
checksum/config and checksum/secret: a change to the ConfigMap or to a Secret
the pods read gives the pod template new annotations, so the Deployment rolls.
An existing Secret is read with lookup (helm install/upgrade; `helm template`
sees none). The Secret's hash covers TOKEN_SECRET, 32+ random characters, so
it tells nothing about a password.
*/}}
{{- define "captcha.checksums" -}}
checksum/config: {{ include "captcha.configData" . | sha256sum }}
{{- $secrets := "" }}
{{- if .Values.secrets.existingSecret }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace .Values.secrets.existingSecret }}
{{- $secrets = toJson $existing.data }}
{{- else }}
{{- $secrets = include "captcha.secretData" . }}
{{- end }}
{{- if .Values.redis.auth.existingSecret }}
{{- $auth := lookup "v1" "Secret" .Release.Namespace .Values.redis.auth.existingSecret }}
{{- $secrets = list $secrets (toJson $auth.data) | join "\n" }}
{{- end }}
checksum/secret: {{ sha256sum $secrets }}
{{- end }}

{{- /*
Pod-level placement and metadata of one component: (dict "root" $ "pod" .Values.<component>).
The API's default spread over nodes and zones applies when its
topologySpreadConstraints is empty.
*/}}
{{- define "captcha.podSpecExtras" -}}
{{- $pod := .pod }}
{{- if .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml .root.Values.imagePullSecrets | nindent 2 }}
{{- end }}
{{- if $pod.priorityClassName }}
priorityClassName: {{ $pod.priorityClassName | quote }}
{{- end }}
{{- if $pod.nodeSelector }}
nodeSelector:
  {{- toYaml $pod.nodeSelector | nindent 2 }}
{{- end }}
{{- if $pod.tolerations }}
tolerations:
  {{- toYaml $pod.tolerations | nindent 2 }}
{{- end }}
{{- if $pod.affinity }}
affinity:
  {{- toYaml $pod.affinity | nindent 2 }}
{{- end }}
{{- if $pod.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $pod.topologySpreadConstraints | nindent 2 }}
{{- end }}
{{- end }}

{{- /*
The bundled Redis's redis.conf. maxmemory stays well under the container's
memory limit: an AOF rewrite forks, and the child's copy-on-write pages,
client buffers and fragmentation all count against the limit too.
*/}}
{{- define "captcha.redisConf" -}}
# Never evict: an evicted answer would fail a real user, an evicted API key
# would lock a site out. When memory runs out Redis refuses writes and the
# API answers 503 instead of losing anything silently.
maxmemory {{ .Values.redis.maxmemory }}
maxmemory-policy noeviction
# Append-only file, fsync every second: sites and API keys survive a restart.
appendonly yes
appendfsync everysec
save ""
dir /data
{{- end }}
