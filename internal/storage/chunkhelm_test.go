package storage

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestHelmSeesChunked runs a real Helm 4 on a release Rudder stored in chunks:
// Helm lists it and shows its history with the stub's notice, and refuses to
// upgrade or roll it back instead of acting on a release it cannot read; the
// release stays whole for Rudder. Helm is $RUDDER_INTEROP_HELM, else hack/peer's.
func TestHelmSeesChunked(t *testing.T) {
	env := testenv.Start(t)
	helmBin := helmBinary(t)
	home := t.TempDir()
	keel := keelChart(t, helmRunner(t, helmBin, home))
	for _, driver := range []string{"secret", "configmap"} {
		t.Run(driver, func(t *testing.T) {
			ctx := t.Context()
			ns := env.Namespace(t)
			helm := func(args ...string) (string, error) {
				cmd := exec.Command(helmBin, append(args, "--kubeconfig", env.Kubeconfig(), "-n", ns)...)
				cmd.Env = append(os.Environ(), "HELM_DRIVER="+driver, "HELM_CACHE_HOME="+home+"/cache",
					"HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				return out.String(), err
			}
			d := kubeDrivers(env, ns)[driver]
			s := New(d, Options{})
			big := inNamespace(bigRelease("big", 1, release.StatusDeployed, 5<<20), ns)
			mustCreate(t, d, big)

			out, err := helm("list", "-o", "json")
			var list []struct{ Name, Revision, Status, Chart string }
			if err != nil || json.Unmarshal([]byte(out), &list) != nil {
				t.Fatalf("helm list: %v\n%s", err, out)
			}
			if len(list) != 1 || list[0].Name != "big" || list[0].Revision != "1" || list[0].Status != "deployed" || list[0].Chart != "demo-1.2.3" {
				t.Errorf("helm list: %+v", list)
			}
			out, err = helm("history", "big")
			if err != nil || !strings.Contains(out, "stored in chunks by Rudder") {
				t.Errorf("helm history: %v\n%s", err, out)
			}
			t.Logf("helm history big:\n%s", out)
			out, err = helm("get", "manifest", "big")
			if err != nil || !strings.Contains(out, "Helm cannot read it: use rudder") {
				t.Errorf("helm get manifest: %v\n%s", err, out)
			}
			out, err = helm("upgrade", "big", keel)
			if err == nil || !strings.Contains(out, "stored in chunks by Rudder") {
				t.Errorf("helm upgraded a chunked release:\n%s", out)
			}
			t.Logf("helm upgrade big: %v\n%s", err, out)
			out, err = helm("rollback", "big", "1")
			t.Logf("helm rollback big 1: %v\n%s", err, out)
			if err == nil || !strings.Contains(out, "stored in chunks by Rudder") {
				t.Errorf("helm rolled back to a chunked revision:\n%s", out)
			}
			h, err := s.History(ctx, "big")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("after helm's attempts Rudder reads history %v", statuses(h))
			got, err := s.Get(ctx, "big", 1)
			if err != nil {
				t.Fatal(err)
			}
			sameRelease(t, got, big)
		})
	}
}
