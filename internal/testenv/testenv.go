package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rudderpm/rudder/internal/localcluster"
)

// Annotations that the local cluster's fake nodes honour on Pods; see
// package localcluster.
const (
	AnnotationFail        = localcluster.AnnotationFail
	AnnotationUnready     = localcluster.AnnotationUnready
	AnnotationRunDuration = localcluster.AnnotationRunDuration
	AnnotationStartDelay  = localcluster.AnnotationStartDelay
)

// startTimeout bounds building nothing and starting a cluster; a cold build
// is bounded only by the test binary's -timeout.
const startTimeout = 2 * time.Minute

// Env is a cluster for tests.
type Env struct {
	kubeconfig string
	config     *rest.Config
	clientset  kubernetes.Interface
	dynamic    dynamic.Interface
	cluster    *localcluster.Cluster // nil for an external cluster
}

// Kubeconfig is the path of an admin kubeconfig for the cluster.
func (e *Env) Kubeconfig() string { return e.kubeconfig }

// RESTConfig returns a copy of the admin client configuration, free to change.
func (e *Env) RESTConfig() *rest.Config { return rest.CopyConfig(e.config) }

// Clientset is a typed client for the cluster.
func (e *Env) Clientset() kubernetes.Interface { return e.clientset }

// Dynamic is a dynamic client for the cluster (custom resources).
func (e *Env) Dynamic() dynamic.Interface { return e.dynamic }

// Local reports whether the cluster is the local control plane started for
// these tests (so the pod annotations are honoured), not an external one.
func (e *Env) Local() bool { return e.cluster != nil }

// LogDir is the directory of the local cluster's component logs, or "" for
// an external cluster.
func (e *Env) LogDir() string {
	if e.cluster == nil {
		return ""
	}
	return e.cluster.LogDir()
}

// shared is the test binary's cluster when Main is in use.
var shared struct {
	sync.Mutex
	inMain bool
	env    *Env
	err    error
	stop   func()
}

// Main runs the package's tests and stops the cluster they started, if any.
// Call it from TestMain; it does not return.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Runner is what Run runs: a *testing.M, or a wrapper of one.
type Runner interface{ Run() int }

// Run is Main for a TestMain that composes it with another wrapper (such as
// testscript.Main): it runs the tests, stops the shared cluster and returns the
// exit code.
func Run(m Runner) int {
	shared.Lock()
	shared.inMain = true
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	if shared.stop != nil {
		shared.stop()
	}
	shared.Unlock()
	return code
}

// Start returns the cluster for t: the test binary's shared one under Main
// (started on first use), otherwise one started for t alone and stopped when
// t ends. It skips t under -short, and fails it if no cluster can be had.
func Start(t testing.TB) *Env {
	t.Helper()
	if testing.Short() {
		t.Skip("testenv: integration test skipped in -short mode")
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.inMain {
		if shared.env == nil && shared.err == nil {
			shared.env, shared.stop, shared.err = start(t.Logf)
		}
		if shared.err != nil {
			t.Fatalf("testenv: %v", shared.err)
		}
		return shared.env
	}
	env, stop, err := start(t.Logf)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(stop)
	return env
}

// start finds or starts a cluster, as the environment says.
func start(logf func(string, ...any)) (*Env, func(), error) {
	if path := os.Getenv("RUDDER_TEST_KUBECONFIG"); path != "" {
		env, err := external(path)
		return env, func() {}, err
	}
	switch mode := os.Getenv("RUDDER_TEST_CLUSTER"); mode {
	case "external":
		env, err := external("")
		return env, func() {}, err
	case "", "local":
	default:
		return nil, nil, fmt.Errorf("RUDDER_TEST_CLUSTER=%q: want local or external", mode)
	}
	return startLocal(logf)
}

func startLocal(logf func(string, ...any)) (*Env, func(), error) {
	ctx := context.Background()
	progress := func(format string, args ...any) {
		// Building can take minutes: say so as it happens, not only at the end.
		fmt.Fprintf(os.Stderr, "testenv: "+format+"\n", args...)
	}
	bins, err := localcluster.Find(localcluster.BuildOptions{})
	if errors.Is(err, localcluster.ErrNotBuilt) {
		progress("the local cluster's binaries are not built (%v); building them now", err)
		bins, err = localcluster.Build(ctx, localcluster.BuildOptions{Logf: progress})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the local cluster's binaries are not built and could not be built: %w\n"+
			"Build them with hack/cluster build (CI must run it before the tests), "+
			"or point RUDDER_TEST_KUBECONFIG at a cluster", err)
	}
	tmp, err := os.MkdirTemp("", "rudder-testenv-")
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	began := time.Now()
	c, err := localcluster.Up(ctx, localcluster.Options{
		Dir:      filepath.Join(tmp, "cluster"),
		Name:     "rudder-testenv",
		Binaries: bins,
		Logf:     logf,
	})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("start local cluster: %w", err)
	}
	stop := func() {
		if err := c.Down(context.Background(), localcluster.DownOptions{}); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: stop local cluster: %v\n", err)
		}
		os.RemoveAll(tmp)
	}
	env, err := newEnv(c.Kubeconfig())
	if err != nil {
		stop()
		return nil, nil, err
	}
	env.cluster = c
	logf("testenv: local cluster %s up in %s (logs in %s)", c.Server(), time.Since(began).Round(100*time.Millisecond), c.LogDir())
	return env, stop, nil
}

// external uses the cluster of the kubeconfig at path, or of the default
// loading rules ($KUBECONFIG, ~/.kube/config) when path is "".
func external(path string) (*Env, error) {
	if path == "" {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		path = rules.GetDefaultFilename()
		if len(rules.Precedence) > 1 {
			// Several files in $KUBECONFIG: merge them into one for tools that
			// take a single path.
			cfg, err := rules.Load()
			if err != nil {
				return nil, fmt.Errorf("external cluster: %w", err)
			}
			f, err := os.CreateTemp("", "rudder-testenv-kubeconfig-")
			if err != nil {
				return nil, err
			}
			f.Close()
			if err := clientcmd.WriteToFile(*cfg, f.Name()); err != nil {
				return nil, err
			}
			path = f.Name()
		}
	}
	env, err := newEnv(path)
	if err != nil {
		return nil, fmt.Errorf("external cluster: %w", err)
	}
	return env, nil
}

// Open is an Env for the cluster of an admin kubeconfig, such as one a test
// started for itself (localcluster.Up); it starts nothing.
func Open(kubeconfig string) (*Env, error) { return newEnv(kubeconfig) }

func newEnv(kubeconfig string) (*Env, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "rudder-testenv"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Env{kubeconfig: kubeconfig, config: cfg, clientset: cs, dynamic: dyn}, nil
}
