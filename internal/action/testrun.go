package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// TestOptions control a run of a release's tests. The zero value runs every test
// hook, gives each 5 minutes, and collects no logs.
type TestOptions struct {
	// Timeout bounds each test; 0 means DefaultTimeout.
	Timeout time.Duration
	// Include, when not empty, runs only the hooks of these names (--filter
	// name=NAME); Exclude leaves out the hooks of these names (--filter
	// '!name=NAME'), even when included.
	Include, Exclude []string
	// Logs reads the logs of the test Pods (init containers first) once the
	// tests have run, before their delete policies remove them.
	Logs bool
}

// Test runs the tests of a release: its hooks for the "test" event.
type Test struct {
	Cluster *Cluster
	TestOptions
	// Warn receives warnings the user should see; nil drops them.
	Warn func(string)
}

// TestResult is what a run of tests did.
type TestResult struct {
	// Release is the release's last revision, with the last run of each test
	// hook that ran updated (and recorded: no revision is added).
	Release *release.Release
	// Tests are the tests selected, in the order they run (weight, then name).
	Tests []TestRun
	// Logs are the test Pods' logs, with TestOptions.Logs, in the order of Tests.
	Logs []ContainerLog
}

// Failed counts the tests that failed.
func (r *TestResult) Failed() int {
	n := 0
	for _, t := range r.Tests {
		if t.Phase == release.HookPhaseFailed {
			n++
		}
	}
	return n
}

// TestRun is the outcome of one test.
type TestRun struct {
	Hook *release.Hook
	// Ran tells whether the test ran: tests after a failed one do not.
	Ran bool
	// Phase is the hook's phase after the run (Succeeded or Failed when it ran).
	Phase release.HookPhase
	// Duration is how long the test took.
	Duration time.Duration
	// Reason says why the test failed (a pod's failed container, a Job's
	// condition, a timeout); "" when it did not.
	Reason string
}

// ContainerLog is the log of one container of a test Pod.
type ContainerLog struct {
	kube.Container
	Log []byte
	// Err says why the log could not be read (a node that serves no logs).
	Err error
}

// Run runs the tests of the release name's last revision, one after another,
// stopping at the first that fails, then applies their delete policies. It
// returns the result even when a test failed (the error says which, and why), so
// that callers can show it; a nil result means the release could not be read.
func (t *Test) Run(ctx context.Context, name string) (*TestResult, error) {
	run := *t
	run.TestOptions = t.TestOptions.withDefaults()
	return run.run(ctx, name)
}

func (t *Test) run(ctx context.Context, name string) (*TestResult, error) {
	o, c := &t.TestOptions, t.Cluster
	if err := c.Server.IsReachable(ctx); err != nil {
		return nil, err
	}
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("releaseTest: Release name is invalid: %s", name)
	}
	// The lock keeps an upgrade from superseding the revision while its test
	// results are being recorded over it.
	unlock, err := c.lock(ctx, name, "test", t.warn)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rel, err := c.Releases.Last(ctx, name)
	if err != nil {
		return nil, err
	}

	hooks := hooksFor(rel, release.HookTest, o.selected)
	res := &TestResult{Release: rel, Tests: make([]TestRun, len(hooks))}
	runner := hookRunner{cluster: c, method: applyMethod(rel.ApplyMethod == string(release.ApplyMethodServerSide)), timeout: o.Timeout, warn: t.warn}
	before := make([]release.HookExecution, len(hooks))
	for i, hk := range hooks {
		before[i] = hk.LastRun
	}
	ran, runErr := runner.execute(ctx, rel, release.HookTest, hooks)
	for i, hk := range hooks {
		// A test that could not even be created ran too, for its user.
		tr := TestRun{Hook: hk, Ran: hk.LastRun != before[i], Phase: hk.LastRun.Phase}
		if tr.Ran {
			tr.Duration = hk.LastRun.CompletedAt.Sub(hk.LastRun.StartedAt)
		}
		if tr.Ran && hk.LastRun.Phase == release.HookPhaseFailed {
			tr.Reason = failureReason(runErr)
		}
		res.Tests[i] = tr
	}
	if o.Logs {
		res.Logs = t.logs(ctx, hooks[:ran], rel.Namespace)
	}
	// Cleaning up and recording go on when ctx was cancelled, briefly.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	cleanErr := runner.finish(rctx, rel, hooks[:ran], runErr)
	if err := c.record(rctx, rel); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if runErr == nil {
		runErr = cleanErr
	}
	return res, runErr
}

// selected tells whether a hook passes the name filters.
func (o *TestOptions) selected(hk *release.Hook) bool {
	return !slices.Contains(o.Exclude, hk.Name) && (len(o.Include) == 0 || slices.Contains(o.Include, hk.Name))
}

// failureReason is why a test failed, from its hook's error: the object's own
// words when it failed, else the whole error (a timeout names what it waited for).
func failureReason(err error) string {
	var ce *kube.CompletionError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// logs reads the logs of the containers of the test Pods that ran.
func (t *Test) logs(ctx context.Context, hooks []*release.Hook, namespace string) []ContainerLog {
	c := t.Cluster
	var out []ContainerLog
	for _, hk := range hooks {
		if hk.Kind != "Pod" {
			continue
		}
		rs, err := c.Objects.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: namespace})
		if err != nil {
			t.warn(fmt.Sprintf("unable to read the logs of test %s: %v", hk.Name, err))
			continue
		}
		for _, r := range rs {
			containers, err := c.Logs.Containers(ctx, r)
			if err != nil {
				t.warn(fmt.Sprintf("unable to read the logs of test %s: %v", hk.Name, err))
				continue
			}
			for _, ct := range containers {
				var b bytes.Buffer
				err := copyLogs(ctx, c.Logs, ct, &b)
				out = append(out, ContainerLog{Container: ct, Log: b.Bytes(), Err: err})
			}
		}
	}
	return out
}

func (t *Test) warn(msg string) {
	if t.Warn != nil {
		t.Warn(msg)
	}
}
