package localcluster

import (
	"context"
	"fmt"
	"path/filepath"
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
// waits until it is ready. Starting a running API server does nothing.
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
