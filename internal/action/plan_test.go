package action_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/action"
)

// A live diff records what a plan needs; an upgrade expecting its manifest applies
// it, and one whose render differs (here: other values) is refused before anything
// is applied.
func TestPlanManifestDigest(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/cm.yaml": configMap("planned")})
	f.ok(f.install("pl", ch, map[string]any{"value": "one"}))

	d := &action.LiveDiff{Cluster: f.c, Live: f.kc, DiffOptions: action.DiffOptions{Namespace: f.ns}}
	res, err := d.Upgrade(f.ctx, "pl", ch, map[string]any{"value": "two"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != 1 || res.ManifestDigest == "" || len(res.Observed) != 1 || res.Observed[0].ResourceVersion == "" {
		t.Fatalf("plan data: revision %d, digest %q, observed %+v", res.Revision, res.ManifestDigest, res.Observed)
	}
	if p := res.Plan(); p.Change != 1 {
		t.Fatalf("plan %v", p)
	}

	expect := func(o *action.UpgradeOptions) {
		o.ExpectManifestDigest, o.PlanRevision = res.ManifestDigest, res.Revision
	}
	_, err = f.upgrade("pl", ch, map[string]any{"value": "three"}, expect)
	if !errors.Is(err, action.ErrStalePlan) {
		t.Fatalf("upgrade with another render: %v, want ErrStalePlan", err)
	}
	if v, _ := f.configMapValue("planned"); v != "one" {
		t.Fatalf("refused upgrade changed the object: %q", v)
	}
	f.ok(f.upgrade("pl", ch, map[string]any{"value": "two"}, expect))
	if v, _ := f.configMapValue("planned"); v != "two" {
		t.Fatalf("planned upgrade left %q", v)
	}
}

// A plan is checked against the release's revision under the release's lock, by
// the upgrade itself: one made from revision 1 is refused once another upgrade
// made revision 2.
func TestPlanRevisionCheckedByUpgrade(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/cm.yaml": configMap("rev")})
	f.ok(f.install("pr", ch, map[string]any{"value": "one"}))
	d := &action.LiveDiff{Cluster: f.c, Live: f.kc, DiffOptions: action.DiffOptions{Namespace: f.ns}}
	res, err := d.Upgrade(f.ctx, "pr", ch, map[string]any{"value": "two"})
	if err != nil {
		t.Fatal(err)
	}
	f.ok(f.upgrade("pr", ch, map[string]any{"value": "other"}))
	_, err = f.upgrade("pr", ch, map[string]any{"value": "two"}, func(o *action.UpgradeOptions) {
		o.ExpectManifestDigest, o.PlanRevision = res.ManifestDigest, res.Revision
	})
	if !errors.Is(err, action.ErrStalePlan) || !strings.Contains(err.Error(), "release pr is at revision 2, the plan starts from 1") {
		t.Fatalf("upgrade with a plan from revision 1 at revision 2: %v, want ErrStalePlan", err)
	}
	if v, _ := f.configMapValue("rev"); v != "other" {
		t.Fatalf("refused upgrade changed the object: %q", v)
	}
}

// A plan made for an install (diff upgrade --install) is checked against its
// manifest digest too: another render installs nothing.
func TestPlanInstallManifestDigest(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/cm.yaml": configMap("fresh")})
	d := &action.LiveDiff{Cluster: f.c, Live: f.kc, DiffOptions: action.DiffOptions{Namespace: f.ns, InstallIfMissing: true}}
	res, err := d.Upgrade(f.ctx, "pi", ch, map[string]any{"value": "one"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != 0 {
		t.Fatalf("plan for an install starts from revision %d", res.Revision)
	}
	expect := func(o *action.UpgradeOptions) {
		o.InstallIfMissing, o.Namespace = true, f.ns
		o.ExpectManifestDigest, o.PlanRevision = res.ManifestDigest, res.Revision
	}
	_, err = f.upgrade("pi", ch, map[string]any{"value": "two"}, expect)
	if !errors.Is(err, action.ErrStalePlan) {
		t.Fatalf("install with another render: %v, want ErrStalePlan", err)
	}
	if _, ok := f.configMapValue("fresh"); ok {
		t.Fatal("refused install created the object")
	}
	f.ok(f.upgrade("pi", ch, map[string]any{"value": "one"}, expect))
	if v, _ := f.configMapValue("fresh"); v != "one" {
		t.Fatalf("planned install left %q", v)
	}
}

func TestReadPlanRefusesBadFiles(t *testing.T) {
	good := &action.Plan{
		Format: action.PlanVersion, Release: "r", Namespace: "ns", Cluster: "https://x", Created: time.Now(),
		Chart: action.PlanChart{Ref: "/c", Digest: "sha256:1"}, Values: map[string]any{"a": 1.0},
		ValuesDigest: action.ValuesDigest(map[string]any{"a": 1.0}), ManifestDigest: "sha256:2",
	}
	var b bytes.Buffer
	if err := good.Write(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := action.ReadPlan(bytes.NewReader(b.Bytes()), "p.json"); err != nil {
		t.Fatalf("good plan: %v", err)
	}
	tampered := strings.Replace(b.String(), `"a": 1`, `"a": 2`, 1)
	for name, text := range map[string]string{
		"truncated": b.String()[:b.Len()/2],
		"tampered":  tampered,
		"unknown":   strings.Replace(b.String(), `"format"`, `"extra": 1, "format"`, 1),
		"empty":     "",
	} {
		_, err := action.ReadPlan(strings.NewReader(text), "p.json")
		if !errors.Is(err, action.ErrBadPlan) || !strings.HasPrefix(err.Error(), "plan p.json: invalid plan") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
