package cli

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// webChartAt is a chart named web at a version, whose ConfigMap says that
// version.
func webChartAt(version string) string {
	return fmt.Sprintf(`-- web/Chart.yaml --
apiVersion: v2
name: web
version: %s
-- web/templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
data:
  v: %q
`, version, version)
}

// addWebChart packages web at version into the repository folder dir and
// indexes the folder again.
func (c *controllerEnv) addWebChart(dir, version string) {
	c.t.Helper()
	src := filepath.Join(c.dir, "web-"+version)
	writeTxtarFiles(c.t, src, webChartAt(version))
	c.rudder("package", filepath.Join(src, "web"), "-d", dir)
	c.rudder("repo", "index", dir)
}

// startFileRepository serves the files of dir on 127.0.0.1, as a static chart
// repository is served, and returns its URL.
func startFileRepository(t *testing.T, dir string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

// webRelease is a HelmRelease of web at version from the HelmRepository repo.
func webRelease(name, repo, version string) string {
	return strings.NewReplacer(`">=1.0.0 <1.1.0"`, strconv.Quote(version), "name: charts}", "name: "+repo+"}").Replace(helmRelease(name, ""))
}

func (c *controllerEnv) helmRepository(name, url, interval, timeout string) {
	c.t.Helper()
	c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: %s}
spec: {url: %q, interval: %s, timeout: %s}
`, name, url, interval, timeout))
}

// ociRepository applies the OCIRepository name of the env's namespace; spec is
// the inside of its flow mapping (url: ..., ref: ..., interval: ...).
func (c *controllerEnv) ociRepository(name, spec string) {
	c.t.Helper()
	c.apply(ociRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: %s}
spec: {%s}
`, name, spec))
}

// waitArtifactFailed waits at most within for a HelmRelease to be Ready=False
// with ArtifactFailed, and returns its message.
func (c *controllerEnv) waitArtifactFailed(name string, within time.Duration) string {
	c.t.Helper()
	return c.waitNotReady(name, "ArtifactFailed", within)
}

// waitNotReady waits at most within for a HelmRelease to be Ready=False
// with reason, and returns the condition's message.
func (c *controllerEnv) waitNotReady(name, reason string, within time.Duration) string {
	c.t.Helper()
	var last string
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s, r, m := condition(c.hr(name), "Ready")
		if s == "False" && r == reason {
			return m
		}
		last = fmt.Sprintf("Ready=%s reason=%s message=%q", s, r, m)
	}
	c.t.Fatalf("HelmRelease/%s: not Ready=False with %s within %v; last seen %s", name, reason, within, last)
	return ""
}

// TestControllerRepositorySource covers what the controller does with a
// HelmRepository's index and timeout, with the controller as a process and a
// static repository on loopback behind a front that fails on demand.
func TestControllerRepositorySource(t *testing.T) {
	useCRDs(t, nil)
	c := startControllerEnv(t)
	dir := t.TempDir()
	c.addWebChart(dir, "1.0.0")
	c.addWebChart(dir, "1.1.0")
	files := startFileRepository(t, dir)

	// When the index expires and fetching it fails (500, then no answer),
	// the HelmRepository is Ready=False, and HelmReleases keep being served
	// from the last good index, as Flux keeps serving a source's last
	// artifact; a version that index lacks fails, naming the repository and
	// the fetch error; once the repository answers, its new index is used.
	t.Run("last good index", func(t *testing.T) {
		c.t = t
		flaky, flakyURL := startFlakyRepository(t, files, 20*time.Second)
		c.helmRepository("flaky", flakyURL, "2s", "2s")
		// Both versions are installed once while the repository is up, so
		// that their archives are in the controller's content cache.
		c.apply(helmReleaseGVR, webRelease("kept", "flaky", "1.0.0"))
		c.apply(helmReleaseGVR, webRelease("other", "flaky", "1.1.0"))
		c.waitReady("kept", "True", "InstallSucceeded")
		c.waitReady("other", "True", "InstallSucceeded")

		c.addWebChart(dir, "1.2.0") // not in the index the controller holds
		flaky.mode.Store(repoFailing)
		c.waitRepository("flaky", "False", "Failed", "500")
		c.patch("kept", `{"spec":{"chart":{"spec":{"version":"1.1.0"}}}}`)
		c.waitReady("kept", "True", "UpgradeSucceeded")
		c.apply(helmReleaseGVR, webRelease("late", "flaky", "1.0.0"))
		c.waitReady("late", "True", "InstallSucceeded")
		c.apply(helmReleaseGVR, webRelease("newest", "flaky", "1.2.0"))
		msg := c.waitArtifactFailed("newest", 30*time.Second)
		t.Logf("HelmRelease/newest: %s", msg)
		if !strings.Contains(msg, "HelmRepository/"+c.ns+"/flaky") || !strings.Contains(msg, "500") || !strings.Contains(msg, `"1.2.0"`) {
			t.Errorf("HelmRelease/newest: Ready message %q does not name the version, the repository and its 500", msg)
		}

		flaky.mode.Store(repoSlow)
		c.waitRepository("flaky", "False", "Failed", "exceeded")
		began := time.Now()
		c.patch("kept", `{"spec":{"chart":{"spec":{"version":"1.0.0"}}}}`)
		c.waitReady("kept", "True", "UpgradeSucceeded")
		t.Logf("HelmRelease/kept upgraded from the last good index %v after the change, the repository not answering", time.Since(began).Round(100*time.Millisecond))
		for name, want := range map[string]string{"kept": "1.0.0", "other": "1.1.0", "late": "1.0.0"} {
			if got := c.configMap(name + "-web")["v"]; got != want {
				t.Errorf("ConfigMap %s-web v = %q, want %s", name, got, want)
			}
		}

		flaky.mode.Store(repoUp)
		c.waitReady("newest", "True", "InstallSucceeded")
		if got := c.configMap("newest-web")["v"]; got != "1.2.0" {
			t.Errorf("ConfigMap newest-web v = %q, want 1.2.0", got)
		}
		c.waitRepository("flaky", "True", "Succeeded", "stored artifact")
	})

	// A HelmRepository's spec.timeout bounds its chart downloads and index
	// fetches: a repository that does not answer fails within seconds.
	t.Run("timeout", func(t *testing.T) {
		c.t = t
		c.addWebChart(dir, "1.3.0") // in no one's cache yet
		charts, chartsURL := startFlakyRepository(t, files, time.Minute)
		charts.mode.Store(repoSlowCharts)
		c.helmRepository("slowcharts", chartsURL, "1m", "1s")
		began := time.Now()
		c.apply(helmReleaseGVR, webRelease("slowchart", "slowcharts", "1.3.0"))
		msg := c.waitArtifactFailed("slowchart", 10*time.Second)
		t.Logf("HelmRelease/slowchart failed %v after it was applied: %s", time.Since(began).Round(100*time.Millisecond), msg)
		if !strings.Contains(msg, "HelmRepository/"+c.ns+"/slowcharts") || !strings.Contains(msg, "web-1.3.0.tgz") {
			t.Errorf("HelmRelease/slowchart: Ready message %q does not name the repository and the chart", msg)
		}

		index, indexURL := startFlakyRepository(t, files, time.Minute)
		index.mode.Store(repoSlow)
		began = time.Now()
		c.helmRepository("slowindex", indexURL, "1m", "1s")
		c.waitRepository("slowindex", "False", "Failed", "exceeded")
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("HelmRepository/slowindex: the index fetch failed after %v, want within its 1s timeout and a few seconds", d.Round(100*time.Millisecond))
		}
		charts.mode.Store(repoUp)
	})
}

// TestControllerOCIRepositoryTimeout: an OCIRepository's spec.timeout bounds
// the pull of its chart, with the controller as a process and a registry on
// loopback behind a front that holds its blobs: the OCIRepository is
// Ready=False with Flux's OCIArtifactPullFailed, a HelmRelease of it fails,
// naming the OCIRepository, both within seconds; once the blobs come, the
// OCIRepository has an artifact and the HelmRelease is installed.
func TestControllerOCIRepositoryTimeout(t *testing.T) {
	useCRDs(t, nil)
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
	front, frontURL := startFlakyRepository(t, "http://"+reg.Host, time.Minute)
	front.mode.Store(repoSlowBlobs)
	began := time.Now()
	c.ociRepository("hanging", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, insecure: true, interval: 2s, timeout: 1s`, strings.TrimPrefix(frontURL, "http://")))
	c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromhanging}
spec:
  interval: 2s
  chartRef: {kind: OCIRepository, name: hanging}
`)
	// Until the OCIRepository's first pull ends, the HelmRelease says its
	// generation has not been reconciled; then, the pull's error.
	msg := c.waitNotReady("fromhanging", "SourceNotReady", 10*time.Second)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(msg, "timeout of 1s") && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		msg = c.waitNotReady("fromhanging", "SourceNotReady", 10*time.Second)
	}
	t.Logf("HelmRelease/fromhanging failed %v after it was applied: %s", time.Since(began).Round(100*time.Millisecond), msg)
	// Flux's helm-controller words a source it cannot use so.
	if !strings.HasPrefix(msg, "OCIRepository '"+c.ns+"/hanging' is not ready: ") || !strings.Contains(msg, "timeout of 1s") {
		t.Errorf("HelmRelease/fromhanging: Ready message %q does not say, as Flux does, that the OCIRepository is not ready, and why (its timeout)", msg)
	}
	u := c.waitSource(ociRepositoryGVR, "hanging", "False", "OCIArtifactPullFailed", "timeout of 1s")
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("OCIRepository/hanging: Ready=False %v after it was applied, want within its 1s timeout and a few seconds", d.Round(100*time.Millisecond))
	}
	if s, r, _ := condition(u, "FetchFailed"); s != "True" || r != "OCIArtifactPullFailed" {
		t.Errorf("OCIRepository/hanging: FetchFailed=%s reason %s, want True with OCIArtifactPullFailed", s, r)
	}

	front.mode.Store(repoUp)
	u = c.waitSource(ociRepositoryGVR, "hanging", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	if s, _, _ := condition(u, "FetchFailed"); s != "" {
		t.Errorf("OCIRepository/hanging: FetchFailed=%s after a pull that worked, want none", s)
	}
	if rev, _, _ := unstructured.NestedString(u.Object, "status", "artifact", "revision"); !strings.HasPrefix(rev, "1.0.0@sha256:") {
		t.Errorf("OCIRepository/hanging: artifact revision %q, want 1.0.0@sha256:<manifest digest>", rev)
	}
	c.waitReady("fromhanging", "True", "InstallSucceeded")
}
