// chartcheck: the chart rules helm does not check, asserted on the real helm's output. For every
// ci/*-values.yaml scenario it runs `helm template` (on Kubernetes 1.30 with and without the
// Prometheus Operator API, and 1.27), checks the objects against the chart's policy (policy.go:
// security context, probes, replicas, secrets, network policies...), renders NOTES.txt, checks that
// invalid values are refused by helm (schema, `required`, `fail`) with a clear message, and writes
// each scenario's manifests (helm's output as is) to <out>/<scenario>.yaml for the Kubernetes schema,
// env-contract and yamllint steps.
//
//	chartcheck -helm tools/bin/helm -chart charts/mgi -out build/artifacts/chart
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type runner struct{ passed, failed int }

func (r *runner) check(name string, problems []string) {
	if len(problems) == 0 {
		r.passed++
		fmt.Printf("ok   %s\n", name)
		return
	}
	r.failed++
	fmt.Printf("FAIL %s\n", name)
	for _, p := range problems {
		fmt.Printf("     - %s\n", strings.ReplaceAll(p, "\n", "\n       "))
	}
}

const (
	release   = "mgi"
	namespace = "mgi"
)

func caps(version string, extra ...string) Capabilities {
	return Capabilities{KubeVersion: version, APIVersions: extra}
}

// set builds a values map from "a.b.c" = value pairs.
func set(kv ...interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for i := 0; i+1 < len(kv); i += 2 {
		keys := strings.Split(kv[i].(string), ".")
		m := out
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = kv[i+1]
	}
	return out
}

var helm *Helm

// render runs helm template on the chart with values given as a map.
func render(c *Chart, values map[string]interface{}, cp Capabilities) ([]Manifest, string, error) {
	return helm.Template(c.Dir, nil, setJSONArgs("", values), cp)
}

// withoutGenerated drops the generated Secret's random data, for comparisons between renderings
// (`helm template` has no cluster to look the live Secret up in, so each rendering is fresh).
func withoutGenerated(ms []Manifest) []string {
	var out []string
	for _, m := range ms {
		if kind(m) == "Secret" {
			out = append(out, id(m))
			continue
		}
		out = append(out, m.Text)
	}
	return out
}

func main() {
	helmBin := flag.String("helm", "helm", "the helm binary")
	chartDir := flag.String("chart", "charts/mgi", "chart directory")
	outDir := flag.String("out", "", "directory for the rendered <scenario>.yaml files")
	flag.Parse()
	r := &runner{}
	chart, err := LoadChart(*chartDir)
	if err == nil {
		helm, err = NewHelm(*helmBin, *chartDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartcheck:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(helm.home)
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "chartcheck:", err)
			os.Exit(2)
		}
	}
	withSM := caps("v1.30.0", "monitoring.coreos.com/v1")

	// Chart.yaml essentials.
	var meta []string
	for _, k := range []string{"apiVersion", "name", "version", "appVersion", "kubeVersion", "description", "type"} {
		if chart.Metadata[k] == nil {
			meta = append(meta, "Chart.yaml: "+k+" missing")
		}
	}
	if chart.Metadata["apiVersion"] != "v2" || chart.Metadata["kubeVersion"] != ">=1.27.0-0" {
		meta = append(meta, "Chart.yaml: apiVersion must be v2 and kubeVersion \">=1.27.0-0\"")
	}
	r.check("Chart.yaml", meta)

	// Every CI scenario: helm renders it (schema included), then the policy, on a cluster with and
	// without the Prometheus Operator, and on the oldest supported Kubernetes.
	files, _ := filepath.Glob(filepath.Join(*chartDir, "ci", "*-values.yaml"))
	sort.Strings(files)
	if len(files) < 5 {
		r.check("ci scenarios", []string{fmt.Sprintf("want at least 5 ci/*-values.yaml, found %d", len(files))})
	}
	for _, f := range files {
		scenario := strings.TrimSuffix(filepath.Base(f), "-values.yaml")
		user, err := ReadValuesFile(f)
		if err != nil {
			r.check(scenario, []string{err.Error()})
			continue
		}
		merged := Coalesce(chart.Values, user)
		for _, cp := range []struct {
			label string
			caps  Capabilities
		}{{"k8s 1.30", caps("v1.30.0")}, {"k8s 1.30 + prometheus-operator", withSM}, {"k8s 1.27", caps("v1.27.3")}} {
			ms, out, err := helm.Template(chart.Dir, []string{f}, nil, cp.caps)
			if err != nil {
				r.check(fmt.Sprintf("%s (%s): helm template", scenario, cp.label), []string{err.Error()})
				continue
			}
			r.check(fmt.Sprintf("%s (%s): %d objects follow the chart rules", scenario, cp.label, len(ms)),
				Policy(ms, merged, cp.caps))
			if cp.label == "k8s 1.30 + prometheus-operator" && *outDir != "" {
				if err := os.WriteFile(filepath.Join(*outDir, scenario+".yaml"), []byte(out), 0o644); err != nil {
					r.check(scenario+": write", []string{err.Error()})
				}
				notes, err := helm.Notes([]string{f}, nil, cp.caps)
				if err != nil {
					r.check(scenario+": NOTES.txt renders", []string{err.Error()})
				} else {
					r.check(scenario+": NOTES.txt says what it must", notesProblems(notes, merged))
				}
			}
		}
	}

	// Checksums roll the pods on configuration changes, and only the ones affected.
	base, _, err1 := render(chart, map[string]interface{}{}, withSM)
	changed, _, err2 := render(chart, set("log.level", "debug"), withSM)
	var roll []string
	if err1 != nil || err2 != nil {
		roll = append(roll, fmt.Sprint(err1, err2))
	} else {
		for _, c := range suite {
			a := fmt.Sprint(get(find(base, "Deployment", c)[0].Object, "spec", "template", "metadata", "annotations", "checksum/config"))
			b := fmt.Sprint(get(find(changed, "Deployment", c)[0].Object, "spec", "template", "metadata", "annotations", "checksum/config"))
			if a == b {
				roll = append(roll, c+": checksum/config unchanged after log.level changed")
			}
		}
		again, _, _ := render(chart, map[string]interface{}{}, withSM)
		a, b := withoutGenerated(base), withoutGenerated(again)
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				roll = append(roll, id(base[i])+": rendering is not deterministic")
			}
		}
	}
	r.check("config change rolls every mgi Deployment; rendering is deterministic", roll)

	// ServiceMonitor only with the Prometheus Operator API.
	sm := set("serviceMonitor.enabled", true)
	without, _, errA := render(chart, sm, caps("v1.30.0"))
	with, _, errB := render(chart, sm, withSM)
	var smp []string
	if errA != nil || errB != nil {
		smp = append(smp, fmt.Sprint(errA, errB))
	} else if len(find(without, "ServiceMonitor", "")) != 0 || len(find(with, "ServiceMonitor", "")) != 1 {
		smp = append(smp, "ServiceMonitor must follow .Capabilities.APIVersions.Has \"monitoring.coreos.com/v1\"")
	}
	r.check("ServiceMonitor only when monitoring.coreos.com/v1 exists", smp)

	// PrometheusRule only when asked for and the API exists; its spec is alerts/mgi-alerts.yaml.
	pr := set("prometheusRule.enabled", true)
	prWithout, _, errC := render(chart, pr, caps("v1.30.0"))
	prWith, _, errD := render(chart, pr, withSM)
	prOff, _, errE := render(chart, map[string]interface{}{}, withSM)
	var prp []string
	if errC != nil || errD != nil || errE != nil {
		prp = append(prp, fmt.Sprint(errC, errD, errE))
	} else if len(find(prWithout, "PrometheusRule", "")) != 0 || len(find(prOff, "PrometheusRule", "")) != 0 ||
		len(find(prWith, "PrometheusRule", "")) != 1 {
		prp = append(prp, "PrometheusRule must follow prometheusRule.enabled and monitoring.coreos.com/v1")
	} else {
		var want map[string]interface{}
		if err := readYAML(filepath.Join(*chartDir, "alerts", "mgi-alerts.yaml"), &want); err != nil {
			prp = append(prp, err.Error())
		} else if got := get(find(prWith, "PrometheusRule", "")[0].Object, "spec"); fmt.Sprint(got) != fmt.Sprint(want) {
			prp = append(prp, "PrometheusRule spec differs from alerts/mgi-alerts.yaml")
		}
	}
	r.check("PrometheusRule only when enabled with monitoring.coreos.com/v1; spec = alerts/mgi-alerts.yaml", prp)

	// Invalid values are refused by helm (values.schema.json, `required`, `fail`, kubeVersion) with a
	// message naming the problem.
	negatives := []struct {
		name   string
		values map[string]interface{}
		caps   Capabilities
		want   []string
	}{
		{"assessment.replicaCount=2 on SQLite", set("assessment.replicaCount", 2), withSM,
			[]string{"assessment.replicaCount", "less than or equal to 1"}},
		{"assessment external PostgreSQL without a URL", set("assessment.database.mode", "external"), withSM,
			[]string{"assessment.database.mode=external needs"}},
		{"assessment database URL with a password", set("assessment.database.mode", "external",
			"assessment.database.url", "postgresql://mgi:secret@db/mgi"), withSM, []string{"assessment.database.url"}},
		{"redis.mode=sentinel", set("redis.mode", "sentinel"), withSM,
			[]string{"redis.mode", "must be one of"}},
		{"log.format=xml", set("log.format", "xml"), withSM, []string{"log.format"}},
		{"unknown top-level key", set("replicas", 3), withSM, []string{"Additional property replicas is not allowed"}},
		{"typo in a component", set("catalog.replicaCont", 3), withSM, []string{"replicaCont"}},
		{"assessment autoscaling", set("assessment.autoscaling.enabled", true), withSM, []string{"autoscaling"}},
		{"external Redis without host", set("redis.mode", "external"), withSM,
			[]string{"redis.external.host is required"}},
		{"TLS without a Secret", set("tls.enabled", true), withSM, []string{"tls.existingSecret is required"}},
		{"HPA min > max", set("gateway.autoscaling.enabled", true, "gateway.autoscaling.minReplicas", 5,
			"gateway.autoscaling.maxReplicas", 3), withSM, []string{"gateway.autoscaling.minReplicas (5)"}},
		{"Redis maxmemory without unit", set("redis.bundled.maxmemory", "100"), withSM, []string{"maxmemory"}},
		{"non-evicting Redis policy", set("redis.bundled.maxmemoryPolicy", "noeviction"), withSM,
			[]string{"maxmemoryPolicy"}},
		{"catalog.data with both a ConfigMap and a volume", set("catalog.data.configMap.name", "cm",
			"catalog.data.configMap.indicatorKeys", []interface{}{"a.json"},
			"catalog.data.volume", map[string]interface{}{"emptyDir": map[string]interface{}{}}), withSM,
			[]string{"catalog.data: set configMap.name or volume, not both"}},
		{"catalog.data ConfigMap without indicator keys", set("catalog.data.configMap.name", "cm"), withSM,
			[]string{"catalog.data.configMap.indicatorKeys"}},
		{"catalog.data indicator key with a path", set("catalog.data.configMap.name", "cm",
			"catalog.data.configMap.indicatorKeys", []interface{}{"../framework.json"}), withSM,
			[]string{"indicatorKeys"}},
		{"Kubernetes 1.26 (no GA gRPC probes)", map[string]interface{}{}, caps("v1.26.5"),
			[]string{"incompatible with Kubernetes v1.26.5"}},
		{"reflection.enabled not a boolean", set("reflection.enabled", "yes"), withSM, []string{"reflection.enabled"}},
		{"empty cache HMAC key name", set("redis.hmacKey.secretKey", ""), withSM, []string{"secretKey"}},
		{"tls.generate not a boolean", set("tls.generate", "true"), withSM, []string{"tls.generate"}},
	}
	for _, n := range negatives {
		_, _, err := render(chart, n.values, n.caps)
		var p []string
		if err == nil {
			p = append(p, "was accepted")
		} else {
			for _, w := range n.want {
				if !strings.Contains(err.Error(), w) {
					p = append(p, fmt.Sprintf("error does not mention %q: %v", w, err))
				}
			}
		}
		r.check("refuses "+n.name, p)
	}

	// The README documents every value.
	readme, err := os.ReadFile(filepath.Join(*chartDir, "README.md"))
	var doc []string
	if err != nil {
		doc = append(doc, err.Error())
	} else {
		for _, p := range valuePaths("", chart.Values) {
			if !strings.Contains(string(readme), "`"+p+"`") {
				doc = append(doc, "README.md does not document `"+p+"`")
			}
		}
	}
	r.check("README.md documents every value", doc)

	// The policy itself can fail: break rendered objects and expect complaints.
	r.check("policy self-test", policySelfTest(chart, withSM))

	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 {
		os.Exit(1)
	}
}

func errList(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}

func notesProblems(notes string, values map[string]interface{}) []string {
	var p []string
	for _, want := range []string{"helm test", "gateway"} {
		if !strings.Contains(notes, want) {
			p = append(p, "NOTES.txt does not mention "+want)
		}
	}
	// Issue 21: bearer tokens in cleartext between the pods must be said loudly, with the fix.
	tlsOn := get(values, "tls", "enabled") == true || get(values, "tls", "generate") == true
	warned := strings.Contains(notes, "CLEARTEXT") && strings.Contains(notes, "tls.generate=true")
	if tlsOn == warned {
		p = append(p, fmt.Sprintf("NOTES.txt cleartext warning shown=%v with TLS on=%v", warned, tlsOn))
	}
	if get(values, "networkPolicy", "enabled") != true && !strings.Contains(notes, "networkPolicy.enabled=false") {
		p = append(p, "NOTES.txt must warn that NetworkPolicies are off")
	}
	return p
}

// policySelfTest mutates a good rendering in ways the policy must catch.
func policySelfTest(chart *Chart, cp Capabilities) []string {
	var p []string
	mutations := map[string]func(ms []Manifest){
		"root user": func(ms []Manifest) {
			getMap(containers(find(ms, "Deployment", "catalog")[0])[0], "securityContext")["runAsUser"] = 0.0
		},
		"writable root filesystem": func(ms []Manifest) {
			getMap(containers(find(ms, "Deployment", "report")[0])[0], "securityContext")["readOnlyRootFilesystem"] = false
		},
		"named gRPC probe port": func(ms []Manifest) {
			getMap(containers(find(ms, "Deployment", "catalog")[0])[0], "readinessProbe", "grpc")["port"] = "grpc"
		},
		"RollingUpdate assessment": func(ms []Manifest) {
			getMap(find(ms, "Deployment", "assessment")[0].Object, "spec", "strategy")["type"] = "RollingUpdate"
		},
		"missing memory limit": func(ms []Manifest) {
			delete(getMap(containers(find(ms, "Deployment", "gateway")[0])[0], "resources", "limits"), "memory")
		},
		"missing component label": func(ms []Manifest) {
			delete(getMap(find(ms, "Service", "report")[0].Object, "metadata", "labels"), "app.kubernetes.io/component")
		},
		"no checksum": func(ms []Manifest) {
			delete(getMap(find(ms, "Deployment", "catalog")[0].Object, "spec", "template", "metadata", "annotations"), "checksum/config")
		},
		"token file in the gateway": func(ms []Manifest) {
			spec := podSpec(find(ms, "Deployment", "gateway")[0])
			spec["volumes"] = append(getList(spec, "volumes"), map[string]interface{}{
				"name": "auth-tokens", "secret": map[string]interface{}{"secretName": "mgi-tokens"}})
		},
		"Redis password in argv": func(ms []Manifest) {
			for _, c := range containers(find(ms, "Deployment", "redis")[0]) {
				if getString(c, "name") == "redis" {
					c["args"] = append(getList(c, "args"), "--requirepass", "$(REDIS_PASSWORD)")
				}
			}
		},
		"gateway admitted to Redis": func(ms []Manifest) {
			// (only with networkPolicy.enabled, the default)
			for _, rule := range getList(find(ms, "NetworkPolicy", "redis")[0].Object, "spec", "ingress") {
				for _, peer := range getList(rule, "from") {
					for _, e := range getList(peer, "podSelector", "matchExpressions") {
						em := e.(map[string]interface{})
						em["values"] = append(getList(em, "values"), "gateway")
					}
				}
			}
		},
		"cache key missing in report": func(ms []Manifest) {
			spec := podSpec(find(ms, "Deployment", "report")[0])
			var keep []interface{}
			for _, v := range getList(spec, "volumes") {
				if getString(v, "name") != "cache-hmac-key" {
					keep = append(keep, v)
				}
			}
			spec["volumes"] = keep
		},
		"catalog data directory without catalog.data": func(ms []Manifest) {
			ctr := containers(find(ms, "Deployment", "catalog")[0])[0]
			ctr["env"] = append(getList(ctr, "env"), map[string]interface{}{"name": "MGI_CATALOG_DATA_DIR", "value": "/nowhere"})
		},
		"readiness on Redis": func(ms []Manifest) {
			ctr := containers(find(ms, "Deployment", "gateway")[0])[0]
			ctr["readinessProbe"] = map[string]interface{}{"tcpSocket": map[string]interface{}{"port": 6379.0}}
		},
	}
	for what, mutate := range mutations {
		ms, _, err := render(chart, map[string]interface{}{}, cp)
		if err != nil {
			return []string{err.Error()}
		}
		mutate(ms)
		if len(Policy(ms, Coalesce(chart.Values, map[string]interface{}{}), cp)) == 0 {
			p = append(p, "policy accepted "+what)
		}
	}
	sort.Strings(p)
	return p
}

// valuePaths lists the documented value paths: map leaves, stopping at lists, empty maps and free-form
// blocks (resources, security contexts, ingress hosts).
func valuePaths(prefix string, v interface{}) []string {
	stop := map[string]bool{"resources": true, "podSecurityContext": true, "containerSecurityContext": true, "hosts": true}
	m, ok := v.(map[string]interface{})
	last := prefix[strings.LastIndex(prefix, ".")+1:]
	if !ok || len(m) == 0 || stop[last] {
		return []string{prefix}
	}
	var out []string
	for k, x := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, valuePaths(p, x)...)
	}
	sort.Strings(out)
	return out
}
