{{/*
Deployment of one mgi component.
  dict "root" $ "component" "catalog" "port" 50051 "metricsPort" 9101 "http" false
The component's values are .Values.<component>. Stateless components (catalog, report, gateway)
may autoscale; assessment on SQLite is a single writer (strategy Recreate, PVC), on PostgreSQL
(assessment.database.mode external or bundled) it is stateless like them.
*/}}
{{- define "mgi.deployment" -}}
{{- $root := .root }}
{{- $c := .component }}
{{- $v := index $root.Values $c }}
{{- $ctx := dict "root" $root "component" $c }}
{{- $tls := include "mgi.tlsEnabled" $root }}
{{- $tlsKeys := include "mgi.tlsKeys" $root | fromJson }}
{{- $tokens := and $root.Values.auth.existingSecret (include "mgi.needsTokens" $c) }}
{{- $serviceToken := and $tokens $root.Values.auth.serviceTokenKey (include "mgi.needsServiceToken" $c) }}
{{- $cache := and (include "mgi.redisEnabled" $root) (include "mgi.needsCache" $c) }}
{{- $hpa := and (hasKey $v "autoscaling") $v.autoscaling.enabled }}
{{- $sqlite := and (eq $c "assessment") (not (include "mgi.assessmentOnPostgres" $root)) }}
{{- $postgres := and (eq $c "assessment") (include "mgi.assessmentOnPostgres" $root) }}
{{- $dbKeys := include "mgi.databaseKeys" $root | fromJson }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "mgi.componentName" $ctx }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mgi.labels" $ctx | nindent 4 }}
spec:
  {{- if not $hpa }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- if $sqlite }}
  # One writer of the SQLite file: the old pod stops before the new one starts.
  strategy:
    type: Recreate
  {{- else }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "mgi.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "mgi.labels" $ctx | nindent 8 }}
      annotations:
        {{- include "mgi.checksums" $ctx | nindent 8 }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "mgi.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $c }}
          image: {{ include "mgi.image" $ctx }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- include "mgi.containerSecurityContext" $root | trim | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "mgi.fullname" $root }}-config
          env:
            - name: MGI_{{ upper $c }}_HOST
              value: "0.0.0.0"
            - name: MGI_{{ upper $c }}_PORT
              value: {{ .port | quote }}
            - name: MGI_{{ upper $c }}_METRICS_PORT
              value: {{ .metricsPort | quote }}
            {{- /* Peers only: a binary refuses MGI_<ITSELF>_ADDR as an unknown variable of its own. */}}
            {{- range $peer := list "catalog" "assessment" "report" }}
            {{- if ne $peer $c }}
            - name: MGI_{{ upper $peer }}_ADDR
              {{- if and (eq $peer "assessment") (include "mgi.assessmentOnPostgres" $root) }}
              {{- /* Every replica: the headless Service's DNS name, calls spread by round_robin. */}}
              value: {{ printf "dns:///%s:%s" (include "mgi.assessmentPodsName" $root) (include "mgi.grpcPort" $peer) | quote }}
              {{- else }}
              value: {{ printf "%s:%s" (include "mgi.componentName" (dict "root" $root "component" $peer)) (include "mgi.grpcPort" $peer) | quote }}
              {{- end }}
            {{- end }}
            {{- end }}
            - name: MGI_{{ upper $c }}_SHUTDOWN_GRACE
              value: {{ printf "%ds" (sub (int $root.Values.terminationGracePeriodSeconds) 5) | quote }}
            {{- if and $tls (not .http) }}
            - name: MGI_{{ upper $c }}_TLS_CERT_FILE
              value: /etc/mgi/tls/{{ $tlsKeys.cert }}
            - name: MGI_{{ upper $c }}_TLS_KEY_FILE
              value: /etc/mgi/tls/{{ $tlsKeys.key }}
            {{- end }}
            {{- if $tokens }}
            - name: MGI_AUTH_TOKENS_FILE
              value: /etc/mgi/auth/tokens
            {{- end }}
            {{- if $serviceToken }}
            - name: MGI_SERVICE_TOKEN_FILE
              value: /etc/mgi/auth/service-token
            {{- end }}
            {{- if $cache }}
            {{- if include "mgi.redisSecret" $root }}
            - name: MGI_REDIS_PASSWORD_FILE
              value: /etc/mgi/redis/password
            {{- end }}
            - name: MGI_CACHE_HMAC_KEY_FILE
              value: /etc/mgi/cache/hmac-key
            {{- end }}
            {{- if and (eq $c "catalog") (include "mgi.catalogData" $root) }}
            - name: MGI_CATALOG_DATA_DIR
              value: /etc/mgi/catalog-data
            {{- end }}
            {{- if $sqlite }}
            - name: MGI_ASSESSMENT_DB
              value: /var/lib/mgi/assessment.db
            {{- end }}
            {{- if $postgres }}
            - name: MGI_ASSESSMENT_DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ include "mgi.databaseSecretName" $root }}
                  key: {{ $dbKeys.url }}
            {{- if $dbKeys.password }}
            - name: MGI_ASSESSMENT_DATABASE_PASSWORD_FILE
              value: /etc/mgi/database/password
            {{- end }}
            - name: MGI_ASSESSMENT_DATABASE_POOL_SIZE
              value: {{ $v.database.poolSize | quote }}
            {{- end }}
            {{- if eq $c "assessment" }}
            {{- if $v.seedSampleProfiles }}
            - name: MGI_ASSESSMENT_SEED_DIR
              value: /usr/share/mgi/profiles
            {{- end }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | trim | nindent 12 }}
            {{- end }}
          ports:
            - name: {{ ternary "http" "grpc" .http }}
              containerPort: {{ .port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ .metricsPort }}
              protocol: TCP
          {{- $p := $root.Values.probes }}
          startupProbe:
            {{- include "mgi.probeAction" (dict "root" $root "port" .port "http" .http "path" "/healthz") | trim | nindent 12 }}
            periodSeconds: {{ $p.startup.periodSeconds }}
            timeoutSeconds: {{ $p.startup.timeoutSeconds }}
            failureThreshold: {{ $p.startup.failureThreshold }}
          livenessProbe:
            {{- include "mgi.probeAction" (dict "root" $root "port" .port "http" .http "path" "/healthz") | trim | nindent 12 }}
            periodSeconds: {{ $p.liveness.periodSeconds }}
            timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
            failureThreshold: {{ $p.liveness.failureThreshold }}
          readinessProbe:
            {{- include "mgi.probeAction" (dict "root" $root "port" .port "http" .http "path" "/readyz") | trim | nindent 12 }}
            periodSeconds: {{ $p.readiness.periodSeconds }}
            timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
            failureThreshold: {{ $p.readiness.failureThreshold }}
          resources:
            {{- toYaml $v.resources | trim | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $sqlite }}
            - name: data
              mountPath: /var/lib/mgi
            {{- end }}
            {{- if and $postgres $dbKeys.password }}
            - name: database-password
              mountPath: /etc/mgi/database
              readOnly: true
            {{- end }}
            {{- if and (eq $c "catalog") (include "mgi.catalogData" $root) }}
            - name: catalog-data
              mountPath: /etc/mgi/catalog-data
              readOnly: true
            {{- end }}
            {{- if $tokens }}
            - name: auth-tokens
              mountPath: /etc/mgi/auth
              readOnly: true
            {{- end }}
            {{- if and $cache (include "mgi.redisSecret" $root) }}
            - name: redis-password
              mountPath: /etc/mgi/redis
              readOnly: true
            {{- end }}
            {{- if $cache }}
            - name: cache-hmac-key
              mountPath: /etc/mgi/cache
              readOnly: true
            {{- end }}
            {{- if $tls }}
            - name: tls
              mountPath: /etc/mgi/tls
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if and $postgres $dbKeys.password }}
        - name: database-password
          secret:
            secretName: {{ include "mgi.databaseSecretName" $root }}
            defaultMode: 0440
            items:
              - key: {{ $dbKeys.password }}
                path: password
        {{- end }}
        {{- if $sqlite }}
        - name: data
          {{- if $v.persistence.enabled }}
          persistentVolumeClaim:
            claimName: {{ default (include "mgi.componentName" $ctx) $v.persistence.existingClaim }}
          {{- else }}
          emptyDir: {}
          {{- end }}
        {{- end }}
        {{- if and (eq $c "catalog") (include "mgi.catalogData" $root) }}
        {{- $data := $root.Values.catalog.data }}
        - name: catalog-data
          {{- if $data.configMap.name }}
          configMap:
            name: {{ $data.configMap.name }}
            items:
              - key: framework.json
                path: framework.json
              {{- range $data.configMap.indicatorKeys }}
              - key: {{ . }}
                path: indicators/{{ . }}
              {{- end }}
          {{- else }}
          {{- toYaml $data.volume | nindent 10 }}
          {{- end }}
        {{- end }}
        {{- if $tokens }}
        - name: auth-tokens
          secret:
            secretName: {{ $root.Values.auth.existingSecret }}
            defaultMode: 0440
            items:
              - key: {{ $root.Values.auth.tokensKey }}
                path: tokens
              {{- if $serviceToken }}
              - key: {{ $root.Values.auth.serviceTokenKey }}
                path: service-token
              {{- end }}
        {{- end }}
        {{- if and $cache (include "mgi.redisSecret" $root) }}
        - name: redis-password
          secret:
            secretName: {{ include "mgi.redisSecret" $root }}
            defaultMode: 0440
            items:
              - key: {{ include "mgi.redisSecretKey" $root }}
                path: password
        {{- end }}
        {{- if $cache }}
        - name: cache-hmac-key
          secret:
            secretName: {{ include "mgi.hmacSecret" $root }}
            defaultMode: 0440
            items:
              - key: {{ include "mgi.hmacSecretKey" $root }}
                path: hmac-key
        {{- end }}
        {{- if $tls }}
        - name: tls
          secret:
            secretName: {{ include "mgi.tlsSecret" $root }}
            defaultMode: 0440
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/*
Probe action. Without TLS: native gRPC probe (numeric port, grpc.health.v1, overall status) or
httpGet for the gateway. With TLS on the gRPC services the kubelet cannot speak TLS to them, so
the probe runs mgi-healthcheck in the container with the mounted CA (and client certificate).
*/}}
{{- define "mgi.probeAction" -}}
{{- $tls := .root.Values.tls }}
{{- $keys := include "mgi.tlsKeys" .root | fromJson }}
{{- if .http }}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- else if include "mgi.tlsEnabled" .root }}
exec:
  command:
    - /usr/local/bin/mgi-healthcheck
    - --timeout=2000
    - --tls-ca=/etc/mgi/tls/{{ $keys.ca }}
    {{- if include "mgi.tlsClientAuth" .root }}
    - --tls-cert=/etc/mgi/tls/{{ $keys.cert }}
    - --tls-key=/etc/mgi/tls/{{ $keys.key }}
    {{- end }}
    {{- with $tls.serverName }}
    - --tls-server-name={{ . }}
    {{- end }}
    - grpc
    - 127.0.0.1:{{ .port }}
{{- else }}
grpc:
  port: {{ .port }}
{{- end }}
{{- end }}

{{/* ClusterIP Service of one component: dict "root" $ "component" c "port" p "metricsPort" m "http" b */}}
{{- define "mgi.service" -}}
{{- $ctx := dict "root" .root "component" .component }}
{{- $v := index .root.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "mgi.componentName" $ctx }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "mgi.labels" $ctx | nindent 4 }}
  {{- with $v.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $v.service.type }}
  selector:
    {{- include "mgi.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: {{ ternary "http" "grpc" .http }}
      port: {{ .port }}
      targetPort: {{ ternary "http" "grpc" .http }}
      protocol: TCP
      {{- if not .http }}
      appProtocol: grpc
      {{- end }}
    - name: metrics
      port: {{ .metricsPort }}
      targetPort: metrics
      protocol: TCP
{{- end }}
