package action

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
)

func TestLifecycleDefaults(t *testing.T) {
	tests := []struct {
		name    string
		in      LifecycleOptions
		want    LifecycleOptions
		history int // what the store is told to keep
	}{
		{"zero is the CLI's default", LifecycleOptions{},
			LifecycleOptions{DryRun: DryRunNone, ServerSide: ServerSideAuto, Wait: WaitHookOnly, Timeout: 5 * time.Minute, HistoryLimit: 10}, 10},
		{"given values stay", LifecycleOptions{DryRun: DryRunServer, ServerSide: ServerSideFalse, Wait: WaitLegacy, Timeout: time.Second, HistoryLimit: 3},
			LifecycleOptions{DryRun: DryRunServer, ServerSide: ServerSideFalse, Wait: WaitLegacy, Timeout: time.Second, HistoryLimit: 3}, 3},
		{"a negative limit keeps everything", LifecycleOptions{HistoryLimit: -1},
			LifecycleOptions{DryRun: DryRunNone, ServerSide: ServerSideAuto, Wait: WaitHookOnly, Timeout: 5 * time.Minute, HistoryLimit: -1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.withDefaults()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("withDefaults() = %+v, want %+v", got, tt.want)
			}
			if n := got.createOptions().MaxHistory; n != tt.history {
				t.Errorf("MaxHistory = %d, want %d", n, tt.history)
			}
		})
	}
}

func TestRollbackOnFailureWaits(t *testing.T) {
	for _, tt := range []struct {
		wait, want WaitStrategy
	}{{"", WaitWatcher}, {WaitHookOnly, WaitWatcher}, {WaitLegacy, WaitLegacy}} {
		in := InstallOptions{LifecycleOptions: LifecycleOptions{Wait: tt.wait}, RollbackOnFailure: true}.withDefaults()
		up := UpgradeOptions{LifecycleOptions: LifecycleOptions{Wait: tt.wait}, RollbackOnFailure: true}.withDefaults()
		if in.Wait != tt.want || up.Wait != tt.want {
			t.Errorf("wait %q with rollback on failure: install %q, upgrade %q, want %q", tt.wait, in.Wait, up.Wait, tt.want)
		}
	}
}

// A client dry run needs no cluster: it shows that the zero options install
// server-side and that Run leaves the caller's options as they were.
func TestInstallZeroOptions(t *testing.T) {
	ch, err := chart.LoadFiles([]*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: app\nversion: 1.0.0\n")},
		{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := InstallOptions{ReleaseName: "web", Namespace: "ns", LifecycleOptions: LifecycleOptions{DryRun: DryRunClient}, RollbackOnFailure: true}
	inst := &Install{Cluster: &Cluster{}, InstallOptions: opts}
	rel, err := inst.Run(context.Background(), ch, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rel.ApplyMethod != "ssa" {
		t.Errorf("apply method %q, want ssa", rel.ApplyMethod)
	}
	if !reflect.DeepEqual(inst.InstallOptions, opts) {
		t.Errorf("Run changed the options: %+v, was %+v", inst.InstallOptions, opts)
	}
}

// upgrade --install --dry-run=client installs offline: it needs no cluster.
func TestUpgradeInstallIfMissingClientDryRun(t *testing.T) {
	ch, err := chart.LoadFiles([]*chart.File{{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: app\nversion: 1.0.0\n")}})
	if err != nil {
		t.Fatal(err)
	}
	told := false
	up := &Upgrade{Cluster: &Cluster{}, Installing: func() { told = true }, UpgradeOptions: UpgradeOptions{
		LifecycleOptions: LifecycleOptions{DryRun: DryRunClient}, InstallIfMissing: true, Namespace: "ns"}}
	rel, err := up.Run(context.Background(), "web", ch, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !told || rel.Version != 1 || rel.Namespace != "ns" || rel.Info.Description != "Dry run complete" {
		t.Fatalf("told %v, revision %d in %q: %q", told, rel.Version, rel.Namespace, rel.Info.Description)
	}
}
