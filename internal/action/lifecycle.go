package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/values"
)

// The vocabulary Install, Upgrade and Rollback share: their common options, what
// the zero value of each stands for, and the checks and steps they all make.

// DefaultTimeout bounds each wait of an operation (a hook, readiness, deletion)
// when its options say 0, as the CLI's --timeout does by default.
const DefaultTimeout = 5 * time.Minute

// DefaultHistoryLimit is how many revisions of a release are kept when the
// options say 0, as the CLI's --history-max does by default (HELM_MAX_HISTORY).
const DefaultHistoryLimit = 10

// DryRun says how much of an operation is carried out.
type DryRun string

// The dry-run modes, as --dry-run names them.
const (
	// DryRunNone carries the operation out.
	DryRunNone DryRun = "none"
	// DryRunClient renders without talking to the cluster.
	DryRunClient DryRun = "client"
	// DryRunServer renders with the cluster's capabilities and lookups and has the API
	// server validate the objects (admission included) without persisting them.
	DryRunServer DryRun = "server"
)

func (d DryRun) isDry() bool { return d == DryRunClient || d == DryRunServer }

// WaitStrategy says what an operation waits for, as --wait names it.
type WaitStrategy string

// The wait strategies.
const (
	// WaitHookOnly waits for hooks only (the default).
	WaitHookOnly WaitStrategy = "hookOnly"
	// WaitWatcher also waits for every object to be ready, watching their status.
	WaitWatcher WaitStrategy = "watcher"
	// WaitLegacy is Helm 3's polling wait; Rudder treats it as WaitWatcher.
	WaitLegacy WaitStrategy = "legacy"
)

// ServerSideMode is --server-side: "true", "false" or "auto", which keeps the
// method of the revision an upgrade or rollback starts from and applies a new
// release server-side, as Helm 4 does.
type ServerSideMode string

// The server-side modes.
const (
	ServerSideAuto  ServerSideMode = "auto"
	ServerSideTrue  ServerSideMode = "true"
	ServerSideFalse ServerSideMode = "false"
)

// resolve decides the apply method for an operation starting from a revision applied
// with previous ("ssa", "csa" or "" for releases from before Helm 4).
func (m ServerSideMode) resolve(previous string) (bool, error) {
	switch m {
	case ServerSideAuto, "":
		return previous == string(release.ApplyMethodServerSide), nil
	case ServerSideTrue:
		return true, nil
	case ServerSideFalse:
		return false, nil
	}
	return false, fmt.Errorf("invalid/unknown release server-side apply method: %s", m)
}

// resolveNew decides the apply method of a new release: "auto" is server-side.
func (m ServerSideMode) resolveNew() (bool, error) {
	return m.resolve(string(release.ApplyMethodServerSide))
}

// LifecycleOptions are the options Install, Upgrade and Rollback share. The zero
// value is what the CLI does by default: the operation is carried out, with its
// hooks, objects applied as ServerSideAuto says, nothing awaited but hooks, each
// wait bounded by DefaultTimeout, DefaultHistoryLimit revisions kept.
type LifecycleOptions struct {
	// DryRun "" means DryRunNone.
	DryRun DryRun
	// NoHooks skips the chart's hooks.
	NoHooks bool
	// ServerSide says how objects are applied; "" means ServerSideAuto.
	ServerSide ServerSideMode
	// ForceConflicts takes fields over from other managers (server-side only).
	ForceConflicts bool
	// ForceReplace replaces objects instead of patching them (client-side only).
	ForceReplace bool
	// Wait says what to wait for before declaring success; "" means WaitHookOnly.
	Wait WaitStrategy
	// WaitForJobs also waits for Jobs to complete (with WaitWatcher or WaitLegacy).
	WaitForJobs bool
	// Timeout bounds each wait (hooks, readiness); 0 means DefaultTimeout.
	Timeout time.Duration
	// HistoryLimit bounds the revisions kept per release, the new one included; 0
	// means DefaultHistoryLimit, and a negative limit keeps every revision.
	HistoryLimit int
	// Description replaces the new revision's description.
	Description string
	// LockHeld says the caller holds the release's lock already (an upgrade
	// rolling back, a controller): the operation does not take it.
	LockHeld bool
	// CRDs says what becomes of the chart's crds/; "" means CRDsInstall.
	CRDs CRDPolicy
	// ForceCRDUpgrade applies, with CRDsUpgrade, the CRD changes the preflight
	// refuses; each is reported as a warning.
	ForceCRDUpgrade bool
	// CRDLabels are set on the chart's crds/ objects before they are created or
	// updated, overwriting keys they have (as Flux's helm-controller labels
	// them with their HelmRelease); nil sets none.
	CRDLabels map[string]string
}

// withDefaults returns a copy of o with each zero field replaced by the value it
// stands for.
func (o LifecycleOptions) withDefaults() LifecycleOptions {
	o.DryRun = cmp.Or(o.DryRun, DryRunNone)
	o.ServerSide = cmp.Or(o.ServerSide, ServerSideAuto)
	o.Wait = cmp.Or(o.Wait, WaitHookOnly)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.HistoryLimit = cmp.Or(o.HistoryLimit, DefaultHistoryLimit)
	return o
}

// waitForRollback makes an operation that undoes itself on failure wait for
// readiness: it cannot tell failure otherwise.
func (o LifecycleOptions) waitForRollback(rollbackOnFailure bool) LifecycleOptions {
	if rollbackOnFailure && o.Wait == WaitHookOnly {
		o.Wait = WaitWatcher
	}
	return o
}

func (o InstallOptions) withDefaults() InstallOptions {
	o.LifecycleOptions = o.LifecycleOptions.withDefaults().waitForRollback(o.RollbackOnFailure)
	return o
}

func (o UpgradeOptions) withDefaults() UpgradeOptions {
	o.LifecycleOptions = o.LifecycleOptions.withDefaults().waitForRollback(o.RollbackOnFailure)
	return o
}

func (o RollbackOptions) withDefaults() RollbackOptions {
	o.LifecycleOptions = o.LifecycleOptions.withDefaults()
	return o
}

func (o UninstallOptions) withDefaults() UninstallOptions {
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	return o
}

func (o TestOptions) withDefaults() TestOptions {
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	return o
}

// createOptions are how a new revision is stored: with the history bounded by
// HistoryLimit (after defaults).
func (o LifecycleOptions) createOptions() storage.CreateOptions {
	return storage.CreateOptions{MaxHistory: max(o.HistoryLimit, 0)}
}

func applyMethod(serverSide bool) kube.Method {
	if serverSide {
		return kube.ServerSide
	}
	return kube.ClientSide
}

// applyMethodName is how a revision records its apply method.
func applyMethodName(serverSide bool) string {
	if serverSide {
		return string(release.ApplyMethodServerSide)
	}
	return string(release.ApplyMethodClientSide)
}

// timeoutContext bounds ctx by d when d is positive.
func timeoutContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

var releaseNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// maxReleaseNameLen keeps names of derived objects within Kubernetes' limits.
const maxReleaseNameLen = 53

// ValidateReleaseName checks a release name as Helm does.
func ValidateReleaseName(name string) error {
	if name == "" {
		return errors.New("no name provided")
	}
	if len(name) > maxReleaseNameLen || !releaseNamePattern.MatchString(name) {
		return fmt.Errorf("invalid release name, must match regex %s and the length must not be longer than %d", releaseNamePattern.String(), maxReleaseNameLen)
	}
	return nil
}

// checkLabels refuses user labels that would clash with the record's own.
func checkLabels(labels map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if storage.IsSystemLabel(k) {
			return fmt.Errorf("user supplied labels contains system reserved label name. System labels: %v", storage.SystemLabels())
		}
	}
	return nil
}

// mergeLabels lays desired over current labels; "null" removes a label.
func mergeLabels(current, desired map[string]string) map[string]string {
	out := maps.Clone(current)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		if desired[k] == "null" {
			delete(out, k)
			continue
		}
		out[k] = desired[k]
	}
	return out
}

// CRDPolicy says what an operation does with a chart's crds/, as --crds names it.
type CRDPolicy string

// The CRD policies.
const (
	// CRDsInstall creates the CRDs that do not exist and leaves the others, as
	// Helm does.
	CRDsInstall CRDPolicy = "install"
	// CRDsUpgrade also updates existing CRDs (on install, upgrade and rollback),
	// after a preflight that refuses changes that would lose data or break
	// clients (see kube.CRDProblem), and waits for them to be established.
	CRDsUpgrade CRDPolicy = "upgrade"
	// CRDsSkip leaves the CRDs alone.
	CRDsSkip CRDPolicy = "skip"
)

// ParseCRDPolicy reads --crds.
func ParseCRDPolicy(s string) (CRDPolicy, error) {
	switch p := CRDPolicy(s); p {
	case CRDsInstall, CRDsUpgrade, CRDsSkip:
		return p, nil
	}
	return "", fmt.Errorf("invalid crds policy %q: want install, upgrade or skip", s)
}

// crdUpgrader updates CRDs after a preflight; *kube.Client is one.
type crdUpgrader interface {
	UpgradeCRDs(ctx context.Context, crds []*kube.Resource, opts kube.CRDUpgradeOptions) (*kube.CRDUpgradeResult, error)
}

// enabledCRDs returns the crds/ of ch and of the subcharts that vals leave
// enabled (conditions, tags), as rendering will see the tree; ch is not
// changed.
func enabledCRDs(ch *chart.Chart, vals map[string]any) ([]chart.CRD, error) {
	if len(ch.CRDObjects()) == 0 {
		return nil, nil
	}
	cp := ch.Clone()
	// The warnings are the render's to report, which processes the tree again.
	if _, err := values.ProcessDependencies(cp, vals); err != nil {
		return nil, fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	return cp.CRDObjects(), nil
}

// applyCRDs brings the chart's CRDs to the cluster as the policy says.
func (c *Cluster) applyCRDs(ctx context.Context, crds []chart.CRD, o LifecycleOptions, warn func(string)) error {
	if o.CRDs != CRDsUpgrade {
		return c.installCRDs(ctx, crds, o.CRDLabels)
	}
	up, ok := c.Server.(crdUpgrader)
	if !ok {
		return errors.New("this cluster client cannot upgrade CRDs")
	}
	all, err := c.buildCRDs(ctx, crds, o.CRDLabels)
	if err != nil {
		return err
	}
	res, err := up.UpgradeCRDs(ctx, all, kube.CRDUpgradeOptions{Force: o.ForceCRDUpgrade})
	if err != nil {
		return fmt.Errorf("failed to upgrade CRDs: %w", err)
	}
	for _, p := range res.Warnings {
		if warn != nil {
			warn("upgrading a CRD anyway, as forced: " + p.String())
		}
	}
	return nil
}

// buildCRDs reads the chart's CRDs and sets labels on each.
func (c *Cluster) buildCRDs(ctx context.Context, crds []chart.CRD, labels map[string]string) ([]*kube.Resource, error) {
	var all []*kube.Resource
	for _, crd := range crds {
		rs, err := c.Objects.Build(ctx, string(crd.File.Data), kube.BuildOptions{})
		if err != nil {
			return nil, fmt.Errorf("failed to install CRD %s: %w", crd.Name, err)
		}
		if len(rs) == 0 {
			return nil, fmt.Errorf("failed to install CRD %s: resources are empty", crd.Name)
		}
		for _, r := range rs {
			setLabels(r.Object, labels)
		}
		all = append(all, rs...)
	}
	return all, nil
}

// installCRDs creates the chart's CRDs that do not exist yet and waits until they
// are served.
func (c *Cluster) installCRDs(ctx context.Context, crds []chart.CRD, labels map[string]string) error {
	all, err := c.buildCRDs(ctx, crds, labels)
	if err != nil {
		return err
	}
	if _, err := c.Server.InstallCRDs(ctx, all, kube.CRDOptions{}); err != nil {
		return fmt.Errorf("failed to install CRDs: %w", err)
	}
	return nil
}

// setLabels sets labels on obj, overwriting keys it has.
func setLabels(obj *unstructured.Unstructured, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	have := obj.GetLabels() // a copy
	if have == nil {
		have = make(map[string]string, len(labels))
	}
	maps.Copy(have, labels)
	obj.SetLabels(have)
}
