package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// TestDependencyUpdateThenBuild fetches dependencies from an HTTPS chart
// repository (by URL and by @name), an OCI registry and a file:// folder with
// dependency update, rebuilds charts/ from the Chart.lock with dependency
// build, and checks that a lock out of step with Chart.yaml and an archive
// whose digest does not match the repository index are refused.
func TestDependencyUpdateThenBuild(t *testing.T) {
	u := newUser(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")

	secure := startChartRepo(t, true)
	for _, v := range []string{"0.1.0", "0.1.5", "0.2.0"} {
		secure.upload(t, u.packageChart(u.newChart(filepath.Join(src, v), "web", v), src))
	}
	secure.upload(t, u.packageChart(u.newChart(src, "api", "2.0.0"), src))
	u.ok("repo", "add", "secure", secure.URL, "--ca-file", secure.CAFile)

	reg := registrytest.Start(t, registrytest.Options{})
	for _, v := range []string{"1.2.3", "1.3.0"} {
		u.ok("push", u.packageChart(u.newChart(filepath.Join(src, v), "db", v), src), "oci://"+reg.Host+"/deps", "--plain-http")
	}
	u.newChart(dir, "local", "0.3.0")

	app := u.newChart(dir, "app", "1.0.0")
	appendFile(t, filepath.Join(app, "Chart.yaml"), `dependencies:
- name: web
  version: ^0.1.0
  repository: `+secure.URL+`
- name: api
  version: 2.x
  repository: "@secure"
- name: db
  version: ~1.2.0
  repository: oci://`+reg.Host+`/deps
- name: local
  version: 0.3.0
  repository: file://../local
`)

	out := u.ok("dependency", "update", app, "--plain-http")
	for _, want := range []string{
		"Hang tight while we grab the latest from your chart repositories...\n...Successfully got an update from the \"secure\" chart repository\nUpdate Complete. ⎈Happy Helming!⎈\nSaving 4 charts\n",
		"Downloading web from repo " + secure.URL + "\n",
		"Downloading api from repo " + secure.URL + "\n",
		"Downloading db from repo oci://" + reg.Host + "/deps\nPulled: " + reg.Host + "/deps/db:1.2.3\n",
		"Deleting outdated charts\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dependency update output lacks %q:\n%s", want, out)
		}
	}
	lock := readLock(t, app)
	got := map[string]string{}
	for _, d := range lock.Dependencies {
		got[d.Name] = d.Repository + " " + d.Version
	}
	want := map[string]string{"web": secure.URL + " 0.1.5", "api": secure.URL + " 2.0.0", "db": "oci://" + reg.Host + "/deps 1.2.3", "local": "file://../local 0.3.0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Chart.lock has %s at %q, want %q (@name is recorded as its URL, as Helm does)", k, got[k], v)
		}
	}
	charts := readCharts(t, app)
	if len(charts) != 4 {
		t.Fatalf("charts/ holds %v", keys(charts))
	}

	// A newer web appears; build still fetches the locked versions, byte for byte.
	secure.upload(t, u.packageChart(u.newChart(filepath.Join(src, "new"), "web", "0.1.9"), src))
	if err := os.RemoveAll(filepath.Join(app, "charts")); err != nil {
		t.Fatal(err)
	}
	lockBytes := readFile(t, filepath.Join(app, "Chart.lock"))
	u.ok("dependency", "build", app, "--plain-http")
	rebuilt := readCharts(t, app)
	for name, b := range charts {
		if !bytes.Equal(rebuilt[name], b) {
			t.Errorf("dependency build: %s differs from what update fetched", name)
		}
	}
	if len(rebuilt) != len(charts) || !bytes.Equal(readFile(t, filepath.Join(app, "Chart.lock")), lockBytes) {
		t.Errorf("dependency build changed charts/ (%v) or Chart.lock", keys(rebuilt))
	}
	u.ok("dependency", "build", app, "--plain-http", "--skip-refresh")
	// build --verify checks the charts that have a provenance file, and warns
	// about the others.
	key := newKeyrings(t, dir, "K", "")
	out = u.ok("dependency", "build", app, "--plain-http", "--verify", "--keyring", key.public)
	if strings.Count(out, "WARNING: Verification not found for ") != 3 {
		t.Errorf("dependency build --verify:\n%s", out)
	}
	if out := u.ok("dependency", "list", app); strings.Count(out, "\tok") != 4 {
		t.Errorf("dependency list:\n%s", out)
	}

	// A Chart.yaml changed since the lock was written is refused.
	yml := filepath.Join(app, "Chart.yaml")
	orig := readFile(t, yml)
	writeFile(t, yml, strings.Replace(string(orig), "version: ~1.2.0", "version: ~1.3.0", 1))
	u.fails("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)", "dependency", "build", app, "--plain-http")
	writeFile(t, yml, string(orig))

	// An archive swapped on the server, behind the index: its digest no longer
	// matches the index, and the build stops before touching charts/.
	evil := u.newChart(filepath.Join(src, "evil"), "web", "0.1.5")
	writeFile(t, filepath.Join(evil, "templates", "extra.yaml"), "# not what was published\n")
	swapped := u.packageChart(evil, filepath.Join(src, "evil"))
	if err := os.WriteFile(filepath.Join(secure.Dir, "web-0.1.5.tgz"), readFile(t, swapped), 0o644); err != nil {
		t.Fatal(err)
	}
	u.env["HELM_CONTENT_CACHE"] = t.TempDir()
	u.fails("digest mismatch", "dependency", "build", app, "--plain-http")
	if now := readCharts(t, app); !bytes.Equal(now["web-0.1.5.tgz"], charts["web-0.1.5.tgz"]) {
		t.Error("a refused build changed charts/")
	}

	// --verify: the dependencies are unsigned.
	u.fails(`failed to fetch provenance "`+secure.URL+"/charts/web-0.1.9.tgz.prov", "dependency", "update", app, "--plain-http", "--verify", "--keyring", key.public)

	// package --dependency-update fetches the dependencies before packaging.
	if err := os.RemoveAll(filepath.Join(app, "charts")); err != nil {
		t.Fatal(err)
	}
	archive := u.packageChart(app, filepath.Join(dir, "pkg"), "--dependency-update", "--plain-http")
	c, err := chart.LoadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	var subs []string
	for _, d := range c.Dependencies() {
		subs = append(subs, d.Name()+"-"+d.Metadata.Version)
	}
	if strings.Join(subs, ",") != "api-2.0.0,db-1.2.3,local-0.3.0,web-0.1.9" {
		t.Errorf("package -u packaged the dependencies %v", subs)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	writeFile(t, path, string(readFile(t, path))+s)
}

func readLock(t *testing.T, chartDir string) *chart.Lock {
	t.Helper()
	var l chart.Lock
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "Chart.lock")), &l); err != nil {
		t.Fatal(err)
	}
	return &l
}

// readCharts returns the files of chartDir/charts by name.
func readCharts(t *testing.T, chartDir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(chartDir, "charts"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		out[e.Name()] = readFile(t, filepath.Join(chartDir, "charts", e.Name()))
	}
	return out
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
