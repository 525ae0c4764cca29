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

{{/* Secret holding the Redis password and its key, or "" when no password is used. */}}
{{- define "mgi.redisSecret" -}}
{{- if eq .Values.redis.mode "bundled" }}{{ .Values.redis.bundled.auth.existingSecret }}
{{- else if eq .Values.redis.mode "external" }}{{ .Values.redis.external.existingSecret }}
{{- end }}
{{- end }}
{{- define "mgi.redisSecretKey" -}}
{{- if eq .Values.redis.mode "bundled" }}{{ .Values.redis.bundled.auth.passwordKey }}
{{- else }}{{ .Values.redis.external.passwordKey }}{{ end }}
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
checksum/secret-refs: {{ list .root.Values.auth .root.Values.tls .root.Values.redis | toJson | sha256sum }}
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
