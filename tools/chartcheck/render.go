// Rendering a Helm v3 chart the way `helm template` does, without helm: text/template with sprig
// (3.2.3, as Helm v3.14) and Helm's own functions, values coalesced from values.yaml and -f files,
// checked against values.schema.json with gojsonschema (Helm <= 3.18's validator).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// Chart is a chart directory loaded in memory.
type Chart struct {
	Dir       string
	Metadata  map[string]interface{} // Chart.yaml
	Values    map[string]interface{} // values.yaml
	Schema    []byte                 // values.schema.json (may be nil)
	Templates map[string]string      // "<chart>/templates/<path>" -> text
}

// APIVersions answers .Capabilities.APIVersions.Has.
type APIVersions []string

// Has is what templates call: `.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"`.
func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// KubeVersion mirrors helm's chartutil.KubeVersion.
type KubeVersion struct {
	Version, Major, Minor string
}

func (k KubeVersion) String() string { return k.Version }

// GitVersion is the same as Version (helm keeps it for compatibility).
func (k KubeVersion) GitVersion() string { return k.Version }

// Capabilities mirrors helm's chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions APIVersions
}

// DefaultAPIVersions: the built-in groups of a 1.30 cluster the chart may use (no CRD groups).
var DefaultAPIVersions = APIVersions{
	"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"apiextensions.k8s.io/v1", "coordination.k8s.io/v1",
}

// Files is .Files: the chart's files other than templates, read from the chart directory.
type Files struct{ dir string }

// Get is what templates call: `.Files.Get "alerts/mgi-alerts.yaml"` ("" when absent, like Helm).
func (f Files) Get(name string) string {
	clean := path.Clean("/" + name)
	if strings.HasPrefix(clean, "/templates/") {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(clean)))
	if err != nil {
		return ""
	}
	return string(b)
}

// Release is .Release.
type Release struct {
	Name, Namespace, Service string
	IsInstall, IsUpgrade     bool
	Revision                 int
}

// LoadChart reads Chart.yaml, values.yaml, values.schema.json and templates/.
func LoadChart(dir string) (*Chart, error) {
	c := &Chart{Dir: dir, Templates: map[string]string{}}
	if err := readYAML(filepath.Join(dir, "Chart.yaml"), &c.Metadata); err != nil {
		return nil, err
	}
	if err := readYAML(filepath.Join(dir, "values.yaml"), &c.Values); err != nil {
		return nil, err
	}
	if c.Values == nil {
		c.Values = map[string]interface{}{}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "values.schema.json")); err == nil {
		c.Schema = b
	}
	name, _ := c.Metadata["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("Chart.yaml: name is required")
	}
	tdir := filepath.Join(dir, "templates")
	err := filepath.Walk(tdir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tdir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		c.Templates[path.Join(name, "templates", filepath.ToSlash(rel))] = string(b)
		return nil
	})
	return c, err
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

// ValidateValues checks values against a JSON schema; errors list every violation with its field.
func ValidateValues(schema []byte, values map[string]interface{}) error {
	if schema == nil {
		return nil
	}
	doc, err := json.Marshal(values)
	if err != nil {
		return err
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return fmt.Errorf("values.schema.json: %v", err)
	}
	if res.Valid() {
		return nil
	}
	var msgs []string
	for _, e := range res.Errors() {
		msgs = append(msgs, "- "+e.String())
	}
	sort.Strings(msgs)
	return fmt.Errorf("values don't meet the specifications of the schema(s):\n%s", strings.Join(msgs, "\n"))
}

// CheckKubeVersion applies Chart.yaml's kubeVersion constraint, as `helm install` does.
func CheckKubeVersion(c *Chart, caps Capabilities) error {
	constraint, _ := c.Metadata["kubeVersion"].(string)
	if constraint == "" {
		return nil
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("Chart.yaml kubeVersion %q: %v", constraint, err)
	}
	v, err := semver.NewVersion(caps.KubeVersion.Version)
	if err != nil {
		return err
	}
	if !cons.Check(v) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", constraint, caps.KubeVersion.Version)
	}
	return nil
}

func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range meta {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	return out
}

// Render renders every template (files starting with "_" only define templates; NOTES.txt is
// rendered too, under its own name) with the user values coalesced onto the chart's.
func Render(c *Chart, userValues map[string]interface{}, rel Release, caps Capabilities) (map[string]string, error) {
	values := Coalesce(c.Values, userValues)
	if err := ValidateValues(c.Schema, values); err != nil {
		return nil, err
	}
	if err := CheckKubeVersion(c, caps); err != nil {
		return nil, err
	}
	name := c.Metadata["name"].(string)
	basePath := path.Join(name, "templates")
	top := map[string]interface{}{
		"Values":       values,
		"Release":      rel,
		"Chart":        chartObject(c.Metadata),
		"Capabilities": caps,
		"Files":        Files{dir: c.Dir},
	}

	t := template.New("gotpl")
	t.Option("missingkey=zero")
	includedNames := map[string]int{}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, fmt.Errorf(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, fmt.Errorf(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", fmt.Errorf(msg) }
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includedNames[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		defer func() { includedNames[name]-- }()
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		nt, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := nt.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	t.Funcs(funcs)

	names := make([]string, 0, len(c.Templates))
	for n := range c.Templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(c.Templates[n]); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": n, "BasePath": basePath}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, data); err != nil {
			return nil, err
		}
		out[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// Manifests splits rendered files into YAML documents (NOTES.txt excluded), in file order.
func Manifests(rendered map[string]string) ([]Manifest, error) {
	var names []string
	for n := range rendered {
		if !strings.HasSuffix(n, "NOTES.txt") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []Manifest
	for _, n := range names {
		for i, doc := range splitDocs(rendered[n]) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj := map[string]interface{}{}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				return nil, fmt.Errorf("%s (document %d): %v\n%s", n, i, err, doc)
			}
			out = append(out, Manifest{Source: n, Text: doc, Object: obj})
		}
	}
	return out, nil
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
