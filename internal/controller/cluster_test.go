package controller

import (
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestClusterReadsAfreshUnderLock: a reconcile's release reads are remembered
// between writes, but taking the release's lock forgets them, so that what a
// command wrote between the controller's first look and its lock is seen.
func TestClusterReadsAfreshUnderLock(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	kc, err := kube.New(env.RESTConfig(), kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli := storage.New(storage.NewSecrets(env.Clientset().CoreV1(), ns, storage.DriverOptions{}), storage.Options{})
	write := func(version int, status release.Status) {
		t.Helper()
		now := time.Now()
		rel := &release.Release{Name: "web", Namespace: ns, Version: version,
			Chart: &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.0.0"}},
			Info:  &release.Info{FirstDeployed: now, LastDeployed: now, Status: status}}
		if err := cli.Create(ctx, rel, storage.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	write(1, release.StatusDeployed)

	c := (&target{kube: kc, locks: kc}).cluster(ns, "controller-test")
	if last, err := c.Releases.Last(ctx, "web"); err != nil || last.Version != 1 {
		t.Fatalf("first look: %v, %v", last, err)
	}
	write(2, release.StatusDeployed) // a command upgrades meanwhile
	l, err := c.Locks.Lock(ctx, "web", "upgrade")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock(ctx)
	last, err := c.Releases.Last(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if last.Version != 2 {
		t.Errorf("under the lock the last revision read is v%d, want v2 (written before the lock was taken)", last.Version)
	}
}
