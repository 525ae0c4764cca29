package main

import (
	"fmt"
	"strings"
)

// get walks nested maps: get(obj, "spec", "template", "spec").
func get(v interface{}, keys ...string) interface{} {
	for _, k := range keys {
		m, ok := v.(map[string]interface{})
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func getMap(v interface{}, keys ...string) map[string]interface{} {
	m, _ := get(v, keys...).(map[string]interface{})
	return m
}

func getList(v interface{}, keys ...string) []interface{} {
	l, _ := get(v, keys...).([]interface{})
	return l
}

func getString(v interface{}, keys ...string) string {
	s, _ := get(v, keys...).(string)
	return s
}

func kind(m Manifest) string { return getString(m.Object, "kind") }
func name(m Manifest) string { return getString(m.Object, "metadata", "name") }
func id(m Manifest) string   { return kind(m) + "/" + name(m) }
func component(m Manifest) string {
	return getString(m.Object, "metadata", "labels", "app.kubernetes.io/component")
}

func find(ms []Manifest, k, comp string) []Manifest {
	var out []Manifest
	for _, m := range ms {
		if kind(m) == k && (comp == "" || component(m) == comp) {
			out = append(out, m)
		}
	}
	return out
}

// podSpec returns the pod spec of a Deployment or a Pod.
func podSpec(m Manifest) map[string]interface{} {
	if kind(m) == "Pod" {
		return getMap(m.Object, "spec")
	}
	return getMap(m.Object, "spec", "template", "spec")
}

func containers(m Manifest) []map[string]interface{} {
	var out []map[string]interface{}
	for _, key := range []string{"initContainers", "containers"} {
		for _, c := range getList(podSpec(m), key) {
			if cm, ok := c.(map[string]interface{}); ok {
				out = append(out, cm)
			}
		}
	}
	return out
}

func envValue(c map[string]interface{}, name string) (string, bool) {
	for _, e := range getList(c, "env") {
		if getString(e, "name") == name {
			return getString(e, "value"), true
		}
	}
	return "", false
}

func toInt(v interface{}) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int:
		return x, true
	case int64:
		return int(x), true
	}
	return 0, false
}

func contains(list []interface{}, s string) bool {
	for _, x := range list {
		if fmt.Sprint(x) == s {
			return true
		}
	}
	return false
}

func hasAll(args []interface{}, want ...string) bool {
	joined := make([]string, 0, len(args))
	for _, a := range args {
		joined = append(joined, fmt.Sprint(a))
	}
	s := "\x00" + strings.Join(joined, "\x00") + "\x00"
	return strings.Contains(s, "\x00"+strings.Join(want, "\x00")+"\x00")
}
