package controller

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
)

// The condition and reasons of release tests, as Flux names them.
const (
	TestSuccessCondition = "TestSuccess"
	TestSucceededReason  = "TestSucceeded"
	TestFailedReason     = "TestFailed"
)

// TestSpec is spec.test: run the chart's tests after each install or upgrade.
type TestSpec struct {
	Enable bool `json:"enable,omitempty"`
	// Timeout bounds each test; spec.timeout when unset.
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// IgnoreFailures keeps a failed test from failing the release: no
	// remediation, and Ready follows the release action alone.
	IgnoreFailures bool          `json:"ignoreFailures,omitempty"`
	Filters        *[]TestFilter `json:"filters,omitempty"`
}

// TestFilter runs only the tests named (or, with Exclude, all but them).
type TestFilter struct {
	Name    string `json:"name"`
	Exclude bool   `json:"exclude,omitempty"`
}

// TestHookStatus is the last run of one test hook, in a snapshot.
type TestHookStatus struct {
	LastStarted   *metav1.Time `json:"lastStarted,omitempty"`
	LastCompleted *metav1.Time `json:"lastCompleted,omitempty"`
	Phase         string       `json:"phase,omitempty"`
}

func (hr *HelmRelease) testsEnabled() bool { return hr.Spec.Test != nil && hr.Spec.Test.Enable }

// ignoresTestFailures tells whether failed tests are let pass after the action
// verb ("install" or "upgrade"): the action's remediation says so, else
// spec.test does.
func (hr *HelmRelease) ignoresTestFailures(verb string) bool {
	var rem *Remediation
	switch {
	case verb == "install" && hr.Spec.Install != nil:
		rem = hr.Spec.Install.Remediation
	case verb == "upgrade" && hr.Spec.Upgrade != nil:
		rem = hr.Spec.Upgrade.Remediation
	}
	if rem != nil && rem.IgnoreTestFailures != nil {
		return *rem.IgnoreTestFailures
	}
	return hr.Spec.Test != nil && hr.Spec.Test.IgnoreFailures
}

// testOptions are the use case's options for spec.test.
func (hr *HelmRelease) testOptions() action.TestOptions {
	t := hr.Spec.Test
	o := action.TestOptions{Timeout: duration(t.Timeout, duration(hr.Spec.Timeout, action.DefaultTimeout))}
	if t.Filters != nil {
		for _, f := range *t.Filters {
			if f.Exclude {
				o.Exclude = append(o.Exclude, f.Name)
			} else {
				o.Include = append(o.Include, f.Name)
			}
		}
	}
	return o
}

// afterAction tests what a successful install or upgrade (verb) made when
// spec.test asks for it, and forgets the last tests' outcome when it does not.
// The action's success reset the failure counts; prior are the counts before
// it, which a failed test adds to, so that retries run out.
func (r *releaseReconciler) afterAction(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest, verb string, prior failureCounts) {
	if !hr.testsEnabled() {
		removeCondition(&st.Conditions, TestSuccessCondition)
		return
	}
	r.testRelease(ctx, u, hr, st, q, verb, prior)
}

// failureCounts are a status's failure counters.
type failureCounts struct{ all, install, upgrade int64 }

func countsOf(st *HelmReleaseStatus) failureCounts {
	return failureCounts{st.Failures, st.InstallFailures, st.UpgradeFailures}
}

// testRelease runs the tests of the revision an install or upgrade (verb) just
// made, as `rudder test` does, and records them in the newest snapshot and the
// TestSuccess condition. A failure, unless ignored, makes the HelmRelease not
// Ready, counts as a failure of the action (added to the prior counts) and is
// remediated as one.
func (r *releaseReconciler) testRelease(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest, verb string, prior failureCounts) {
	gen := hr.Generation
	res, err := (&action.Test{Cluster: q.cluster, TestOptions: hr.testOptions()}).Run(ctx, q.names.release)
	if isLocked(err) {
		// Someone else is changing the release: test it on the next reconcile.
		return
	}
	if len(st.History) == 0 {
		return
	}
	// The history may share its array with the status read: copy it before
	// changing an entry, or the change would not be seen as one.
	st.History = append([]Snapshot(nil), st.History...)
	cur := &st.History[0]
	if res != nil && res.Release != nil && (res.Release.Version != cur.Version || res.Release.Name != cur.Name) {
		err = fmt.Errorf("tested release %s.v%d is not the current release %s.v%d", res.Release.Name, res.Release.Version, cur.Name, cur.Version)
	}
	cur.TestHooks = testHooks(res)
	name := fmt.Sprintf("%s/%s.v%d", cur.Namespace, cur.Name, cur.Version)
	chartRef := cur.ChartName + "@" + cur.ChartVersion
	if err == nil {
		n := len(*cur.TestHooks)
		what := "no test hooks"
		if n == 1 {
			what = "1 test hook completed successfully"
		} else if n > 1 {
			what = fmt.Sprintf("%d test hooks completed successfully", n)
		}
		msg := fmt.Sprintf("Helm test succeeded for release %s with chart %s: %s", name, chartRef, what)
		setCondition(&st.Conditions, TestSuccessCondition, metav1.ConditionTrue, TestSucceededReason, msg, gen)
		if !hr.ignoresTestFailures(verb) {
			setCondition(&st.Conditions, ReadyCondition, metav1.ConditionTrue, TestSucceededReason, msg, gen)
		}
		r.recorder.Event(u, corev1.EventTypeNormal, TestSucceededReason, msg)
		return
	}
	msg := fmt.Sprintf("Helm test failed for release %s with chart %s: %s", name, chartRef, strings.TrimSpace(err.Error()))
	setCondition(&st.Conditions, TestSuccessCondition, metav1.ConditionFalse, TestFailedReason, msg, gen)
	st.Failures++
	r.recorder.Event(u, corev1.EventTypeWarning, TestFailedReason, msg)
	if hr.ignoresTestFailures(verb) {
		return
	}
	st.Failures, st.InstallFailures, st.UpgradeFailures = prior.all+1, prior.install, prior.upgrade
	setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, TestFailedReason, msg, gen)
	if verb == "install" {
		st.InstallFailures++
		if spec := hr.Spec.Install; spec != nil && remediates(spec.Remediation) {
			r.uninstallFailed(ctx, u, hr, st, q)
		}
		return
	}
	st.UpgradeFailures++
	q.rollbackBelow = cur.Version
	if spec := hr.Spec.Upgrade; spec != nil && remediates(spec.Remediation) {
		if spec.Remediation.Strategy == "uninstall" {
			r.uninstallFailed(ctx, u, hr, st, q)
		} else {
			r.rollBack(ctx, u, hr, st, q)
		}
	}
}

// testHooks records the tests that ran, by name.
func testHooks(res *action.TestResult) *map[string]*TestHookStatus {
	hooks := map[string]*TestHookStatus{}
	if res != nil {
		for _, t := range res.Tests {
			if !t.Ran {
				continue
			}
			h := &TestHookStatus{Phase: string(t.Phase)}
			if at := t.Hook.LastRun.StartedAt; !at.IsZero() {
				h.LastStarted = &metav1.Time{Time: at}
			}
			if at := t.Hook.LastRun.CompletedAt; !at.IsZero() {
				h.LastCompleted = &metav1.Time{Time: at}
			}
			hooks[t.Hook.Name] = h
		}
	}
	return &hooks
}

// testsInSync handles tests for a release that is already as its spec says:
// without spec.test the TestSuccess condition goes; a revision not tested yet
// (tests enabled since, or a test interrupted) is tested now; otherwise the
// last tests' outcome stands, and Ready says so unless failures are ignored.
func (r *releaseReconciler) testsInSync(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest, last *release.Release) {
	if !hr.testsEnabled() {
		removeCondition(&st.Conditions, TestSuccessCondition)
		return
	}
	if len(st.History) == 0 || st.History[0].Version != last.Version || st.History[0].Name != last.Name {
		return
	}
	verb := "upgrade"
	if last.Version == 1 {
		verb = "install"
	}
	cur := st.History[0]
	if cur.TestHooks == nil {
		r.testRelease(ctx, u, hr, st, q, verb, countsOf(st))
		return
	}
	if hr.ignoresTestFailures(verb) {
		return
	}
	if c := findCondition(st.Conditions, TestSuccessCondition); c != nil {
		setCondition(&st.Conditions, ReadyCondition, c.Status, c.Reason, c.Message, hr.Generation)
	}
}

// rollbackTarget is the revision a rollback goes back to: the deployed one, or,
// when the deployed one failed its tests, the newest successful one before it.
func rollbackTarget(ctx context.Context, q opRequest) (*release.Release, error) {
	if q.rollbackBelow == 0 {
		return q.cluster.Releases.Deployed(ctx, q.names.release)
	}
	revs, err := q.cluster.Releases.History(ctx, q.names.release)
	if err != nil {
		return nil, err
	}
	var best *release.Release
	for _, rel := range revs {
		if rel.Version >= q.rollbackBelow || rel.Info == nil {
			continue
		}
		if s := rel.Info.Status; s != release.StatusDeployed && s != release.StatusSuperseded {
			continue
		}
		if best == nil || rel.Version > best.Version {
			best = rel
		}
	}
	if best == nil {
		return nil, fmt.Errorf("release %s: no successful revision before %d", q.names.String(0), q.rollbackBelow)
	}
	return best, nil
}
