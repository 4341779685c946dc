package storage

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestHelmInterop runs a real Helm 4 against the test cluster, alternating
// with Rudder's storage on the same releases, with each driver (sql on a
// PostgreSQL database). Helm is $RUDDER_INTEROP_HELM, else the one hack/peer helm
// builds (hack/test builds it first).
func TestHelmInterop(t *testing.T) {
	env := testenv.Start(t)
	helmBin := helmBinary(t)
	home := t.TempDir()
	// The sql driver's records go to a database of their own.
	sqlConn := pgtest.Start(t).NewDatabase(t)
	sqlDB := openSQL(t, sqlConn, DriverOptions{})
	newHelm := func(t *testing.T, driver, ns string) func(args ...string) string {
		return helmRunner(t, helmBin, home, "HELM_DRIVER="+driver, "HELM_DRIVER_SQL_CONNECTION_STRING="+sqlConn,
			"KUBECONFIG="+env.Kubeconfig(), "HELM_NAMESPACE="+ns)
	}
	keel := keelChart(t, newHelm(t, "secret", "default"))

	for _, driver := range []string{"secret", "configmap", "sql"} {
		t.Run(driver, func(t *testing.T) {
			ctx := t.Context()
			ns := env.Namespace(t)
			helm := newHelm(t, driver, ns)
			d, err := Open(driver, Config{Namespace: ns, Core: env.Clientset().CoreV1(), SQL: sqlDB})
			if err != nil {
				t.Fatal(err)
			}
			s := New(d, Options{})

			// Helm writes, Rudder reads.
			helm("install", "keel", keel, "--labels", "team=interop", "--set", "greeting=hi")
			helm("upgrade", "keel", keel, "--set", "greeting=hello")
			h, err := s.History(ctx, "keel")
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 deployed"}) {
				t.Fatalf("Rudder reads Helm's history as %v", got)
			}
			dep, err := s.Deployed(ctx, "keel")
			if err != nil {
				t.Fatal(err)
			}
			if dep.Config["greeting"] != "hello" || !maps.Equal(dep.Labels, map[string]string{"team": "interop"}) ||
				!strings.Contains(dep.Manifest, `greeting: "hello"`) || dep.Chart.Metadata.Name != "keel" {
				t.Errorf("Rudder reads Helm's deployed revision as config %v, labels %v", dep.Config, dep.Labels)
			}
			all := New(must(Open(driver, Config{Core: env.Clientset().CoreV1(), SQL: sqlDB})), Options{})
			everywhere, err := all.ListDeployed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(everywhere, func(r *release.Release) bool { return r.Namespace == ns && r.Name == "keel" }) {
				t.Errorf("Rudder's all-namespace listing lacks %s/keel", ns)
			}

			// Rudder upgrades (as its action will: a new revision, the old one superseded), Helm reads.
			next := upgradeOf(dep, "Upgraded by Rudder", map[string]string{"team": "interop", "by": "rudder"})
			if err := s.Create(ctx, next, CreateOptions{MaxHistory: 10}); err != nil {
				t.Fatal(err)
			}
			dep.SetStatus(release.StatusSuperseded, "Superseded by Rudder")
			if err := s.Update(ctx, dep); err != nil {
				t.Fatal(err)
			}
			var hist []struct {
				Revision    int    `json:"revision"`
				Status      string `json:"status"`
				Description string `json:"description"`
				Chart       string `json:"chart"`
			}
			if err := json.Unmarshal([]byte(helm("history", "keel", "-o", "json")), &hist); err != nil {
				t.Fatal(err)
			}
			if len(hist) != 3 || hist[2].Status != "deployed" || hist[2].Description != "Upgraded by Rudder" ||
				hist[1].Status != "superseded" || hist[1].Description != "Superseded by Rudder" || hist[2].Chart != "keel-0.1.0" {
				t.Errorf("helm history after Rudder's upgrade: %+v", hist)
			}
			var list []struct {
				Name, Namespace, Revision, Status string
			}
			if err := json.Unmarshal([]byte(helm("list", "-o", "json", "--selector", "by=rudder")), &list); err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Name != "keel" || list[0].Revision != "3" || list[0].Status != "deployed" {
				t.Errorf("helm list --selector by=rudder: %+v", list)
			}
			t.Logf("after Rudder's upgrade, helm history says:\n%s", helm("history", "keel"))
			t.Logf("helm list -A says:\n%s", helm("list", "-A", "--selector", "by=rudder"))
			getAll := helm("get", "all", "keel")
			for _, want := range []string{"REVISION: 3", "greeting: hello", `greeting: "hello"`, "keel says hello at revision 2.", "keel-keel-hook"} {
				if !strings.Contains(getAll, want) {
					t.Errorf("helm get all lacks %q:\n%s", want, getAll)
				}
			}

			// Helm carries on from Rudder's revision: rollback, then uninstall keeping history.
			helm("rollback", "keel", "1")
			helm("uninstall", "keel", "--keep-history")
			h, err = s.History(ctx, "keel")
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 superseded", "3 superseded", "4 uninstalled"}) {
				t.Errorf("Rudder reads Helm's history after rollback and uninstall as %v", got)
			}
			if h[3].Info.RollbackRevision != 1 || h[3].Info.Deleted.IsZero() || h[3].Labels["team"] != "interop" {
				t.Errorf("revision 4: %+v, labels %v", h[3].Info, h[3].Labels)
			}

			// A release Rudder made from scratch: Helm lists it and upgrades it.
			fresh := upgradeOf(h[0], "Install complete", map[string]string{"made": "rudder"})
			fresh.Name, fresh.Version = "fresh", 1
			fresh.Info.FirstDeployed = fresh.Info.LastDeployed
			if err := s.Create(ctx, fresh, CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if out := helm("get", "values", "fresh", "-o", "json"); strings.TrimSpace(out) != `{"greeting":"hi"}` {
				t.Errorf("helm get values fresh: %s", out)
			}
			helm("upgrade", "fresh", keel, "--reuse-values", "--set", "replicas=2")
			h, err = s.History(ctx, "fresh")
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 deployed"}) {
				t.Errorf("Rudder reads Helm's upgrade of its release as %v", got)
			}
			if h[1].Labels["made"] != "rudder" || h[1].Config["replicas"] != float64(2) || h[1].Config["greeting"] != "hi" {
				t.Errorf("Helm's upgrade of Rudder's release: labels %v, config %v", h[1].Labels, h[1].Config)
			}
			helm("uninstall", "fresh")
			if _, err := s.History(ctx, "fresh"); !errors.Is(err, ErrReleaseNotFound) {
				t.Errorf("history after helm uninstall: %v", err)
			}
		})
	}
}

func statuses(rels []*release.Release) []string {
	var out []string
	for _, r := range rels {
		out = append(out, strconv.Itoa(r.Version)+" "+string(r.Info.Status))
	}
	return out
}

// upgradeOf is the next revision after prev, deployed, as an upgrade that
// changes nothing else would write it.
func upgradeOf(prev *release.Release, description string, lbs map[string]string) *release.Release {
	var next release.Release
	js, _ := json.Marshal(prev)
	_ = json.Unmarshal(js, &next)
	next.Version = prev.Version + 1
	next.Labels = lbs
	next.Info = &release.Info{
		FirstDeployed: prev.Info.FirstDeployed,
		LastDeployed:  time.Now().UTC(),
		Status:        release.StatusDeployed,
		Description:   description,
		Notes:         prev.Info.Notes,
	}
	return &next
}

func must(d Driver, err error) Driver {
	if err != nil {
		panic(err)
	}
	return d
}
