package main

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var (
	dnsLabel      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	suite         = []string{"catalog", "assessment", "report", "gateway"}
	stateless     = []string{"catalog", "report", "gateway"}
	grpcPorts     = map[string]int{"catalog": 50051, "assessment": 50052, "report": 50053}
	requiredLabel = []string{"app.kubernetes.io/name", "app.kubernetes.io/instance",
		"app.kubernetes.io/managed-by", "helm.sh/chart", "app.kubernetes.io/version",
		"app.kubernetes.io/component", "app.kubernetes.io/part-of"}
)

// Policy returns every rule the rendered objects break, for the merged `values` they came from.
func Policy(ms []Manifest, values map[string]interface{}, caps Capabilities) []string {
	var errs []string
	fail := func(format string, a ...interface{}) { errs = append(errs, fmt.Sprintf(format, a...)) }
	seen := map[string]bool{}

	for _, m := range ms {
		if getString(m.Object, "apiVersion") == "" || kind(m) == "" {
			fail("%s: object without apiVersion/kind", m.Source)
			continue
		}
		if seen[id(m)] {
			fail("%s: rendered twice", id(m))
		}
		seen[id(m)] = true
		if n := name(m); len(n) > 63 || !dnsLabel.MatchString(n) {
			fail("%s: metadata.name %q is not a DNS label", m.Source, n)
		}
		labels := getMap(m.Object, "metadata", "labels")
		for _, l := range requiredLabel {
			if _, ok := labels[l]; !ok {
				fail("%s: label %s missing", id(m), l)
			}
		}
		if labels["app.kubernetes.io/managed-by"] != "Helm" {
			fail("%s: app.kubernetes.io/managed-by must be Helm", id(m))
		}
		if kind(m) == "Secret" && component(m) == "assessment" {
			checkDatabaseSecret(m, values, fail)
		} else if kind(m) == "Secret" {
			checkGeneratedSecret(m, values, fail)
		}
	}

	// Workloads: selectors, security, resources, probes.
	for _, m := range append(find(ms, "Deployment", ""), find(ms, "Pod", "")...) {
		c := component(m)
		if kind(m) == "Deployment" {
			sel := getMap(m.Object, "spec", "selector", "matchLabels")
			podLabels := getMap(m.Object, "spec", "template", "metadata", "labels")
			if len(sel) == 0 {
				fail("%s: empty selector", id(m))
			}
			for k, v := range sel {
				if podLabels[k] != v {
					fail("%s: selector %s=%v not on the pod template", id(m), k, v)
				}
			}
			for _, k := range []string{"helm.sh/chart", "app.kubernetes.io/version"} {
				if _, ok := sel[k]; ok {
					fail("%s: mutable label %s in the immutable selector", id(m), k)
				}
			}
		}
		ps := podSpec(m)
		if ps["automountServiceAccountToken"] != false {
			fail("%s: automountServiceAccountToken must be false", id(m))
		}
		for _, ic := range getList(ps, "initContainers") {
			// Only Redis writes its config file (password) before it starts; nothing may wait on
			// Redis or peers.
			if c != "redis" || getString(ic, "name") != "redis-config" {
				fail("%s: init container %s (nothing may wait on Redis or peers)", id(m), getString(ic, "name"))
			}
		}
		psc := getMap(ps, "securityContext")
		for _, ctr := range containers(m) {
			cn := id(m) + " container " + getString(ctr, "name")
			sc := getMap(ctr, "securityContext")
			pick := func(k string) interface{} {
				if v, ok := sc[k]; ok {
					return v
				}
				return psc[k]
			}
			if pick("runAsNonRoot") != true {
				fail("%s: runAsNonRoot must be true", cn)
			}
			if uid, ok := toInt(pick("runAsUser")); !ok || uid == 0 {
				fail("%s: runAsUser must be a numeric non-root uid", cn)
			}
			if sc["allowPrivilegeEscalation"] != false {
				fail("%s: allowPrivilegeEscalation must be false", cn)
			}
			if sc["readOnlyRootFilesystem"] != true {
				fail("%s: readOnlyRootFilesystem must be true", cn)
			}
			if sc["privileged"] == true {
				fail("%s: privileged", cn)
			}
			if !contains(getList(sc, "capabilities", "drop"), "ALL") {
				fail("%s: capabilities.drop must contain ALL", cn)
			}
			if len(getList(sc, "capabilities", "add")) > 0 {
				fail("%s: no capabilities may be added", cn)
			}
			seccomp := getString(sc, "seccompProfile", "type")
			if seccomp == "" {
				seccomp = getString(psc, "seccompProfile", "type")
			}
			if seccomp != "RuntimeDefault" && seccomp != "Localhost" {
				fail("%s: seccompProfile must be RuntimeDefault", cn)
			}
			for _, r := range []string{"cpu", "memory"} {
				if get(ctr, "resources", "requests", r) == nil {
					fail("%s: resources.requests.%s missing", cn, r)
				}
			}
			if get(ctr, "resources", "limits", "memory") == nil {
				fail("%s: resources.limits.memory missing", cn)
			}
			if kind(m) == "Deployment" && c != "redis" {
				checkProbes(cn, c, ctr, values, fail)
			}
		}
	}

	for _, c := range suite {
		services := 0 // the headless Service of the assessment replicas (PostgreSQL) aside
		for _, svc := range find(ms, "Service", c) {
			if getString(svc.Object, "spec", "clusterIP") != "None" {
				services++
			}
		}
		if len(find(ms, "Deployment", c)) != 1 || services != 1 {
			fail("component %s needs exactly one Deployment and one Service", c)
		}
	}
	checkServices(ms, fail)
	checkScaling(ms, values, fail)
	checkAssessment(ms, values, fail)
	checkConfig(ms, values, fail)
	checkRedis(ms, values, fail)
	checkNetworkPolicy(ms, values, fail)
	checkOptional(ms, values, caps, fail)
	checkCatalogData(ms, values, fail)
	return errs
}

func checkProbes(cn, c string, ctr map[string]interface{}, values map[string]interface{},
	fail func(string, ...interface{})) {
	tls := get(values, "tls", "enabled") == true || get(values, "tls", "generate") == true
	for _, p := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		probe := getMap(ctr, p)
		if probe == nil {
			fail("%s: %s missing", cn, p)
			continue
		}
		text := fmt.Sprint(probe)
		if strings.Contains(text, "redis") || strings.Contains(text, "6379") {
			fail("%s: %s must not depend on Redis", cn, p)
		}
		if c == "gateway" {
			want := map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"}[p]
			if getString(probe, "httpGet", "path") != want {
				fail("%s: %s must be httpGet %s", cn, p, want)
			}
			if port, _ := toInt(get(probe, "httpGet", "port")); port != 8080 {
				fail("%s: %s must probe port 8080", cn, p)
			}
			continue
		}
		want := grpcPorts[c]
		if tls {
			cmd := getList(probe, "exec", "command")
			if !hasAll(cmd, "grpc", fmt.Sprintf("127.0.0.1:%d", want)) || fmt.Sprint(cmd[0]) != "/usr/local/bin/mgi-healthcheck" {
				fail("%s: with TLS, %s must exec mgi-healthcheck grpc 127.0.0.1:%d", cn, p, want)
			}
			continue
		}
		port, ok := toInt(get(probe, "grpc", "port"))
		if !ok || port != want {
			fail("%s: %s must be a native gRPC probe on numeric port %d", cn, p, want)
		}
		found := false
		for _, cp := range getList(ctr, "ports") {
			if n, _ := toInt(get(cp, "containerPort")); n == port {
				found = true
			}
		}
		if !found {
			fail("%s: %s port %d is not a container port", cn, p, port)
		}
	}
}

func checkServices(ms []Manifest, fail func(string, ...interface{})) {
	for _, s := range find(ms, "Service", "") {
		sel := getMap(s.Object, "spec", "selector")
		matched := 0
		for _, d := range append(find(ms, "Deployment", ""), find(ms, "StatefulSet", "")...) {
			pl := getMap(d.Object, "spec", "template", "metadata", "labels")
			ok := len(sel) > 0
			for k, v := range sel {
				if pl[k] != v {
					ok = false
				}
			}
			if ok {
				matched++
				for _, p := range getList(s.Object, "spec", "ports") {
					tp := get(p, "targetPort")
					found := false
					for _, ctr := range containers(d) {
						for _, cp := range getList(ctr, "ports") {
							if get(cp, "name") == tp || fmt.Sprint(get(cp, "containerPort")) == fmt.Sprint(tp) {
								found = true
							}
						}
					}
					if !found {
						fail("%s: targetPort %v is not a port of %s", id(s), tp, id(d))
					}
				}
			}
		}
		if matched != 1 {
			fail("%s: selector matches %d Deployments, want 1", id(s), matched)
		}
	}
}

func checkScaling(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	hpas := map[string]Manifest{}
	for _, h := range find(ms, "HorizontalPodAutoscaler", "") {
		hpas[getString(h.Object, "spec", "scaleTargetRef", "name")] = h
		if c := component(h); c != "catalog" && c != "report" && c != "gateway" &&
			!(c == "assessment" && onPostgres(values)) {
			fail("%s: only stateless components (and assessment on PostgreSQL) may autoscale", id(h))
		}
	}
	for _, d := range find(ms, "Deployment", "") {
		c := component(d)
		replicas, hasReplicas := toInt(get(d.Object, "spec", "replicas"))
		h, hasHPA := hpas[name(d)]
		if hasHPA && get(d.Object, "spec", "replicas") != nil {
			fail("%s: spec.replicas must be absent when an HPA scales it", id(d))
		}
		if !hasHPA && !hasReplicas {
			fail("%s: spec.replicas missing without an HPA", id(d))
		}
		min := replicas
		if hasHPA {
			min, _ = toInt(get(h.Object, "spec", "minReplicas"))
		}
		pdbs := 0
		for _, p := range find(ms, "PodDisruptionBudget", c) {
			pdbs++
			sel := getMap(p.Object, "spec", "selector", "matchLabels")
			dsel := getMap(d.Object, "spec", "selector", "matchLabels")
			if fmt.Sprint(sel) != fmt.Sprint(dsel) {
				fail("%s: selector differs from %s's", id(p), id(d))
			}
		}
		pdbOn := get(values, c, "pdb", "enabled") == true
		want := 0
		if pdbOn && min > 1 {
			want = 1
		}
		if pdbs != want {
			fail("%s: %d PodDisruptionBudgets for min %d replicas, want %d", id(d), pdbs, min, want)
		}
		wantHPA := get(values, c, "autoscaling", "enabled") == true
		if wantHPA != hasHPA {
			fail("%s: HPA present=%v, autoscaling.enabled=%v", id(d), hasHPA, wantHPA)
		}
	}
}

// onPostgres: the assessment keeps profiles on a PostgreSQL server (database.mode external or bundled).
func onPostgres(values map[string]interface{}) bool {
	mode := getString(values, "assessment", "database", "mode")
	return mode == "external" || mode == "bundled"
}

// podsService: the headless Service of every assessment replica (PostgreSQL mode), or "".
func podsService(ms []Manifest) string {
	for _, s := range find(ms, "Service", "assessment") {
		if getString(s.Object, "spec", "clusterIP") == "None" {
			return name(s)
		}
	}
	return ""
}

// checkPostgresAssessment: replicas on a shared PostgreSQL: rolling updates, no local data, the URL
// only from a Secret, a headless Service for the peers, and the in-chart server only when bundled.
func checkPostgresAssessment(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	for _, d := range find(ms, "Deployment", "assessment") {
		if getString(d.Object, "spec", "strategy", "type") != "RollingUpdate" {
			fail("%s: on PostgreSQL the strategy must be RollingUpdate (no downtime)", id(d))
		}
		for _, v := range getList(podSpec(d), "volumes") {
			if getString(v, "name") == "data" {
				fail("%s: no data volume on PostgreSQL", id(d))
			}
		}
		ctr := containers(d)[0]
		if _, ok := envValue(ctr, "MGI_ASSESSMENT_DB"); ok {
			fail("%s: MGI_ASSESSMENT_DB must be absent on PostgreSQL", id(d))
		}
		found := false
		for _, e := range getList(ctr, "env") {
			if getString(e, "name") == "MGI_ASSESSMENT_DATABASE_URL" {
				found = true
				if getString(e, "valueFrom", "secretKeyRef", "name") == "" {
					fail("%s: MGI_ASSESSMENT_DATABASE_URL must come from a Secret", id(d))
				}
			}
		}
		if !found {
			fail("%s: MGI_ASSESSMENT_DATABASE_URL missing", id(d))
		}
	}
	if len(find(ms, "PersistentVolumeClaim", "assessment")) != 0 {
		fail("assessment on PostgreSQL: no PersistentVolumeClaim")
	}
	if podsService(ms) == "" {
		fail("assessment on PostgreSQL: want a headless Service of the replicas")
	}
	sts := find(ms, "StatefulSet", "postgresql")
	bundled := getString(values, "assessment", "database", "mode") == "bundled"
	if bundled != (len(sts) == 1) || len(sts) > 1 {
		fail("in-chart PostgreSQL: %d StatefulSets, bundled=%v", len(sts), bundled)
	}
	for _, st := range sts {
		if getString(st.Object, "metadata", "annotations", "mgi.iom.int/evaluation-only") != "true" {
			fail("%s: must be marked evaluation-only", id(st))
		}
		img := getString(containers(st)[0], "image")
		if !regexp.MustCompile(`^(docker\.io/(library/)?)?postgres:[0-9]`).MatchString(img) {
			fail("%s: must run the official postgres image with a pinned tag, is %s", id(st), img)
		}
	}
}

// checkDatabaseSecret: the Secret of the assessment's PostgreSQL URL: a url key, never a password in it.
func checkDatabaseSecret(m Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	if !onPostgres(values) {
		fail("%s: a database Secret on SQLite", id(m))
	}
	raw := getString(m.Object, "data", "url")
	url, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || !regexp.MustCompile(`^postgres(ql)?://[^:@/]*@`).Match(url) {
		fail("%s: url must be a postgresql:// URI with a user and no password", id(m))
	}
}

func checkAssessment(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	if onPostgres(values) {
		checkPostgresAssessment(ms, values, fail)
		return
	}
	if len(find(ms, "StatefulSet", "")) != 0 {
		fail("SQLite mode: no in-chart PostgreSQL")
	}
	for _, d := range find(ms, "Deployment", "assessment") {
		if r, _ := toInt(get(d.Object, "spec", "replicas")); r > 1 {
			fail("%s: %d replicas of a single-writer SQLite store", id(d), r)
		}
		if getString(d.Object, "spec", "strategy", "type") != "Recreate" {
			fail("%s: strategy must be Recreate (never two writers on the file)", id(d))
		}
		var claim string
		for _, v := range getList(podSpec(d), "volumes") {
			if getString(v, "name") == "data" {
				claim = getString(v, "persistentVolumeClaim", "claimName")
			}
		}
		persist := get(values, "assessment", "persistence", "enabled") == true
		if persist && claim == "" {
			fail("%s: the data volume must be a PersistentVolumeClaim", id(d))
		}
		existing := getString(values, "assessment", "persistence", "existingClaim")
		if persist && existing == "" {
			pvcs := find(ms, "PersistentVolumeClaim", "assessment")
			if len(pvcs) != 1 || name(pvcs[0]) != claim {
				fail("%s: claim %q is not rendered", id(d), claim)
			} else if !contains(getList(pvcs[0].Object, "spec", "accessModes"), "ReadWriteOnce") {
				fail("%s: must be ReadWriteOnce", id(pvcs[0]))
			}
		}
		ctr := containers(d)[0]
		if db, _ := envValue(ctr, "MGI_ASSESSMENT_DB"); !strings.HasPrefix(db, "/var/lib/mgi/") {
			fail("%s: MGI_ASSESSMENT_DB must be on the data volume, is %q", id(d), db)
		}
	}
}

func checkConfig(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	cms := find(ms, "ConfigMap", "config")
	if len(cms) != 1 {
		fail("want one suite ConfigMap, got %d", len(cms))
		return
	}
	data := getMap(cms[0].Object, "data")
	auth := getString(values, "auth", "existingSecret")
	for _, c := range suite {
		for _, d := range find(ms, "Deployment", c) {
			ann := getMap(d.Object, "spec", "template", "metadata", "annotations")
			if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fmt.Sprint(ann["checksum/config"])) {
				fail("%s: pod template needs a checksum/config annotation", id(d))
			}
			ctr := containers(d)[0]
			refs := fmt.Sprint(getList(ctr, "envFrom"))
			if !strings.Contains(refs, name(cms[0])) {
				fail("%s: must load ConfigMap %s", id(d), name(cms[0]))
			}
			mounts := map[string]string{}
			for _, vm := range getList(ctr, "volumeMounts") {
				mounts[getString(vm, "name")] = getString(vm, "mountPath")
			}
			secrets := map[string]string{}
			for _, v := range getList(podSpec(d), "volumes") {
				if s := getString(v, "secret", "secretName"); s != "" {
					secrets[getString(v, "name")] = s
				}
			}
			// Least privilege (issue 21): the token file only where calls are authorised (not the
			// gateway, which forwards tokens), the service token only in assessment.
			tokensFile, _ := envValue(ctr, "MGI_AUTH_TOKENS_FILE")
			if auth != "" && c != "gateway" {
				if secrets["auth-tokens"] != auth || mounts["auth-tokens"] == "" ||
					tokensFile != mounts["auth-tokens"]+"/tokens" {
					fail("%s: token file of Secret %s must be mounted at MGI_AUTH_TOKENS_FILE", id(d), auth)
				}
			} else if tokensFile != "" || secrets["auth-tokens"] != "" {
				fail("%s: no token file (auth.existingSecret=%q)", id(d), auth)
			}
			for _, key := range []string{"MGI_AUTH_TOKENS_FILE", "MGI_SERVICE_TOKEN_FILE", "MGI_REDIS_PASSWORD_FILE", "MGI_CACHE_HMAC_KEY_FILE"} {
				if _, ok := data[key]; ok {
					fail("ConfigMap: %s must be set only in the pods that mount the file", key)
				}
			}
			serviceToken, _ := envValue(ctr, "MGI_SERVICE_TOKEN_FILE")
			hasServiceItem := strings.Contains(fmt.Sprint(getList(podSpec(d), "volumes")), "service-token")
			wantServiceToken := c == "assessment" && auth != "" && getString(values, "auth", "serviceTokenKey") != ""
			if (serviceToken != "") != wantServiceToken || hasServiceItem != wantServiceToken {
				fail("%s: service token mounted=%v env=%q, want it only in assessment when auth.serviceTokenKey is set", id(d), hasServiceItem, serviceToken)
			}
			if c == "gateway" {
				for v, secret := range secrets {
					if v != "tls" {
						fail("%s: the gateway must not mount Secret %s (volume %s)", id(d), secret, v)
					}
				}
			}
			if get(values, "tls", "enabled") == true || get(values, "tls", "generate") == true {
				want := getString(values, "tls", "existingSecret")
				if get(values, "tls", "generate") == true {
					want = generatedSecret
				}
				if secrets["tls"] != want {
					fail("%s: TLS Secret %s must be mounted", id(d), want)
				}
				if c != "gateway" {
					cert, _ := envValue(ctr, "MGI_"+strings.ToUpper(c)+"_TLS_CERT_FILE")
					if !strings.HasPrefix(cert, mounts["tls"]+"/") {
						fail("%s: MGI_%s_TLS_CERT_FILE must point into the TLS mount", id(d), strings.ToUpper(c))
					}
				}
			}
			if host, _ := envValue(ctr, "MGI_"+strings.ToUpper(c)+"_HOST"); host != "0.0.0.0" {
				fail("%s: must listen on 0.0.0.0 (probes and peers use the pod IP)", id(d))
			}
		}
	}
	// Peer addresses: each component gets its peers' Services, never MGI_<ITSELF>_ADDR (the binary
	// would refuse it as an unknown variable of its own).
	for _, c := range suite {
		for _, d := range find(ms, "Deployment", c) {
			ctr := containers(d)[0]
			for _, peer := range []string{"catalog", "assessment", "report"} {
				key := "MGI_" + strings.ToUpper(peer) + "_ADDR"
				addr, ok := envValue(ctr, key)
				if _, inCM := data[key]; inCM {
					fail("ConfigMap: %s must not be shared (mgi-%s refuses it)", key, peer)
				}
				if peer == c {
					if ok {
						fail("%s: must not get %s", id(d), key)
					}
					continue
				}
				if peer == "assessment" && onPostgres(values) {
					if want := fmt.Sprintf("dns:///%s:%d", podsService(ms), grpcPorts[peer]); addr != want {
						fail("%s: %s=%q, want %q (every replica)", id(d), key, addr, want)
					}
					continue
				}
				svc := find(ms, "Service", peer)
				if len(svc) == 1 && addr != fmt.Sprintf("%s:%d", name(svc[0]), grpcPorts[peer]) {
					fail("%s: %s=%q does not name Service %s", id(d), key, addr, name(svc[0]))
				}
			}
		}
	}
}

// The chart's generated Secret (release "mgi"): its name and the keys each configuration needs.
const generatedSecret = "mgi-generated"

func checkGeneratedSecret(m Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	if name(m) != generatedSecret || component(m) != "secrets" {
		fail("%s: the only Secret the chart renders is %s (generated values)", id(m), generatedSecret)
		return
	}
	var want []string
	mode := getString(values, "redis", "mode")
	if mode == "bundled" && getString(values, "redis", "bundled", "auth", "existingSecret") == "" {
		want = append(want, "redis-password")
	}
	if mode != "disabled" && getString(values, "redis", "hmacKey", "existingSecret") == "" {
		want = append(want, "cache-hmac-key")
	}
	if get(values, "tls", "generate") == true {
		want = append(want, "ca.crt", "tls.crt", "tls.key")
	}
	data := getMap(m.Object, "data")
	var have []string
	for k := range data {
		have = append(have, k)
	}
	sort.Strings(have)
	sort.Strings(want)
	if strings.Join(have, ",") != strings.Join(want, ",") {
		fail("%s: keys %v, want %v", id(m), have, want)
	}
	for _, k := range []string{"redis-password", "cache-hmac-key"} {
		if v, ok := data[k].(string); ok {
			raw, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(raw) < 32 {
				fail("%s: %s must be 32 or more random bytes", id(m), k)
			}
		}
	}
}

func checkRedis(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	mode := getString(values, "redis", "mode")
	data := map[string]interface{}{}
	if cms := find(ms, "ConfigMap", "config"); len(cms) == 1 {
		data = getMap(cms[0].Object, "data")
	}
	deps, svcs := find(ms, "Deployment", "redis"), find(ms, "Service", "redis")
	addr := fmt.Sprint(data["MGI_REDIS_ADDR"])
	switch mode {
	case "bundled":
		if len(deps) != 1 || len(svcs) != 1 {
			fail("redis bundled: want one Redis Deployment and Service")
			return
		}
		var ctr map[string]interface{}
		for _, cn := range getList(podSpec(deps[0]), "containers") {
			if getString(cn, "name") == "redis" {
				ctr, _ = cn.(map[string]interface{})
			}
		}
		img := getString(ctr, "image")
		if !regexp.MustCompile(`^(docker\.io/(library/)?)?redis:[0-9]`).MatchString(img) {
			fail("redis bundled: must run the official redis image with a pinned tag, is %s", img)
		}
		args := getList(ctr, "args")
		if !hasAll(args, "--maxmemory-policy", "allkeys-lru") && !hasAll(args, "--maxmemory-policy", "allkeys-lfu") {
			fail("redis bundled: eviction policy must be allkeys-lru/lfu")
		}
		if !hasAll(args, "--save", "") || !hasAll(args, "--appendonly", "no") {
			fail("redis bundled: persistence must be off (--save \"\", --appendonly no)")
		}
		if addr != name(svcs[0])+":6379" {
			fail("redis bundled: MGI_REDIS_ADDR=%s, want %s:6379", addr, name(svcs[0]))
		}
		if getString(deps[0].Object, "spec", "strategy", "type") != "Recreate" {
			fail("redis bundled: strategy must be Recreate")
		}
		// Issue 21: always a password, never in argv or env (config file written at start).
		if len(args) == 0 || args[0] != "/run/redis/redis.conf" {
			fail("redis bundled: the first argument must be the config file /run/redis/redis.conf")
		}
		for _, a := range args {
			if s := fmt.Sprint(a); s == "--requirepass" || s == "--protected-mode" || strings.Contains(s, "$(") {
				fail("redis bundled: argument %q: the password goes in the config file, protected mode stays on", s)
			}
		}
		for _, cn := range containers(deps[0]) {
			if strings.Contains(fmt.Sprint(getList(cn, "env")), "secretKeyRef") || len(getList(cn, "envFrom")) > 0 {
				fail("redis bundled: container %s: no Secret in the environment", getString(cn, "name"))
			}
		}
		auth := ""
		for _, v := range getList(podSpec(deps[0]), "volumes") {
			if getString(v, "name") == "auth" {
				auth = getString(v, "secret", "secretName")
			}
		}
		wantAuth := getString(values, "redis", "bundled", "auth", "existingSecret")
		if wantAuth == "" {
			wantAuth = generatedSecret
		}
		if auth != wantAuth {
			fail("redis bundled: password Secret %q mounted, want %q", auth, wantAuth)
		}
	case "external":
		if len(deps)+len(svcs) != 0 {
			fail("redis external: no Redis objects may be rendered")
		}
		want := fmt.Sprintf("%s:%v", getString(values, "redis", "external", "host"), get(values, "redis", "external", "port"))
		if addr != want {
			fail("redis external: MGI_REDIS_ADDR=%s, want %s", addr, want)
		}
	case "disabled":
		if len(deps)+len(svcs) != 0 {
			fail("redis disabled: no Redis objects may be rendered")
		}
		if addr != "" {
			fail("redis disabled: MGI_REDIS_ADDR must be empty, is %q", addr)
		}
	}
	secret, hmac := "", ""
	if mode == "bundled" {
		secret = getString(values, "redis", "bundled", "auth", "existingSecret")
		if secret == "" {
			secret = generatedSecret
		}
	} else if mode == "external" {
		secret = getString(values, "redis", "external", "existingSecret")
	}
	if mode != "disabled" {
		hmac = getString(values, "redis", "hmacKey", "existingSecret")
		if hmac == "" {
			hmac = generatedSecret
		}
	}
	for _, c := range suite {
		for _, d := range find(ms, "Deployment", c) {
			mounted := map[string]string{}
			for _, v := range getList(podSpec(d), "volumes") {
				mounted[getString(v, "name")] = getString(v, "secret", "secretName")
			}
			ctr := containers(d)[0]
			wantSecret, wantHmac := secret, hmac
			if c == "gateway" { // the gateway never talks to Redis
				wantSecret, wantHmac = "", ""
			}
			if mounted["redis-password"] != wantSecret {
				fail("%s: Redis password Secret mounted=%q, want %q", id(d), mounted["redis-password"], wantSecret)
			}
			if pw, _ := envValue(ctr, "MGI_REDIS_PASSWORD_FILE"); (pw != "") != (wantSecret != "") {
				fail("%s: MGI_REDIS_PASSWORD_FILE=%q must be set exactly when a Redis password is mounted", id(d), pw)
			}
			// Issue 21: cached values are authenticated; every caching pod has the same key.
			if mounted["cache-hmac-key"] != wantHmac {
				fail("%s: cache HMAC key Secret mounted=%q, want %q", id(d), mounted["cache-hmac-key"], wantHmac)
			}
			if k, _ := envValue(ctr, "MGI_CACHE_HMAC_KEY_FILE"); (k != "") != (wantHmac != "") {
				fail("%s: MGI_CACHE_HMAC_KEY_FILE=%q must be set exactly when the key is mounted", id(d), k)
			}
		}
	}
}

func checkNetworkPolicy(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	nps := find(ms, "NetworkPolicy", "")
	if get(values, "networkPolicy", "enabled") != true {
		if len(nps) > 0 {
			fail("NetworkPolicies rendered while networkPolicy.enabled is false")
		}
		return
	}
	want := append([]string{}, suite...)
	if getString(values, "redis", "mode") == "bundled" {
		want = append(want, "redis")
	}
	for _, c := range want {
		ps := find(ms, "NetworkPolicy", c)
		if len(ps) != 1 {
			fail("networkPolicy: want one policy for %s, got %d", c, len(ps))
			continue
		}
		p := ps[0]
		if !contains(getList(p.Object, "spec", "policyTypes"), "Ingress") {
			fail("%s: policyTypes must include Ingress", id(p))
		}
		if c == "gateway" {
			// The helm test pod (same namespace, component=test) must still reach the gateway.
			admitted := false
			for _, rule := range getList(p.Object, "spec", "ingress") {
				from := getList(rule, "from")
				if len(from) == 0 {
					admitted = true
				}
				for _, peer := range from {
					if get(peer, "namespaceSelector") == nil && get(peer, "ipBlock") == nil &&
						getString(peer, "podSelector", "matchLabels", "app.kubernetes.io/component") == "test" {
						admitted = true
					}
				}
			}
			if !admitted {
				fail("%s: the helm test pod cannot reach the gateway", id(p))
			}
			continue
		}
		// Every rule but the metrics one admits only the suite's own pods.
		for _, rule := range getList(p.Object, "spec", "ingress") {
			isMetrics := false
			for _, port := range getList(rule, "ports") {
				if get(port, "port") == "metrics" {
					isMetrics = true
				}
			}
			if isMetrics {
				continue
			}
			from := getList(rule, "from")
			if len(from) == 0 {
				fail("%s: a rule admits everyone", id(p))
			}
			for _, peer := range from {
				expr := fmt.Sprint(get(peer, "podSelector", "matchExpressions"))
				if get(peer, "namespaceSelector") != nil || get(peer, "ipBlock") != nil ||
					!strings.Contains(expr, "app.kubernetes.io/component") || strings.Contains(expr, "test") {
					fail("%s: must admit only the mgi components", id(p))
				}
				if strings.Contains(expr, "redis") {
					fail("%s: Redis has no business calling services", id(p))
				}
				if c == "redis" && strings.Contains(expr, "gateway") {
					fail("%s: only the caching services may reach Redis, not the gateway", id(p))
				}
			}
		}
	}
}

func checkOptional(ms []Manifest, values map[string]interface{}, caps Capabilities, fail func(string, ...interface{})) {
	if cms := find(ms, "ConfigMap", "config"); len(cms) == 1 {
		want := fmt.Sprint(get(values, "reflection", "enabled") == true)
		if got := getString(cms[0].Object, "data", "MGI_REFLECTION"); got != want {
			fail("ConfigMap: MGI_REFLECTION=%q, want %q (reflection.enabled)", got, want)
		}
	}
	sms := find(ms, "ServiceMonitor", "")
	wantSM := get(values, "serviceMonitor", "enabled") == true && caps.Has("monitoring.coreos.com/v1")
	if wantSM != (len(sms) == 1) {
		fail("ServiceMonitor rendered=%d, want %v (enabled and monitoring.coreos.com/v1 present)", len(sms), wantSM)
	}
	ings := find(ms, "Ingress", "")
	if (get(values, "ingress", "enabled") == true) != (len(ings) == 1) {
		fail("Ingress rendered=%d, ingress.enabled=%v", len(ings), get(values, "ingress", "enabled"))
	}
	gw := find(ms, "Service", "gateway")
	for _, ing := range ings {
		for _, r := range getList(ing.Object, "spec", "rules") {
			for _, p := range getList(r, "http", "paths") {
				if len(gw) == 1 && getString(p, "backend", "service", "name") != name(gw[0]) {
					fail("%s: must route to the gateway Service", id(ing))
				}
			}
		}
	}
	tests := find(ms, "Pod", "test")
	if len(tests) != 1 {
		fail("want one helm test Pod, got %d", len(tests))
		return
	}
	t := tests[0]
	if getString(t.Object, "metadata", "annotations", "helm.sh/hook") != "test" {
		fail("%s: needs the helm.sh/hook: test annotation", id(t))
	}
	ctr := containers(t)[0]
	cmd := getList(ctr, "command")
	if !strings.Contains(getString(ctr, "image"), "mgi-gateway") || len(cmd) == 0 ||
		cmd[0] != "/usr/local/bin/mgi-healthcheck" || !hasAll(cmd, "http") || cmd[len(cmd)-1] != "/readyz" {
		fail("%s: must run the mgi image's mgi-healthcheck http <gateway>:8080 /readyz", id(t))
	}
	if getString(podSpec(t), "restartPolicy") != "Never" {
		fail("%s: restartPolicy must be Never", id(t))
	}
}
