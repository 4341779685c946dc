package localcluster

import (
	"context"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rudderpm/rudder/internal/atomicfile"
)

//go:embed stages.yaml
var stages []byte

// ErrNoCluster reports that a directory holds no cluster state.
var ErrNoCluster = errors.New("no cluster")

// errPortInUse marks a start that failed because another process took a port
// between freePorts and the component binding it.
var errPortInUse = errors.New("address already in use")

// Network ranges of the cluster. Nothing routes to them: Services get
// addresses that no proxy serves, and kwok hands out Pod IPs from PodCIDR.
const (
	ServiceCIDR = "10.96.0.0/16"
	PodCIDR     = "10.244.0.0/16"
)

// Options configures Up.
type Options struct {
	// Dir holds all of the cluster: certificates, keys, etcd data, logs,
	// kubeconfig and the state file. Required. Up creates it; Down removes it.
	Dir string
	// Name names the cluster, user and context in the kubeconfig.
	// Zero: "rudder-" followed by the base name of Dir.
	Name string
	// Binaries are the executables to run (from Build or Find). Required.
	Binaries Binaries
	// Nodes is the number of fake nodes. Zero: 1.
	Nodes int
	// Detach lets the processes outlive the caller (hack/cluster up). By
	// default they are tied to the calling process where the platform allows
	// (Linux), so a killed test binary leaves no cluster running.
	Detach bool
	// Logf receives progress lines. Nil: progress is dropped.
	Logf func(format string, args ...any)
}

// DownOptions configures Down. The zero value stops the cluster and removes
// its directory.
type DownOptions struct {
	// KeepDir leaves the directory (logs, etcd data) in place.
	KeepDir bool
}

// Cluster is a running local control plane.
type Cluster struct {
	dir    string
	st     state
	reused bool
}

// state is what Up records in <dir>/state.json, for Open, Check and Down.
type state struct {
	Name      string            `json:"name"`
	Server    string            `json:"server"`
	Versions  map[string]string `json:"versions"`
	Nodes     []string          `json:"nodes"`
	Started   time.Time         `json:"started"`
	Processes []*proc           `json:"processes"`
}

// Dir is the cluster's directory.
func (c *Cluster) Dir() string { return c.dir }

// Name is the cluster's name in its kubeconfig.
func (c *Cluster) Name() string { return c.st.Name }

// Server is the API server's URL.
func (c *Cluster) Server() string { return c.st.Server }

// Kubeconfig is the path of an admin kubeconfig for the cluster.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.dir, "kubeconfig") }

// Nodes are the names of the fake nodes.
func (c *Cluster) Nodes() []string { return append([]string(nil), c.st.Nodes...) }

// Reused reports whether Up found this cluster already running.
func (c *Cluster) Reused() bool { return c.reused }

// LogDir is the directory of the components' logs.
func (c *Cluster) LogDir() string { return filepath.Join(c.dir, "logs") }

// RESTConfig returns an admin client configuration for the cluster.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	b, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		return nil, err
	}
	return clientcmd.RESTConfigFromKubeConfig(b)
}

// Open loads the state of the cluster in dir, running or not. It fails with
// an error wrapping ErrNoCluster when dir holds none.
func Open(dir string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoCluster)
	}
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	if err := json.Unmarshal(b, &c.st); err != nil {
		return nil, fmt.Errorf("%s: state.json: %w", dir, err)
	}
	return c, nil
}

// Check reports whether all of the cluster's processes are running and its
// API server is ready.
func (c *Cluster) Check(ctx context.Context) error {
	for _, p := range c.st.Processes {
		if p.hasExited() {
			return fmt.Errorf("%s (pid %d) is not running", p.Name, p.PID)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	return readyz(ctx, cs)
}

// Up starts a cluster in opts.Dir and waits until it can run pods: the API
// server is ready, the fake nodes are Ready and schedulable, and the default
// service account exists. If opts.Dir already holds a healthy cluster, Up
// returns it (Reused reports true); an unhealthy one is stopped and replaced.
// The context bounds the wait: once built, a cluster starts in seconds.
func Up(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("localcluster: Options.Dir is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	if opts.Name == "" {
		opts.Name = "rudder-" + filepath.Base(dir)
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 1
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if err := opts.Binaries.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, dir+".lock", func() { opts.Logf("waiting for another process using %s", dir) })
	if err != nil {
		return nil, err
	}
	defer unlock()

	if c, err := Open(dir); err == nil {
		err := c.Check(ctx)
		if err == nil {
			c.reused = true
			opts.Logf("cluster %s is already running in %s", c.Name(), dir)
			return c, nil
		}
		opts.Logf("cluster in %s is not healthy (%v): starting it anew", dir, err)
		if err := c.stop(); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		c, err := start(ctx, opts)
		if err == nil {
			return c, nil
		}
		if attempt < 3 && errors.Is(err, errPortInUse) {
			opts.Logf("a port was taken while starting (%v); trying again", err)
			continue
		}
		return nil, err
	}
}

// Down stops the cluster in dir, killing only the processes recorded in its
// state that still run its binaries, and removes dir unless opts.KeepDir.
// A directory without a cluster is removed all the same; a missing one is
// not an error.
func Down(ctx context.Context, dir string, opts DownOptions) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFile(ctx, dir+".lock", nil)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := Open(dir)
	if err != nil && !errors.Is(err, ErrNoCluster) {
		return err
	}
	if c != nil {
		if err := c.stop(); err != nil {
			return err
		}
	}
	if opts.KeepDir {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Remove(dir + ".lock")
}

// Down stops the cluster and removes its directory unless opts.KeepDir.
func (c *Cluster) Down(ctx context.Context, opts DownOptions) error {
	return Down(ctx, c.dir, opts)
}

// stop ends the processes, last started first.
func (c *Cluster) stop() error {
	var errs []error
	for i := len(c.st.Processes) - 1; i >= 0; i-- {
		errs = append(errs, c.st.Processes[i].stop(10*time.Second))
	}
	return errors.Join(errs...)
}

func (b Binaries) check() error {
	for name, p := range map[string]string{"etcd": b.Etcd, "kube-apiserver": b.APIServer,
		"kube-controller-manager": b.ControllerManager, "kube-scheduler": b.Scheduler, "kwok": b.Kwok} {
		if p == "" {
			return fmt.Errorf("localcluster: no %s binary given", name)
		}
		if !filepath.IsAbs(p) {
			return fmt.Errorf("localcluster: %s binary %q is not an absolute path", name, p)
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("localcluster: %s binary: %w", name, err)
		}
	}
	return nil
}

// start creates the cluster's files and runs its processes. On failure it
// stops whatever it started and leaves the directory for its logs.
func start(ctx context.Context, opts Options) (*Cluster, error) {
	began := time.Now()
	dir := opts.Dir
	pki := filepath.Join(dir, "pki")
	for _, d := range []string{dir, pki, filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := writePKI(pki, began); err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort, apiPort, kubeletPort := ports[0], ports[1], ports[2], ports[3]
	c := &Cluster{dir: dir, st: state{
		Name:    opts.Name,
		Server:  "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(apiPort)),
		Started: began,
		Versions: map[string]string{
			"etcd": EtcdVersion, "kubernetes": KubernetesVersion, "kwok": KwokVersion,
		},
	}}
	ca, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return nil, err
	}
	admin, err := readPair(pki, "admin")
	if err != nil {
		return nil, err
	}
	if err := writeKubeconfig(c.Kubeconfig(), opts.Name, c.st.Server, ca, admin); err != nil {
		return nil, err
	}
	logsConf, err := writeContainerLogs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "stages.yaml"), append(slices.Clip(stages), logsConf...), 0o644); err != nil {
		return nil, err
	}

	fail := func(err error) (*Cluster, error) {
		if stopErr := c.stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, fmt.Errorf("start cluster in %s: %w", dir, err)
	}
	run := func(name, path string, args ...string) error {
		p, err := startProcess(name, path, args, dir, filepath.Join(dir, "logs", name+".log"), opts.Detach)
		if err != nil {
			return err
		}
		c.st.Processes = append(c.st.Processes, p)
		return c.save() // so that Down finds it whatever happens next
	}

	opts.Logf("starting etcd and kube-apiserver (%s) on %s", KubernetesVersion, c.st.Server)
	if err := run("etcd", opts.Binaries.Etcd, etcdArgs(dir, etcdPort, peerPort)...); err != nil {
		return fail(err)
	}
	if err := run("kube-apiserver", opts.Binaries.APIServer, apiserverArgs(dir, etcdPort, apiPort)...); err != nil {
		return fail(err)
	}
	cs, err := c.clientset()
	if err != nil {
		return fail(err)
	}
	if err := c.waitFor(ctx, "the API server to be ready", func(ctx context.Context) (bool, error) {
		return readyz(ctx, cs) == nil, nil
	}); err != nil {
		return fail(err)
	}
	opts.Logf("API server ready after %s; starting kube-controller-manager, kube-scheduler and kwok", time.Since(began).Round(100*time.Millisecond))

	kubeconfig := c.Kubeconfig()
	if err := run("kube-controller-manager", opts.Binaries.ControllerManager, controllerManagerArgs(dir, kubeconfig)...); err != nil {
		return fail(err)
	}
	if err := run("kube-scheduler", opts.Binaries.Scheduler, schedulerArgs(kubeconfig)...); err != nil {
		return fail(err)
	}
	if err := run("kwok", opts.Binaries.Kwok, kwokArgs(dir, kubeconfig, kubeletPort)...); err != nil {
		return fail(err)
	}
	nodes, err := createNodes(ctx, cs, opts.Nodes)
	if err != nil {
		return fail(err)
	}
	c.st.Nodes = nodes
	if err := c.save(); err != nil {
		return fail(err)
	}
	if err := c.waitFor(ctx, "the nodes to be Ready", func(ctx context.Context) (bool, error) {
		return nodesReady(ctx, cs, nodes)
	}); err != nil {
		return fail(err)
	}
	if err := c.waitFor(ctx, "the default service account", func(ctx context.Context) (bool, error) {
		return defaultServiceAccount(ctx, cs, "default")
	}); err != nil {
		return fail(err)
	}
	opts.Logf("cluster %s ready after %s", opts.Name, time.Since(began).Round(100*time.Millisecond))
	return c, nil
}

// waitFor polls cond until it holds, ctx is done, or one of the cluster's
// processes exits; then the error carries the tail of that process's log.
func (c *Cluster) waitFor(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		for _, p := range c.st.Processes {
			if p.hasExited() {
				log := p.logTail(30)
				err := fmt.Errorf("%s exited (%v) while waiting for %s; the end of %s:\n%s", p.Name, p.err, what, p.Log, log)
				if strings.Contains(log, "address already in use") {
					err = fmt.Errorf("%w: %w", errPortInUse, err)
				}
				return err
			}
		}
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := cond(callCtx)
		cancel()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), last)
			}
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
}

func (c *Cluster) save() error {
	b, err := json.MarshalIndent(c.st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(c.dir, "state.json"), b, 0o600)
}

func (c *Cluster) clientset() (kubernetes.Interface, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	return kubernetes.NewForConfig(cfg)
}

func readyz(ctx context.Context, cs kubernetes.Interface) error {
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("readyz: %w", err)
	}
	if strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("readyz: %s", body)
	}
	return nil
}

// writePKI creates the cluster's certificate authority, the API server's
// serving certificate, the admin client certificate and the service-account
// signing key in dir.
func writePKI(dir string, now time.Time) error {
	ca, err := newCA("rudder-local-ca", now)
	if err != nil {
		return err
	}
	serving, err := ca.issue(certRequest{
		CommonName: "kube-apiserver",
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPs:   []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 96, 0, 1)},
		Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, now)
	if err != nil {
		return err
	}
	// The admin user is in system:masters: every component and test uses it.
	admin, err := ca.issue(certRequest{
		CommonName:   "rudder-admin",
		Organization: []string{"system:masters"},
		Usage:        []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, now)
	if err != nil {
		return err
	}
	for name, p := range map[string]*keyPair{"ca": ca, "apiserver": serving, "admin": admin} {
		if err := p.write(dir, name); err != nil {
			return err
		}
	}
	return writeServiceAccountKey(dir)
}

func readPair(dir, name string) (*keyPair, error) {
	cert, err := os.ReadFile(filepath.Join(dir, name+".crt"))
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(filepath.Join(dir, name+".key"))
	if err != nil {
		return nil, err
	}
	return &keyPair{CertPEM: cert, KeyPEM: key}, nil
}

// Started is when the cluster was started.
func (c *Cluster) Started() time.Time { return c.st.Started }
