package localcluster

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
)

// The API server alone can be stopped and started again, to test what clients
// do when it dies in the middle of their work: etcd, and so every object, lives
// on, and the API server comes back on the same address.

const apiserverName = "kube-apiserver"

// StopAPIServer kills the cluster's kube-apiserver with SIGKILL, as a crash
// would, and returns once it is gone. The other components keep running.
// Stopping a stopped API server does nothing.
func (c *Cluster) StopAPIServer(ctx context.Context) error {
	unlock, err := lockFile(ctx, c.dir+".lock", nil)
	if err != nil {
		return err
	}
	defer unlock()
	p, err := c.apiserver()
	if err != nil {
		return err
	}
	return p.stop(0)
}

// StartAPIServer starts the cluster's kube-apiserver again after
// StopAPIServer, with the command line it had (same port, same etcd), and
// waits until it is ready; then it restarts the controller-manager and the
// scheduler. Left running, their watches back off while the API server is
// gone, by up to half a minute between tries, and a Job or a pod would stand
// still that long after it is back. Starting a running API server does
// nothing.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	unlock, err := lockFile(ctx, c.dir+".lock", nil)
	if err != nil {
		return err
	}
	defer unlock()
	old, err := c.apiserver()
	if err != nil {
		return err
	}
	if !old.hasExited() {
		return nil
	}
	if len(old.Args) == 0 {
		return fmt.Errorf("localcluster: the state of %s does not record how %s was started", c.dir, apiserverName)
	}
	p, err := startProcess(apiserverName, old.Path, old.Args, old.Dir, old.Log, old.Detach)
	if err != nil {
		return err
	}
	for i, q := range c.st.Processes {
		if q == old {
			c.st.Processes[i] = p
		}
	}
	if err := c.save(); err != nil {
		return err
	}
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, "the API server to be ready again", func(ctx context.Context) (bool, error) {
		return readyz(ctx, cs) == nil, nil
	}); err != nil {
		return fmt.Errorf("restart %s in %s: %w", apiserverName, filepath.Base(c.dir), err)
	}
	return c.restartWatchers()
}

// apiserverWatchers are the components StartAPIServer restarts. kwok backs
// off too, but less, and is left alone: a new kwok process holds the nodes'
// Leases under a new identity, so it would wait until the old one's expire
// (--node-lease-duration-seconds) before it serves the nodes.
var apiserverWatchers = []string{"kube-controller-manager", "kube-scheduler"}

// restartWatchers stops the apiserverWatchers and starts them again with the
// command lines they had, so that they connect at once.
func (c *Cluster) restartWatchers() error {
	for i, old := range c.st.Processes {
		if !slices.Contains(apiserverWatchers, old.Name) {
			continue
		}
		if err := old.stop(0); err != nil { // nothing of theirs to keep: SIGKILL
			return fmt.Errorf("restart %s in %s: %w", old.Name, filepath.Base(c.dir), err)
		}
		p, err := startProcess(old.Name, old.Path, old.Args, old.Dir, old.Log, old.Detach)
		if err != nil {
			return fmt.Errorf("restart %s in %s: %w", old.Name, filepath.Base(c.dir), err)
		}
		c.st.Processes[i] = p
		if err := c.save(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) apiserver() (*proc, error) {
	for _, p := range c.st.Processes {
		if p.Name == apiserverName {
			return p, nil
		}
	}
	return nil, fmt.Errorf("localcluster: no %s in the cluster in %s", apiserverName, c.dir)
}
