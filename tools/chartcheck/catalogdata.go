package main

import "fmt"

// checkCatalogData: catalog.data (a ConfigMap or a volume) is mounted read-only in the catalog's
// pods and named by MGI_CATALOG_DATA_DIR, framework.json at the root and every indicator key under
// indicators/; without it the catalog serves the image's data (no mount, no variable), and no other
// component sees the data.
func checkCatalogData(ms []Manifest, values map[string]interface{}, fail func(string, ...interface{})) {
	cmName := getString(values, "catalog", "data", "configMap", "name")
	keys := getList(values, "catalog", "data", "configMap", "indicatorKeys")
	volume := getMap(values, "catalog", "data", "volume")
	want := cmName != "" || len(volume) > 0
	for _, d := range find(ms, "Deployment", "") {
		c := component(d)
		var vol map[string]interface{}
		for _, v := range getList(podSpec(d), "volumes") {
			if vm, ok := v.(map[string]interface{}); ok && getString(vm, "name") == "catalog-data" {
				vol = vm
			}
		}
		ctrs := containers(d)
		if len(ctrs) == 0 {
			continue
		}
		var mount map[string]interface{}
		for _, m := range getList(ctrs[0], "volumeMounts") {
			if mm, ok := m.(map[string]interface{}); ok && getString(mm, "name") == "catalog-data" {
				mount = mm
			}
		}
		dir, hasDir := envValue(ctrs[0], "MGI_CATALOG_DATA_DIR")
		if c != "catalog" || !want {
			if vol != nil || mount != nil || hasDir {
				fail("%s: catalog data mounted or named where it is not wanted", id(d))
			}
			continue
		}
		if vol == nil || mount == nil {
			fail("%s: catalog.data is set but the catalog-data volume is not mounted", id(d))
			continue
		}
		if get(mount, "readOnly") != true {
			fail("%s: the catalog data must be mounted read-only", id(d))
		}
		if !hasDir || dir != getString(mount, "mountPath") {
			fail("%s: MGI_CATALOG_DATA_DIR is %q, the data is mounted at %q", id(d), dir, getString(mount, "mountPath"))
		}
		if cmName != "" {
			if getString(vol, "configMap", "name") != cmName {
				fail("%s: the catalog-data volume is not ConfigMap %q", id(d), cmName)
			}
			paths := map[string]string{}
			for _, it := range getList(vol, "configMap", "items") {
				paths[getString(it, "key")] = getString(it, "path")
			}
			if paths["framework.json"] != "framework.json" {
				fail("%s: framework.json is not mounted at the data directory's root", id(d))
			}
			for _, k := range keys {
				key := fmt.Sprint(k)
				if paths[key] != "indicators/"+key {
					fail("%s: indicator file %q is not mounted at indicators/%s", id(d), key, key)
				}
			}
			if len(paths) != len(keys)+1 {
				fail("%s: the catalog-data volume mounts %d keys, want framework.json and %d indicator files", id(d), len(paths), len(keys))
			}
		} else {
			for k, v := range volume {
				if fmt.Sprint(get(vol, k)) != fmt.Sprint(v) {
					fail("%s: the catalog-data volume's %s is not catalog.data.volume's", id(d), k)
				}
			}
		}
	}
}
