package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rudderpm/rudder/internal/localcluster"
)

// TestAPIServerDiesMidOperation kills the API server while install, upgrade and
// rollback run, at several points of their run. The rudder process must end by
// itself with an error that says the cluster cannot be reached (no panic, no
// stack), and once the API server is back the next operation must succeed
// without any manual repair and leave a consistent history.
//
// It runs a cluster of its own, since it stops that cluster's API server.
func TestAPIServerDiesMidOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster; skipped in -short mode")
	}
	c := startOwnCluster(t, "rudder-apiserver-fault")
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const ns = "fault"
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The hooks run long enough for the API server to die while they are awaited.
	chartDir := filepath.Join(dir, "fault")
	writeTxtarFiles(t, chartDir, strings.ReplaceAll(faultChart, `"400ms"`, `"1500ms"`))
	// --timeout bounds every wait, so a rudder that waits for a dead API server
	// still ends; exitBound is how long it may take beyond that.
	const timeout = 5 * time.Second
	const exitBound = timeout + 30*time.Second

	run := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, self, args...)
		cmd.Env = append(os.Environ(), selfCLIEnv+"=1", "KUBECONFIG="+c.Kubeconfig(), "HELM_NAMESPACE="+ns, "HOME="+dir)
		return cmd
	}
	mustRun := func(args ...string) {
		t.Helper()
		if out, err := run(t.Context(), args...).CombinedOutput(); err != nil {
			t.Fatalf("rudder %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	to := "--timeout=" + timeout.String()
	ops := []struct {
		name    string
		prepare [][]string // commands run before the one the API server dies under
		op      []string
		recover []string // the next operation, which must succeed
	}{
		{"upgrade", [][]string{{"install", "r", chartDir}},
			[]string{"upgrade", "r", chartDir, "--set", "v=2", to}, []string{"upgrade", "r", chartDir, "--set", "v=9"}},
		{"install", nil,
			[]string{"install", "r", chartDir, to}, []string{"upgrade", "--install", "r", chartDir, "--set", "v=9"}},
		{"rollback", [][]string{{"install", "r", chartDir}, {"upgrade", "r", chartDir, "--set", "v=2"}},
			[]string{"rollback", "r", "1", to}, []string{"rollback", "r", "1"}},
	}
	// Where the API server dies, as a share of the operation's uninterrupted run.
	// Each point costs a restart of the API server (and of the controllers that
	// watch it) and the recovery after it, some 10-30s, so the suite tries four;
	// RUDDER_FULL_FAULTS=1 tries all twelve.
	points := map[string][]float64{"upgrade": {0.2, 0.6}, "install": {0.5}, "rollback": {0.5}}
	if os.Getenv("RUDDER_FULL_FAULTS") != "" {
		for name := range points {
			points[name] = []float64{0, 0.2, 0.5, 0.8}
		}
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			reset := func() {
				_ = run(t.Context(), "uninstall", "r", "--ignore-not-found", "--no-hooks").Run()
				for _, p := range op.prepare {
					mustRun(append(p, "--no-hooks")...)
				}
			}
			reset()
			start := time.Now()
			mustRun(op.op...)
			full := time.Since(start)
			t.Logf("%s takes %v uninterrupted", op.name, full.Round(time.Millisecond))

			for _, at := range points[op.name] {
				delay := time.Duration(float64(full) * at)
				reset()
				cmd := run(t.Context(), op.op...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				began := time.Now()
				time.Sleep(delay)
				if err := c.StopAPIServer(t.Context()); err != nil {
					t.Fatalf("stopping the API server: %v", err)
				}
				killed := time.Since(began)
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				var runErr error
				select {
				case runErr = <-exited:
				case <-time.After(exitBound):
					_ = cmd.Process.Kill()
					<-exited
					t.Errorf("API server killed after %v: rudder %s still running %v later\n%s", killed.Round(time.Millisecond), op.name, exitBound, &out)
				}
				took := time.Since(began)
				msg := strings.TrimSpace(out.String())
				if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
					t.Errorf("API server killed after %v: rudder %s panicked or printed a stack:\n%s", killed.Round(time.Millisecond), op.name, msg)
				}
				var exit *exec.ExitError
				switch {
				case runErr == nil:
					t.Logf("killed after %v: %s had finished (%v)", killed.Round(time.Millisecond), op.name, took.Round(time.Millisecond))
				case errors.As(runErr, &exit):
					if line := errorLine(msg); !mentionsUnreachable(line) {
						t.Errorf("API server killed after %v: rudder %s's error does not say the cluster is unreachable:\n%s", killed.Round(time.Millisecond), op.name, msg)
					}
					t.Logf("killed after %v: %s exited %d after %v: %s", killed.Round(time.Millisecond), op.name, exit.ExitCode(), took.Round(time.Millisecond), msg)
				default:
					t.Errorf("rudder %s: %v", op.name, runErr)
				}

				restart := time.Now()
				if err := c.StartAPIServer(t.Context()); err != nil {
					t.Fatalf("restarting the API server: %v", err)
				}
				recStart := time.Now()
				rec, err := run(t.Context(), op.recover...).CombinedOutput()
				t.Logf("restart %v, recovery %v", recStart.Sub(restart).Round(time.Millisecond), time.Since(recStart).Round(time.Millisecond))
				if err != nil {
					t.Errorf("API server killed after %v during %s: recovery %q failed: %v\n%s", killed.Round(time.Millisecond), op.name, strings.Join(op.recover, " "), err, rec)
				} else if problem := checkHistory(t, cs, ns, "r"); problem != "" {
					t.Errorf("API server killed after %v during %s: %s", killed.Round(time.Millisecond), op.name, problem)
				}
			}
		})
	}
}

// mentionsUnreachable tells whether an error message says the API server could
// not be reached.
func mentionsUnreachable(msg string) bool {
	for _, s := range []string{"cluster unreachable", "API server did not answer", "connection refused", "connection reset by peer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// errorLine is the line of rudder's output that starts with "Error: ".
func errorLine(out string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "Error: ") {
			return line
		}
	}
	return ""
}

// startOwnCluster starts a local control plane for t alone, named name, and
// stops it when t ends.
func startOwnCluster(t *testing.T, name string) *localcluster.Cluster {
	t.Helper()
	bins, err := localcluster.Find(localcluster.BuildOptions{})
	if err != nil {
		t.Fatalf("the local cluster's binaries (hack/cluster build): %v", err)
	}
	dir := filepath.Join(t.TempDir(), name)
	t.Cleanup(func() {
		if err := localcluster.Down(context.Background(), dir, localcluster.DownOptions{}); err != nil {
			t.Errorf("stopping cluster %s: %v", name, err)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.Up(ctx, localcluster.Options{Dir: dir, Name: name, Binaries: bins, Logf: t.Logf})
	if err != nil {
		t.Fatalf("starting cluster %s: %v", name, err)
	}
	return c
}
