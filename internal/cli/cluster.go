package cli

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// cluster is the connection a command makes to the Kubernetes API server, opened on
// first use and shared by the command's actions.
type cluster struct {
	once    sync.Once
	err     error
	config  *rest.Config
	kube    *kube.Client
	storage map[string]*storage.Storage
}

// restConfig reads kubeconfig (KUBECONFIG may list several files; in a pod the
// in-cluster configuration is used) with the global flags on top.
func (a *app) restConfig() (*rest.Config, error) {
	cfg, err := a.settings.kubeConfigLoader().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes cluster unreachable: %w", err)
	}
	// Rudder does not throttle itself unless asked to: the API server's priority and
	// fairness protects it, and throttling is what makes big charts slow in Helm.
	cfg.QPS = a.settings.QPS
	cfg.Burst = a.settings.BurstLimit
	cfg.UserAgent = "Rudder/" + rudderVersion + " (Helm/" + buildInfo().Version + ")"
	if a.settings.Debug {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			return &requestLog{next: rt, w: a.streams.Err, start: time.Now()}
		})
	}
	return cfg, nil
}

// requestLog prints every API request with its status and duration (--debug).
type requestLog struct {
	next  http.RoundTripper
	w     io.Writer
	start time.Time
	mu    sync.Mutex
}

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	t0 := time.Now()
	resp, err := l.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	l.mu.Lock()
	fmt.Fprintf(l.w, "debug: %7.3fs %-6s %s %s (%s)\n", t0.Sub(l.start).Seconds(), req.Method, req.URL.RequestURI(), status, time.Since(t0).Round(time.Millisecond))
	l.mu.Unlock()
	return resp, err
}

// kubeClient returns the command's Kubernetes client.
func (a *app) kubeClient() (*kube.Client, error) {
	c := &a.cluster
	c.once.Do(func() {
		if c.config, c.err = a.restConfig(); c.err != nil {
			return
		}
		c.kube, c.err = kube.New(c.config, kube.Options{})
	})
	return c.kube, c.err
}

// releases returns the release store for a namespace ("" means all namespaces), with
// the driver HELM_DRIVER selects; the sql driver connects to the PostgreSQL database
// that HELM_DRIVER_SQL_CONNECTION_STRING names.
func (a *app) releases(namespace string) (*storage.Storage, error) {
	c := &a.cluster
	if s, ok := c.storage[namespace]; ok {
		return s, nil
	}
	driver := a.settings.getenv("HELM_DRIVER")
	cfg := storage.Config{Namespace: namespace}
	switch driver {
	case "memory":
		if a.memory == nil {
			a.memory = storage.NewMemory("", storage.DriverOptions{})
		}
		cfg.Memory = a.memory
	case "sql":
		if a.sql == nil {
			db, err := storage.OpenSQL(a.settings.getenv("HELM_DRIVER_SQL_CONNECTION_STRING"), storage.DriverOptions{})
			if err != nil {
				return nil, err
			}
			a.sql = db
		}
		cfg.SQL = a.sql
	default:
		kc, err := a.kubeClient()
		if err != nil {
			return nil, err
		}
		cfg.Core = kc.CoreV1()
	}
	d, err := storage.Open(driver, cfg)
	if err != nil {
		return nil, err
	}
	s := storage.New(d, storage.Options{})
	if c.storage == nil {
		c.storage = map[string]*storage.Storage{}
	}
	c.storage[namespace] = s
	return s, nil
}

// storageInCluster tells whether HELM_DRIVER keeps the releases in the cluster, so
// that a failure to read them may be the cluster's.
func (a *app) storageInCluster() bool {
	switch a.settings.getenv("HELM_DRIVER") {
	case "memory", "sql":
		return false
	}
	return true
}

// close closes what the commands opened: the sql driver's connections.
func (a *app) close() {
	if a.sql != nil {
		a.sql.Close()
	}
}
