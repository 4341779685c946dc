package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/testenv"
)

// settleChart's post-install and post-upgrade hook runs a few seconds, so that
// an API server can die while the controller's releases wait for it.
const settleChart = `-- settle/Chart.yaml --
apiVersion: v2
name: settle
version: 1.0.0
-- settle/templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settle
data:
  v: {{ .Values.v | default "1" | quote }}
-- settle/templates/job.yaml --
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-settle
  annotations:
    helm.sh/hook: post-install,post-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        rudder.test/run-duration: "4s"
    spec:
      restartPolicy: Never
      containers:
      - name: settle
        image: busybox
`

// TestControllerAPIServerRestart kills the API server of a cluster of the
// test's own while the controller installs, and again while it upgrades, six
// HelmReleases whose hooks take seconds, and starts it again: every
// HelmRelease converges (Ready with its values applied) and no release record
// is left pending-install or pending-upgrade.
// It takes minutes: it runs without -short and with RUDDER_FULL_FAULTS=1.
func TestControllerAPIServerRestart(t *testing.T) {
	if testing.Short() || os.Getenv("RUDDER_FULL_FAULTS") == "" {
		t.Skip("minutes of API server restarts: set RUDDER_FULL_FAULTS=1 without -short")
	}
	cl := startOwnCluster(t, "rudder-controller-apiserver")
	env, err := testenv.Open(cl.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	c := startControllerEnvOn(t, env, settleChart)
	restarts := superviseController(t, c)
	t.Cleanup(c.deleteAll) // before the supervised controller stops
	const n = 6
	name := func(i int) string { return fmt.Sprintf("r%d", i) }
	release := func(i int) string {
		return strings.NewReplacer("chart: web", "chart: settle", `">=1.0.0 <1.1.0"`, `"1.0.0"`).Replace(helmRelease(name(i), ""))
	}
	secrets := env.Clientset().CoreV1().Secrets(c.ns)
	pending := func() []string {
		l, err := secrets.List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm"})
		if err != nil {
			return nil
		}
		var out []string
		for _, s := range l.Items {
			if strings.HasPrefix(s.Labels["status"], "pending") {
				out = append(out, s.Name+" "+s.Labels["status"])
			}
		}
		return out
	}
	var back time.Time
	restart := func(what string) {
		t.Helper()
		waitUntil(t, what+" under way", func() bool { return len(pending()) > 0 })
		if err := cl.StopAPIServer(t.Context()); err != nil {
			t.Fatalf("stopping the API server: %v", err)
		}
		time.Sleep(5 * time.Second)
		if err := cl.StartAPIServer(t.Context()); err != nil {
			t.Fatalf("starting the API server: %v", err)
		}
		back = time.Now()
	}
	converged := func(reason, v string) {
		t.Helper()
		for i := range n {
			c.waitReady(name(i), "True", reason)
			if got := c.configMap(name(i) + "-settle")["v"]; got != v {
				t.Errorf("ConfigMap %s-settle v = %q, want %s", name(i), got, v)
			}
		}
		if p := pending(); len(p) > 0 {
			t.Errorf("release records left pending: %v", p)
		}
		t.Logf("%d HelmReleases %s %v after the API server was back", n, reason, time.Since(back).Round(time.Second))
	}

	for i := range n {
		c.apply(helmReleaseGVR, release(i))
	}
	restart("the installs")
	converged("InstallSucceeded", "1")

	for i := range n {
		c.patch(name(i), `{"spec":{"values":{"v":"2"}}}`)
	}
	restart("the upgrades")
	converged("UpgradeSucceeded", "2")
	t.Logf("the controller exited and was started again %d time(s)", restarts.Load())
}

// superviseController stops the env's controller and runs it as a Deployment
// would: whenever it exits (a leader that cannot renew its Lease while the API
// server is away exits, as Flux's controllers do), another starts. It returns
// the count of restarts; the last controller stops when the test ends.
func superviseController(t *testing.T, c *controllerEnv) *atomic.Int32 {
	_ = c.controller.Process.Signal(syscall.SIGTERM)
	var restarts atomic.Int32
	var logs lockedBuffer
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			cmd := c.cmd(context.Background(), c.controllerArgs()...)
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				fmt.Fprintf(&logs, "starting the controller: %v\n", err)
				return
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-stop:
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(20 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
				return
			case err := <-exited:
				restarts.Add(1)
				fmt.Fprintf(&logs, "--- the controller exited (%v); starting another\n", err)
				time.Sleep(time.Second)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
		if t.Failed() {
			t.Logf("supervised controllers:\n%s", logs.String())
		}
	})
	return &restarts
}

// flakyRepository stands in front of a chart repository or a registry on
// loopback: it passes requests on, answers 500, or holds every answer (or
// only those of chart archives, or of a registry's blobs) for a while.
type flakyRepository struct {
	mode  atomic.Int32
	delay time.Duration
	proxy *httputil.ReverseProxy
}

const (
	repoUp = iota
	repoFailing
	repoSlow
	repoSlowCharts
	repoSlowBlobs
)

func (f *flakyRepository) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode := f.mode.Load()
	if mode == repoFailing {
		http.Error(w, "the repository is down for the test", http.StatusInternalServerError)
		return
	}
	if mode == repoSlow || mode == repoSlowCharts && strings.HasSuffix(r.URL.Path, ".tgz") ||
		mode == repoSlowBlobs && strings.Contains(r.URL.Path, "/blobs/") {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	f.proxy.ServeHTTP(w, r)
}

// startFlakyRepository serves a flaky front of the repository at target on
// 127.0.0.1 and returns it and its URL.
func startFlakyRepository(t *testing.T, target string, delay time.Duration) (*flakyRepository, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyRepository{delay: delay, proxy: httputil.NewSingleHostReverseProxy(u)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f, "http://" + l.Addr().String()
}

// TestControllerRepositoryErrors puts a chart repository that answers 500,
// and then one that answers too slowly, in front of HelmReleases: while it
// fails, the HelmRepository is Ready=False with Flux's reason Failed and the
// HelmRelease Ready=False with ArtifactFailed, both saying what went wrong;
// HelmReleases of a healthy repository are installed meanwhile; once the
// repository answers again, the waiting HelmReleases are installed without
// anyone touching them.
func TestControllerRepositoryErrors(t *testing.T) {
	useCRDs(t, nil)
	c := startControllerEnv(t)
	repoURL, _, _ := strings.Cut(strings.TrimPrefix(c.hrepoURL("charts"), "http://"), "/")
	flaky, flakyURL := startFlakyRepository(t, "http://"+repoURL, 20*time.Second)
	flaky.mode.Store(repoFailing)
	c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: flaky}
spec: {url: %q, interval: 2s, timeout: 3s}
`, flakyURL))
	fromFlaky := func(name string) string {
		return strings.Replace(helmRelease(name, ""), "name: charts}", "name: flaky}", 1)
	}

	t.Run("failing", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fromFlaky("down"))
		c.apply(helmReleaseGVR, helmRelease("healthy", ""))
		u := c.waitReady("down", "False", "ArtifactFailed")
		if _, _, msg := condition(u, "Ready"); !strings.Contains(msg, "HelmRepository/"+c.ns+"/flaky") || !strings.Contains(msg, "500") {
			t.Errorf("HelmRelease/down: Ready message %q does not name the repository and its 500", msg)
		}
		c.waitRepository("flaky", "False", "Failed", "failed to fetch Helm repository index")
		c.waitReady("healthy", "True", "InstallSucceeded")
		flaky.mode.Store(repoUp)
		up := time.Now()
		c.waitReady("down", "True", "InstallSucceeded")
		t.Logf("HelmRelease/down installed %v after the repository answered again", time.Since(up).Round(100*time.Millisecond))
		c.waitRepository("flaky", "True", "Succeeded", "stored artifact")
	})

	t.Run("slow", func(t *testing.T) {
		c.t = t
		// A repository whose index was never fetched, so that nothing of it is
		// in memory: its answers come after 20 s, past its 3 s timeout.
		flaky.mode.Store(repoSlow)
		c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: sluggish}
spec: {url: %q, interval: 2s, timeout: 3s}
`, flakyURL))
		began := time.Now()
		c.apply(helmReleaseGVR, strings.Replace(helmRelease("slow", ""), "name: charts}", "name: sluggish}", 1))
		c.apply(helmReleaseGVR, helmRelease("meanwhile", ""))
		c.waitReady("meanwhile", "True", "InstallSucceeded")
		if d := time.Since(began); d > 15*time.Second {
			t.Errorf("a HelmRelease of a healthy repository took %v while another repository was slow", d.Round(time.Second))
		}
		c.waitRepository("sluggish", "False", "Failed", "failed to fetch Helm repository index")
		u := c.waitReady("slow", "False", "ArtifactFailed")
		t.Logf("HelmRelease/slow failed %v after it was applied", time.Since(began).Round(100*time.Millisecond))
		if _, _, msg := condition(u, "Ready"); !strings.Contains(msg, "HelmRepository/"+c.ns+"/sluggish") {
			t.Errorf("HelmRelease/slow: Ready message %q does not name the repository", msg)
		}
		flaky.mode.Store(repoUp)
		up := time.Now()
		c.waitReady("slow", "True", "InstallSucceeded")
		t.Logf("HelmRelease/slow installed %v after the repository answered again", time.Since(up).Round(100*time.Millisecond))
	})
}

// hrepoURL is the URL of a HelmRepository.
func (c *controllerEnv) hrepoURL(name string) string {
	c.t.Helper()
	u, err := c.dyn.Resource(helmRepositoryGVR).Namespace(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	s, _, _ := unstructured.NestedString(u.Object, "spec", "url")
	return s
}

// waitRepository waits until a HelmRepository's Ready condition has the
// status and reason wanted and its message says want.
func (c *controllerEnv) waitRepository(name, status, reason, want string) {
	c.t.Helper()
	c.waitSource(helmRepositoryGVR, name, status, reason, want)
}

// waitSource waits until a source's Ready condition has the status and
// reason wanted and its message says want, and returns the source.
func (c *controllerEnv) waitSource(gvr schema.GroupVersionResource, name, status, reason, want string) *unstructured.Unstructured {
	c.t.Helper()
	var last string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		u, err := c.dyn.Resource(gvr).Namespace(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
		if err != nil {
			c.t.Fatal(err)
		}
		s, r, m := condition(u, "Ready")
		last = fmt.Sprintf("Ready=%s reason=%s message=%q", s, r, m)
		if s == status && r == reason && strings.Contains(m, want) {
			return u
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Fatalf("%s/%s: want Ready=%s reason=%s saying %q; last seen %s", gvr.Resource, name, status, reason, want, last)
	return nil
}
