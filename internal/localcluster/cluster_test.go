package localcluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binaries returns the cached binaries, building them if need be.
func binaries(t *testing.T) Binaries {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a cluster; skipped in -short mode")
	}
	bins, err := Find(BuildOptions{})
	if errors.Is(err, ErrNotBuilt) {
		t.Logf("building the cluster binaries (%v)", err)
		bins, err = Build(context.Background(), BuildOptions{Logf: t.Logf})
	}
	if err != nil {
		t.Fatalf("cluster binaries are not built and could not be built (run hack/cluster build): %v", err)
	}
	return bins
}

func up(t *testing.T, opts Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts.Logf = t.Logf
	c, err := Up(ctx, opts)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	return c
}

func TestUpReuseDown(t *testing.T) {
	bins := binaries(t)
	dir := filepath.Join(t.TempDir(), "c1")
	t.Cleanup(func() { _ = Down(context.Background(), dir, DownOptions{}) })

	began := time.Now()
	c := up(t, Options{Dir: dir, Binaries: bins, Nodes: 2})
	t.Logf("cluster up in %s", time.Since(began))
	if c.Reused() {
		t.Errorf("first Up: Reused() = true")
	}
	if got := c.Nodes(); len(got) != 2 {
		t.Errorf("Nodes() = %v, want 2 nodes", got)
	}
	if _, err := os.Stat(c.Kubeconfig()); err != nil {
		t.Errorf("kubeconfig: %v", err)
	}
	if !strings.HasPrefix(c.Server(), "https://127.0.0.1:") {
		t.Errorf("Server() = %q, want loopback", c.Server())
	}

	again := up(t, Options{Dir: dir, Binaries: bins})
	if !again.Reused() || again.Server() != c.Server() {
		t.Errorf("second Up: Reused() = %t, Server() = %q; want the running cluster at %q", again.Reused(), again.Server(), c.Server())
	}

	opened, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := opened.Check(context.Background()); err != nil {
		t.Fatalf("Check on a running cluster: %v", err)
	}
	pids := opened.st.Processes
	if len(pids) != 5 {
		t.Fatalf("state records %d processes, want 5", len(pids))
	}

	began = time.Now()
	if err := c.Down(context.Background(), DownOptions{}); err != nil {
		t.Fatalf("Down: %v", err)
	}
	t.Logf("cluster down in %s", time.Since(began))
	for _, p := range pids {
		if alive(p.PID) {
			t.Errorf("%s (pid %d) still running after Down", p.Name, p.PID)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory after Down: %v, want it removed", err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoCluster) {
		t.Errorf("Open after Down: %v, want ErrNoCluster", err)
	}
}

func TestUpReplacesBrokenCluster(t *testing.T) {
	bins := binaries(t)
	dir := filepath.Join(t.TempDir(), "c2")
	t.Cleanup(func() { _ = Down(context.Background(), dir, DownOptions{}) })

	c := up(t, Options{Dir: dir, Binaries: bins})
	old := c.st.Processes
	var apiserver *proc
	for _, p := range old {
		if p.Name == "kube-apiserver" {
			apiserver = p
		}
	}
	if err := syscall.Kill(apiserver.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	apiserver.waitGone(10 * time.Second)

	c2 := up(t, Options{Dir: dir, Binaries: bins})
	if c2.Reused() {
		t.Fatalf("Up reused a cluster whose API server was killed")
	}
	for _, p := range old {
		if alive(p.PID) {
			t.Errorf("old %s (pid %d) still running after Up replaced the cluster", p.Name, p.PID)
		}
	}
	if err := c2.Check(context.Background()); err != nil {
		t.Errorf("replacement cluster: %v", err)
	}
}

// Down must not kill a process it did not start, even when a stale state
// file names its pid.
func TestDownSparesForeignProcess(t *testing.T) {
	dir := t.TempDir()
	path, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep command: %v", err)
	}
	sleep := exec.Command(path, "30") // argv[0] is the absolute path, as for our components
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })

	c := &Cluster{dir: dir, st: state{Processes: []*proc{
		// Same pid, but not our binary.
		{Name: "kube-apiserver", PID: sleep.Process.Pid, Path: "/nonexistent/kube-apiserver", Dir: dir},
		// Its own binary, but a command line that does not name the dir.
		{Name: "etcd", PID: sleep.Process.Pid, Path: path, Dir: dir},
	}}}
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	if err := Down(context.Background(), dir, DownOptions{}); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if !alive(sleep.Process.Pid) {
		t.Fatalf("Down killed pid %d, which is not one of the cluster's processes", sleep.Process.Pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory after Down: %v, want it removed", err)
	}
}

func TestFindNotBuilt(t *testing.T) {
	src, err := FindSource(".")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Find(BuildOptions{Source: src, CacheDir: t.TempDir()})
	if !errors.Is(err, ErrNotBuilt) {
		t.Fatalf("Find in an empty cache: %v, want ErrNotBuilt", err)
	}
}

func TestCacheKeyFollowsBuildModule(t *testing.T) {
	src := t.TempDir()
	mod := filepath.Join(src, "kube")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := BuildOptions{Source: src}
	kube := components()[2]
	write("module a\n")
	k1, err := o.key(kube)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := o.key(kube)
	write("module b\n")
	k3, _ := o.key(kube)
	if k1 != k2 || k1 == k3 {
		t.Errorf("keys %q, %q, %q: want stable for the same files and new after an edit", k1, k2, k3)
	}
	if !strings.HasPrefix(k1, "kube-"+KubernetesVersion+"-") {
		t.Errorf("key %q does not start with the component and version", k1)
	}
}

// The annotations documented in versions.go are the ones the stages read.
func TestStagesUseAnnotations(t *testing.T) {
	for _, a := range []string{AnnotationFail, AnnotationUnready, AnnotationRunDuration, AnnotationStartDelay} {
		if !strings.Contains(string(stages), `.metadata.annotations["`+a+`"]`) {
			t.Errorf("stages.yaml does not read the annotation %s", a)
		}
	}
	for _, a := range kwokArgs("/d", "/k", 10250) {
		if strings.HasPrefix(a, "--manage-nodes-with-annotation-selector=") && a != "--manage-nodes-with-annotation-selector="+NodeAnnotation+"=fake" {
			t.Errorf("kwok manages %s, but nodes are created with %s=fake", a, NodeAnnotation)
		}
	}
}
