package cli

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// countingRegistry stands on 127.0.0.1 in front of a registry: it counts the
// manifest requests that reach it, and can be stopped (connections refused)
// and started again on the same address.
type countingRegistry struct {
	t     *testing.T
	addr  string
	proxy *httputil.ReverseProxy
	// manifestGETs and manifestHEADs count requests for manifests.
	manifestGETs, manifestHEADs atomic.Int64

	mu  sync.Mutex
	srv *http.Server
}

func startCountingRegistry(t *testing.T, reg *registrytest.Registry) *countingRegistry {
	u, err := url.Parse("http://" + reg.Host)
	if err != nil {
		t.Fatal(err)
	}
	f := &countingRegistry{t: t, proxy: httputil.NewSingleHostReverseProxy(u)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	f.serve(l)
	t.Cleanup(f.stop)
	return f
}

func (f *countingRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "/manifests/") {
		switch r.Method {
		case http.MethodGet:
			f.manifestGETs.Add(1)
		case http.MethodHead:
			f.manifestHEADs.Add(1)
		}
	}
	f.proxy.ServeHTTP(w, r)
}

func (f *countingRegistry) serve(l net.Listener) {
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// stop closes the listener and every connection: the registry is down.
func (f *countingRegistry) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv != nil {
		_ = f.srv.Close()
		f.srv = nil
	}
}

// restart listens on the same address again.
func (f *countingRegistry) restart() {
	var l net.Listener
	var err error
	for range 50 {
		if l, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("listen again on %s: %v", f.addr, err)
	}
	f.serve(l)
}

// startCountedOCIRepository starts the controller and a registry behind a
// counting front, pushes web 1.0.0 and makes the OCIRepository web of its tag
// 1.0.0 through the front, looked at every second.
func startCountedOCIRepository(t *testing.T) (*controllerEnv, *registrytest.Registry, *countingRegistry) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	front := startCountingRegistry(t, reg)
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
	c.ociRepository("web", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, interval: 1s`, front.addr))
	return c, reg, front
}

// ociRelease is a HelmRelease named name of the OCIRepository web.
func ociRelease(name, interval string) string {
	return fmt.Sprintf(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: %s}
spec:
  interval: %s
  chartRef: {kind: OCIRepository, name: web}
`, name, interval)
}

// repushWeb pushes, under web's tag 1.0.0, a chart whose ConfigMap's v is
// "1.0.0", straight to the registry.
func (c *controllerEnv) repushWeb(reg *registrytest.Registry) {
	src := filepath.Join(c.dir, "again")
	writeTxtarFiles(c.t, src, webChartAt("1.0.0")+"-- web/README.md --\npushed again\n")
	c.rudder("package", filepath.Join(src, "web"), "-d", src)
	c.rudder("push", filepath.Join(src, "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
}

// artifactOf is an OCIRepository's artifact revision and digest.
func (c *controllerEnv) artifactOf(name string) (revision, digest string) {
	c.t.Helper()
	u, err := c.dyn.Resource(ociRepositoryGVR).Namespace(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	revision, _, _ = unstructured.NestedString(u.Object, "status", "artifact", "revision")
	digest, _, _ = unstructured.NestedString(u.Object, "status", "artifact", "digest")
	return revision, digest
}

// cachedCharts lists the chart archives in the controller's content cache.
func (c *controllerEnv) cachedCharts() []string {
	c.t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(c.dir, "cache"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".chart") {
			out = append(out, strings.TrimSuffix(filepath.Base(p), ".chart"))
		}
		return nil
	})
	return out
}

// TestControllerOCIRepositoryPullsOnce puts three HelmReleases on one
// OCIRepository behind a front that counts manifest requests: the chart is
// pulled once per digest, by the OCIRepository, and installed by the
// releases from the content cache; intervals that find the same digest ask
// with HEAD only. A tag pushed again is pulled once more, rolled out to all
// three, and the old digest's chart leaves the cache.
func TestControllerOCIRepositoryPullsOnce(t *testing.T) {
	c, reg, front := startCountedOCIRepository(t)
	names := []string{"one", "two", "three"}
	for _, n := range names {
		c.apply(helmReleaseGVR, ociRelease(n, "2s"))
	}
	for _, n := range names {
		c.waitReady(n, "True", "InstallSucceeded")
	}
	// A few intervals of the OCIRepository and of the releases.
	time.Sleep(5 * time.Second)
	gets, heads := front.manifestGETs.Load(), front.manifestHEADs.Load()
	t.Logf("after the install and 5s: %d manifest GETs, %d HEADs", gets, heads)
	if gets != 1 {
		t.Errorf("%d manifest GETs for one digest and three HelmReleases, want 1", gets)
	}
	if heads == 0 {
		t.Errorf("no manifest HEAD in 5s of an OCIRepository pulled every 1s")
	}
	_, oldDigest := c.artifactOf("web")

	c.repushWeb(reg)
	for _, n := range names {
		u := c.waitReady(n, "True", "UpgradeSucceeded")
		if got := c.configMap(n + "-web")["v"]; got != "1.0.0" {
			t.Errorf("HelmRelease/%s: ConfigMap v = %q after the tag was pushed again, want the new chart's 1.0.0 (%v)", n, got, u.Object["status"])
		}
	}
	time.Sleep(3 * time.Second)
	gets = front.manifestGETs.Load()
	t.Logf("after the new digest and 3s: %d manifest GETs, %d HEADs", gets, front.manifestHEADs.Load())
	if gets != 2 {
		t.Errorf("%d manifest GETs for two digests and three HelmReleases, want 2", gets)
	}
	_, newDigest := c.artifactOf("web")
	cached := strings.Join(c.cachedCharts(), " ")
	if strings.Contains(cached, strings.TrimPrefix(oldDigest, "sha256:")) || !strings.Contains(cached, strings.TrimPrefix(newDigest, "sha256:")) {
		t.Errorf("content cache holds %q; want the new artifact %s and not the superseded %s", cached, newDigest, oldDigest)
	}
}

// TestControllerOCIRepositoryLastArtifact stops the registry under an
// OCIRepository: it is Ready=False with the pull's error and keeps its
// artifact (ArtifactInStorage stays True), as Flux's source-controller does,
// and a values change of its HelmRelease is upgraded from that artifact.
// Once the registry is back, a tag pushed again meanwhile is rolled out.
func TestControllerOCIRepositoryLastArtifact(t *testing.T) {
	c, reg, front := startCountedOCIRepository(t)
	c.apply(helmReleaseGVR, ociRelease("fromoci", "1h"))
	c.waitReady("fromoci", "True", "InstallSucceeded")
	rev, _ := c.artifactOf("web")

	front.stop()
	u := c.waitSource(ociRepositoryGVR, "web", "False", "OCIArtifactPullFailed", "connection refused")
	if got, _ := c.artifactOf("web"); got != rev {
		t.Errorf("OCIRepository/web: artifact revision %q after a failed pull, want the last one %q", got, rev)
	}
	if s, _, _ := condition(u, "ArtifactInStorage"); s != "True" {
		t.Errorf("OCIRepository/web: ArtifactInStorage=%q after a failed pull, want True", s)
	}
	c.patch("fromoci", `{"spec":{"values":{"extra":"kept"}}}`)
	u = c.waitReady("fromoci", "True", "UpgradeSucceeded")
	if got := c.configMap("fromoci-web")["extra"]; got != "kept" {
		t.Errorf("HelmRelease/fromoci: ConfigMap extra = %q after a values change with the registry down, want kept (%v)", got, u.Object["status"])
	}

	c.repushWeb(reg)
	front.restart()
	c.waitSource(ociRepositoryGVR, "web", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	deadline := time.Now().Add(90 * time.Second)
	for c.configMap("fromoci-web")["v"] != "1.0.0" {
		if time.Now().After(deadline) {
			t.Fatalf("HelmRelease/fromoci: the chart pushed again while the registry was down was not rolled out; ConfigMap %v", c.configMap("fromoci-web"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got, _ := c.artifactOf("web"); got == rev {
		t.Errorf("OCIRepository/web: artifact revision %q after the tag was pushed again, want a new one", got)
	}
}
