{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "mgi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; component objects append "-<component>" to it. */}}
{{- define "mgi.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>": dict "root" $ "component" "catalog" */}}
{{- define "mgi.componentName" -}}
{{- printf "%s-%s" (include "mgi.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mgi.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels (immutable fields): name, instance, component. */}}
{{- define "mgi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mgi.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Full label set for metadata.labels: dict "root" $ "component" "catalog" */}}
{{- define "mgi.labels" -}}
helm.sh/chart: {{ include "mgi.chart" .root }}
{{ include "mgi.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: mgi
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "mgi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mgi.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image of a component: dict "root" $ "component" "catalog" */}}
{{- define "mgi.image" -}}
{{- $img := .root.Values.image }}
{{- $registry := default $img.registry .root.Values.global.imageRegistry }}
{{- $repo := printf "%s%s" $img.repositoryPrefix .component }}
{{- if $registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $registry) $repo }}{{ end }}
{{- if $img.digest }}
{{- printf "%s@%s" $repo $img.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{/* gRPC port of a service component. */}}
{{- define "mgi.grpcPort" -}}
{{- index (dict "catalog" 50051 "assessment" 50052 "report" 50053) . }}
{{- end }}

{{/* Is the Redis cache configured (bundled or external)? "true" or "" */}}
{{- define "mgi.redisEnabled" -}}
{{- if ne .Values.redis.mode "disabled" }}true{{ end }}
{{- end }}

{{/* The Secret of the values the chart generates (Redis password, cache HMAC key, internal TLS). */}}
{{- define "mgi.generatedSecretName" -}}
{{- printf "%s-generated" (include "mgi.fullname" .) }}
{{- end }}

{{/* Secret holding the Redis password, or "" when no password is used (external without one).
Bundled Redis always has a password: the user's Secret or the generated one. */}}
{{- define "mgi.redisSecret" -}}
{{- if eq .Values.redis.mode "bundled" }}{{ default (include "mgi.generatedSecretName" .) .Values.redis.bundled.auth.existingSecret }}
{{- else if eq .Values.redis.mode "external" }}{{ .Values.redis.external.existingSecret }}
{{- end }}
{{- end }}
{{- define "mgi.redisSecretKey" -}}
{{- if eq .Values.redis.mode "bundled" }}{{ ternary .Values.redis.bundled.auth.passwordKey "redis-password" (ne .Values.redis.bundled.auth.existingSecret "") }}
{{- else }}{{ .Values.redis.external.passwordKey }}{{ end }}
{{- end }}

{{/* Secret and key of the cache HMAC key (used whenever Redis is). */}}
{{- define "mgi.hmacSecret" -}}
{{- default (include "mgi.generatedSecretName" .) .Values.redis.hmacKey.existingSecret }}
{{- end }}
{{- define "mgi.hmacSecretKey" -}}
{{- ternary .Values.redis.hmacKey.secretKey "cache-hmac-key" (ne .Values.redis.hmacKey.existingSecret "") }}
{{- end }}

{{/* TLS between the suite's pods: "true" or "", and with client certificates (mutual). */}}
{{- define "mgi.tlsEnabled" -}}
{{- if or .Values.tls.enabled .Values.tls.generate }}true{{ end }}
{{- end }}
{{- define "mgi.tlsClientAuth" -}}
{{- if or .Values.tls.clientAuth .Values.tls.generate }}true{{ end }}
{{- end }}
{{/* Secret with the certificate, key and CA, and the keys in it (fixed names when generated). */}}
{{- define "mgi.tlsSecret" -}}
{{- if .Values.tls.generate }}{{ include "mgi.generatedSecretName" . }}
{{- else }}{{ required "tls.existingSecret is required when tls.enabled is true (or set tls.generate=true)" .Values.tls.existingSecret }}{{ end }}
{{- end }}
{{- define "mgi.tlsKeys" -}}
{{- if .Values.tls.generate }}{{ toJson (dict "cert" "tls.crt" "key" "tls.key" "ca" "ca.crt") }}
{{- else }}{{ toJson (dict "cert" .Values.tls.certKey "key" .Values.tls.keyKey "ca" .Values.tls.caKey) }}{{ end }}
{{- end }}

{{/* Which components get which secret files (least privilege):
  token file: the three gRPC services (they authorise calls); never the gateway (it only forwards
  tokens). Service token: assessment only (its own calls to the catalog when seeding). Redis
  password and cache key: the three services that cache; never the gateway. */}}
{{- define "mgi.needsTokens" -}}
{{- if has . (list "catalog" "assessment" "report") }}true{{ end }}
{{- end }}
{{- define "mgi.needsServiceToken" -}}
{{- if eq . "assessment" }}true{{ end }}
{{- end }}
{{- define "mgi.needsCache" -}}
{{- if has . (list "catalog" "assessment" "report") }}true{{ end }}
{{- end }}

{{/* host:port of Redis. */}}
{{- define "mgi.redisAddr" -}}
{{- if eq .Values.redis.mode "bundled" }}
{{- printf "%s:%d" (include "mgi.componentName" (dict "root" . "component" "redis")) 6379 }}
{{- else if eq .Values.redis.mode "external" }}
{{- $host := required "redis.external.host is required when redis.mode is external" .Values.redis.external.host }}
{{- printf "%s:%d" $host (int .Values.redis.external.port) }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when their configuration changes. */}}
{{- define "mgi.checksums" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
checksum/secret-refs: {{ list .root.Values.auth .root.Values.tls .root.Values.redis .root.Values.reflection .root.Values.assessment.database | toJson | sha256sum }}
{{- end }}

{{/* The restricted container securityContext. */}}
{{- define "mgi.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end }}

{{/*
"true" when catalog.data supplies the catalog's data ("" otherwise); fails on contradictory values.
*/}}
{{- define "mgi.catalogData" -}}
{{- $d := .Values.catalog.data -}}
{{- if and $d.configMap.name $d.volume -}}
{{- fail "catalog.data: set configMap.name or volume, not both" -}}
{{- end -}}
{{- if $d.configMap.name -}}
{{- if not $d.configMap.indicatorKeys -}}
{{- fail "catalog.data.configMap.indicatorKeys: list the ConfigMap's indicator files (at least one), e.g. [d1-migrants-rights.json]" -}}
{{- end -}}
{{- range $d.configMap.indicatorKeys -}}
{{- if or (not (hasSuffix ".json" .)) (contains "/" .) -}}
{{- fail (printf "catalog.data.configMap.indicatorKeys: %q must be a file name ending in .json" .) -}}
{{- end -}}
{{- end -}}
true
{{- else if $d.volume -}}
true
{{- end -}}
{{- end }}

{{/* "true" when the assessment keeps profiles on a PostgreSQL server (assessment.database.mode
external or bundled); "" for the embedded SQLite file. */}}
{{- define "mgi.assessmentOnPostgres" -}}
{{- if ne .Values.assessment.database.mode "sqlite" }}true{{ end }}
{{- end }}

{{/* The Secret holding the assessment's PostgreSQL URL (and password): the operator's
assessment.database.existingSecret, else the one the chart makes. */}}
{{- define "mgi.databaseSecretName" -}}
{{- $db := .Values.assessment.database }}
{{- if and (eq $db.mode "external") $db.existingSecret }}{{ $db.existingSecret }}
{{- else }}{{ printf "%s-assessment-database" (include "mgi.fullname" .) }}{{ end }}
{{- end }}

{{/* The keys of the URL and the password in that Secret ({"url": ..., "password": ...}; password
"" when there is none). */}}
{{- define "mgi.databaseKeys" -}}
{{- $db := .Values.assessment.database }}
{{- if and (eq $db.mode "external") $db.existingSecret }}
{{- dict "url" $db.urlKey "password" $db.passwordKey | toJson }}
{{- else if or (eq $db.mode "bundled") $db.password }}
{{- dict "url" "url" "password" "password" | toJson }}
{{- else }}
{{- dict "url" "url" "password" "" | toJson }}
{{- end }}
{{- end }}

{{/* The headless Service whose DNS name resolves to every ready assessment pod (PostgreSQL mode):
peers resolve it and spread their calls over the replicas (round_robin). */}}
{{- define "mgi.assessmentPodsName" -}}
{{- printf "%s-pods" (include "mgi.componentName" (dict "root" . "component" "assessment")) }}
{{- end }}

{{/* The in-chart PostgreSQL (assessment.database.mode=bundled; evaluation only). */}}
{{- define "mgi.postgresqlName" -}}
{{- printf "%s-postgresql" (include "mgi.fullname" .) }}
{{- end }}
