package action_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

func TestReleaseTests(t *testing.T) {
	f := newFixture(t)
	weight := func(w int) string { return fmt.Sprintf(`helm.sh/hook-weight: "%d"`, w) }
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml":        configMap("main"),
		"templates/tests/pass.yaml":  hookPod("t-pass", "test", "", false, weight(0)),
		"templates/tests/fail.yaml":  hookPod("t-fail", "test", "", true, weight(1)),
		"templates/tests/after.yaml": hookPod("t-after", "test", "", false, weight(2)),
	})
	f.ok(f.install("tested", ch, nil))

	test := &action.Test{Cluster: f.c, TestOptions: action.TestOptions{Logs: true}}
	res, err := test.Run(f.ctx, "tested")
	if err == nil || !strings.Contains(err.Error(), "Pod/"+f.ns+"/t-fail failed: container test exited 1") {
		t.Fatalf("a failing test: %v", err)
	}
	type row struct {
		name   string
		ran    bool
		phase  release.HookPhase
		reason bool
	}
	var got []row
	for _, tr := range res.Tests {
		got = append(got, row{tr.Hook.Name, tr.Ran, tr.Phase, tr.Reason != ""})
	}
	want := []row{
		{"t-pass", true, release.HookPhaseSucceeded, false},
		{"t-fail", true, release.HookPhaseFailed, true},
		{"t-after", false, "", false}, // not run after a failure
	}
	if !slices.Equal(got, want) {
		t.Fatalf("tests %+v, want %+v", got, want)
	}
	if res.Failed() != 1 || !strings.Contains(res.Tests[1].Reason, "rudder.test/fail is set") {
		t.Fatalf("failed %d, reason %q", res.Failed(), res.Tests[1].Reason)
	}

	// Logs were read for each container of each test that ran, init
	// containers first. The fake nodes serve none: each says why.
	var logs []string
	for _, l := range res.Logs {
		logs = append(logs, fmt.Sprintf("%s/%s init=%v", l.Pod, l.Name, l.Init))
		if l.Err == nil && l.Log == nil {
			t.Errorf("log of %s/%s: neither text nor error", l.Pod, l.Name)
		}
		if l.Err != nil && !strings.Contains(l.Err.Error(), "pod "+l.Pod+", container "+l.Name) {
			t.Errorf("log error %q does not name the container", l.Err)
		}
	}
	if want := []string{"t-pass/setup init=true", "t-pass/test init=false", "t-fail/setup init=true", "t-fail/test init=false"}; !slices.Equal(logs, want) {
		t.Errorf("logs read %v, want %v", logs, want)
	}

	// The runs are recorded in the release's revision: no revision is added.
	if got := f.statuses("tested"); !slices.Equal(got, []string{"1:deployed"}) {
		t.Fatalf("history after tests: %v", got)
	}
	stored, err := f.c.Releases.Last(f.ctx, "tested")
	if err != nil {
		t.Fatal(err)
	}
	phases := map[string]release.HookPhase{}
	for _, h := range stored.Hooks {
		phases[h.Name] = h.LastRun.Phase
		if h.Name != "t-after" && (h.LastRun.StartedAt.IsZero() || h.LastRun.CompletedAt.Before(h.LastRun.StartedAt)) {
			t.Errorf("hook %s: last run %+v", h.Name, h.LastRun)
		}
	}
	if phases["t-pass"] != release.HookPhaseSucceeded || phases["t-fail"] != release.HookPhaseFailed || phases["t-after"] != "" {
		t.Fatalf("recorded phases %v", phases)
	}

	// Filters: name= keeps only the named tests, !name= leaves some out.
	for _, tc := range []struct {
		opts action.TestOptions
		want []string
	}{
		{action.TestOptions{Include: []string{"t-after"}}, []string{"t-after"}},
		{action.TestOptions{Exclude: []string{"t-fail"}}, []string{"t-pass", "t-after"}},
		{action.TestOptions{Include: []string{"t-pass", "t-fail"}, Exclude: []string{"t-fail"}}, []string{"t-pass"}},
	} {
		res, err := (&action.Test{Cluster: f.c, TestOptions: tc.opts}).Run(f.ctx, "tested")
		if err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		var names []string
		for _, tr := range res.Tests {
			names = append(names, tr.Hook.Name)
			if tr.Phase != release.HookPhaseSucceeded {
				t.Errorf("%+v: %s %s", tc.opts, tr.Hook.Name, tr.Phase)
			}
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%+v ran %v, want %v", tc.opts, names, tc.want)
		}
	}

	if res, err := (&action.Test{Cluster: f.c}).Run(f.ctx, "missing"); res != nil || !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Fatalf("testing a missing release: %v, %v", res, err)
	}
}
