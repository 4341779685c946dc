package cli

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestControllerKilledMidUpgrade SIGKILLs the controller while its upgrade
// waits for a Deployment that never becomes ready, leaving the release record
// pending-upgrade and its lock held by a dead process. The spec is then fixed
// and a controller started again: it takes the lock over, marks the
// interrupted revision failed and upgrades, so the HelmRelease becomes Ready
// instead of staying stuck on a pending release.
// It takes a minute: it runs without -short and with RUDDER_FULL_FAULTS=1.
func TestControllerKilledMidUpgrade(t *testing.T) {
	if testing.Short() || os.Getenv("RUDDER_FULL_FAULTS") == "" {
		t.Skip("a minute of controller restarts: set RUDDER_FULL_FAULTS=1 without -short")
	}
	useCRDs(t, nil)
	c := startControllerEnv(t)
	c.apply(helmReleaseGVR, helmRelease("app", "  upgrade: {timeout: 10m}\n"))
	c.waitReady("app", "True", "InstallSucceeded")

	c.patch("app", `{"spec":{"values":{"hang":true}}}`)
	secrets := c.env.Clientset().CoreV1().Secrets(c.ns)
	pending := metav1.ListOptions{LabelSelector: "owner=helm,name=app,status=pending-upgrade"}
	waitUntil(t, "the upgrade to be pending", func() bool {
		l, err := secrets.List(t.Context(), pending)
		return err == nil && len(l.Items) == 1
	})
	if err := c.controller.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if l, err := secrets.List(t.Context(), pending); err != nil || len(l.Items) != 1 {
		t.Fatalf("after the kill: want revision 2 still pending-upgrade, got %v (%v)", l, err)
	}

	c.patch("app", `{"spec":{"values":{"hang":false,"v":"3"}}}`)
	c.controller = c.start(c.controllerArgs()...)
	t.Cleanup(c.deleteAll) // before the new controller stops
	u := c.waitReady("app", "True", "UpgradeSucceeded")
	if v := historyVersion(u); v != 3 {
		t.Errorf("history version %d, want 3 (revision 2 interrupted)", v)
	}
	if got := c.configMap("app-web")["v"]; got != "3" {
		t.Errorf("ConfigMap app-web v=%q, want 3", got)
	}
	rels := c.rudder("history", "app", "-o", "json")
	for _, want := range []string{`"status":"failed"`, "Interrupted", `"status":"deployed"`} {
		if !strings.Contains(rels, want) {
			t.Errorf("rudder history app: want %s in\n%s", want, rels)
		}
	}
}
