package action

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/diff"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// LiveReader reads live objects and dry-runs server-side applies; *kube.Client is
// one.
type LiveReader interface {
	ReadLive(ctx context.Context, resources []*kube.Resource, opts kube.LiveOptions) ([]*unstructured.Unstructured, error)
	DryRunApply(ctx context.Context, resources []*kube.Resource, opts kube.LiveOptions) ([]kube.DryRun, error)
}

// LiveDiff shows what an upgrade would change in the cluster: each object of the new
// render as a server-side apply would leave it (a dry run), compared with the object
// as it is live now. Objects the release would create, change, delete, adopt or
// keep are each reported as such; fields the server owns (status, managedFields,
// resourceVersion...) are left out, and so are changes only other field managers
// make, since the dry run keeps their fields.
type LiveDiff struct {
	Cluster *Cluster
	Live    LiveReader
	DiffOptions
	// TakeOwnership adopts objects that exist outside the release.
	TakeOwnership bool
	// ForceConflicts takes fields other managers own, as upgrade would.
	ForceConflicts bool
	// Ignore leaves fields (or whole objects) out of the comparison; nil
	// compares everything.
	Ignore []IgnoreRule
}

// LiveResult is what a LiveDiff found.
type LiveResult struct {
	DiffResult
	// DryRuns counts the objects dry-run applied: those whose render or live state
	// may differ from what the release last applied.
	DryRuns int
	// Conflicts name the objects whose apply conflicts with another field manager
	// ("Kind/namespace/name: message"): the diff shows them as a forced apply would
	// leave them; upgrade needs --force-conflicts.
	Conflicts []string
	// Revision is the revision the upgrade starts from (0: an install); Values are
	// the new revision's values, ManifestDigest the digest of its manifest, and
	// Observed the live objects read, with their resourceVersion: what a saved plan
	// records.
	Revision       int
	Values         map[string]any
	ManifestDigest string
	Observed       []PlanObject
}

// Upgrade diffs upgrading the release name to ch with the user's values.
func (d *LiveDiff) Upgrade(ctx context.Context, name string, ch *chart.Chart, vals map[string]any) (*LiveResult, error) {
	c := d.Cluster
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("release name is invalid: %s", name)
	}
	current, err := c.Releases.Last(ctx, name)
	missing := errors.Is(err, storage.ErrReleaseNotFound) || (err == nil && current.Info.Status == release.StatusUninstalled)
	switch {
	case missing && !d.InstallIfMissing:
		return nil, fmt.Errorf("release %s: %w", name, ErrReleaseMissing)
	case missing:
		current = nil
	case err != nil:
		return nil, err
	}
	ch = ch.Clone()
	revision := 1
	if current != nil {
		up := &Upgrade{UpgradeOptions: UpgradeOptions{
			ReuseValues: d.ReuseValues, ResetValues: d.ResetValues, ResetThenReuseValues: d.ResetThenReuseValues,
			Render: d.Render,
		}}
		if vals, err = up.values(ch, current, vals); err != nil {
			return nil, err
		}
		revision = current.Version + 1
	}
	caps, err := capabilities(ctx, c.Server, d.Render.Warnings)
	if err != nil {
		return nil, err
	}
	ro := d.Render
	ro.ReleaseName, ro.Namespace, ro.Revision, ro.IsUpgrade = name, d.Namespace, revision, current != nil
	ro.Capabilities, ro.Lookup = caps, c.Server.Lookup
	r, err := Render(ctx, ch, vals, ro)
	if err != nil {
		return nil, err
	}
	next := &release.Release{Name: name, Namespace: d.Namespace}
	target, err := c.buildOwned(ctx, next, r.Manifest)
	if err != nil {
		return nil, fmt.Errorf("unable to build kubernetes objects from new release manifest: %w", err)
	}
	var original []*kube.Resource
	if current != nil {
		// Owned as the new objects are, so that an unchanged render compares equal.
		if original, err = c.buildOwned(ctx, next, current.Manifest); err != nil {
			return nil, fmt.Errorf("unable to build kubernetes objects from current release manifest: %w", err)
		}
	}
	if err := d.checkOwnership(ctx, next, original, target, current == nil); err != nil {
		return nil, err
	}
	res, err := d.compareLive(ctx, original, target)
	if err != nil {
		return nil, err
	}
	res.NotInstalled = current == nil
	res.Revision, res.Values, res.ManifestDigest = revision-1, vals, digest([]byte(r.Manifest))
	if !d.NoHooks {
		if err := d.addHooks(res.Report, current, r); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// checkOwnership refuses, as the install or upgrade would, objects new to the
// release that exist already and belong to something else, unless TakeOwnership
// adopts them.
func (d *LiveDiff) checkOwnership(ctx context.Context, next *release.Release, original, target []*kube.Resource, install bool) error {
	had := make(map[kube.Key]bool, len(original))
	for _, r := range original {
		had[r.Key()] = true
	}
	var added []*kube.Resource
	for _, r := range target {
		if !had[r.Key()] {
			added = append(added, r)
		}
	}
	if len(added) == 0 {
		return nil
	}
	_, err := d.Cluster.Objects.Existing(ctx, added, kube.AdoptOptions{Owner: owner(next), TakeOwnership: d.TakeOwnership})
	switch {
	case err != nil && install:
		return fmt.Errorf("unable to continue with install: %w", err)
	case err != nil:
		return fmt.Errorf("unable to continue with update: %w", err)
	}
	return nil
}

// Drift compares the objects of the release's deployed revision with what is live:
// an object missing is shown as to be added, one whose fields owned by the release
// were changed by hand as changed (from its live state to what re-applying the
// revision would make it). Hooks are not looked at.
func (d *LiveDiff) Drift(ctx context.Context, name string) (*LiveResult, error) {
	c := d.Cluster
	rel, err := c.Releases.Deployed(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	owner := &release.Release{Name: rel.Name, Namespace: rel.Namespace}
	objs, err := c.buildOwned(ctx, owner, rel.Manifest)
	if err != nil {
		return nil, fmt.Errorf("unable to build kubernetes objects from release manifest: %w", err)
	}
	return d.compareLive(ctx, objs, objs)
}

// compareLive reads the live objects of both revisions, dry-runs what may change,
// and compares.
func (d *LiveDiff) compareLive(ctx context.Context, original, target []*kube.Resource) (*LiveResult, error) {
	ignores, err := compileIgnores(d.Ignore)
	if err != nil {
		return nil, err
	}
	original, target = ignores.keep(original), ignores.keep(target)
	had := make(map[kube.Key]*kube.Resource, len(original))
	for _, r := range original {
		had[r.Key()] = r
	}
	wanted := make(map[kube.Key]bool, len(target))
	all := append([]*kube.Resource{}, target...)
	for _, r := range target {
		wanted[r.Key()] = true
	}
	var dropped []*kube.Resource
	for _, r := range original {
		if !wanted[r.Key()] {
			dropped = append(dropped, r)
			all = append(all, r)
		}
	}
	live, err := d.Live.ReadLive(ctx, all, kube.LiveOptions{})
	if err != nil {
		return nil, err
	}
	observed := make([]PlanObject, len(all))
	for i, r := range all {
		observed[i] = PlanObject{APIVersion: r.GVK.GroupVersion().String(), Kind: r.Kind(), Namespace: r.Namespace(), Name: r.Name()}
		if live[i] != nil {
			observed[i].ResourceVersion = live[i].GetResourceVersion()
		}
	}

	// Objects whose render is what the release last applied and whose live state
	// still holds all of it would not change: the others are dry-run.
	var candidates, creates []*kube.Resource
	var at []int
	for i, r := range target {
		if live[i] == nil {
			creates = append(creates, r)
			continue
		}
		if old := had[r.Key()]; old != nil && reflect.DeepEqual(old.Object.Object, r.Object.Object) && holds(live[i].Object, r.Object.Object) {
			continue
		}
		candidates = append(candidates, r)
		at = append(at, i)
	}
	dry, err := d.Live.DryRunApply(ctx, candidates, kube.LiveOptions{ForceConflicts: d.ForceConflicts})
	if err != nil {
		return nil, err
	}
	after := make([]*unstructured.Unstructured, len(target))
	var conflicts []string
	for k, i := range at {
		after[i] = dry[k].Object
		if dry[k].Conflict != "" {
			conflicts = append(conflicts, target[i].Key().String()+": "+dry[k].Conflict)
		}
	}

	created, err := d.dryRunCreates(ctx, creates)
	if err != nil {
		return nil, err
	}

	var before, next strings.Builder
	var adopted, kept []string
	keyOf := map[int]string{}
	for i, r := range target {
		switch {
		case live[i] == nil: // created
			writeObject(&next, created[r.Key()])
		case after[i] == nil: // unchanged
		default:
			paths, _ := ignores.pathsFor(r)
			writeObject(&before, withoutPaths(live[i].Object, paths))
			writeObject(&next, withoutPaths(after[i].Object, paths))
			if had[r.Key()] == nil {
				keyOf[i] = ""
				adopted = append(adopted, r.Key().String())
			}
		}
	}
	for k, r := range dropped {
		obj := live[len(target)+k]
		if obj == nil {
			continue // already gone
		}
		if obj.GetAnnotations()[kube.ResourcePolicyAnnotation] == "keep" {
			kept = append(kept, r.Key().String())
			continue
		}
		writeObject(&before, obj.Object)
	}
	po := diff.ParseOptions{Namespace: d.Namespace, Normalize: d.Normalize, IncludeTests: d.IncludeTests}
	oldIdx, err := diff.Parse(before.String(), po)
	if err != nil {
		return nil, fmt.Errorf("live objects: %w", err)
	}
	newIdx, err := diff.Parse(next.String(), po)
	if err != nil {
		return nil, fmt.Errorf("new objects: %w", err)
	}
	rep := diff.Compare(oldIdx, newIdx, d.Compare)
	for i, r := range target {
		if _, ok := keyOf[i]; ok {
			rep.Relabel(diffKey(r, d.Namespace), diff.Adopt)
		}
	}
	for _, r := range dropped {
		for _, k := range kept {
			if r.Key().String() == k {
				rep.AddKept(diffKey(r, d.Namespace), r.Kind())
			}
		}
	}
	rep.Changed = len(rep.Entries) > 0
	return &LiveResult{DiffResult: DiffResult{Report: rep}, DryRuns: len(candidates) + len(creates), Conflicts: conflicts, Observed: observed}, nil
}

// dryRunCreates returns the objects to be created as the API server would store
// them (defaults and mutating webhooks applied), by key. An object whose namespace
// does not exist yet (an install with --create-namespace) cannot be dry-run: it is
// shown as rendered.
func (d *LiveDiff) dryRunCreates(ctx context.Context, creates []*kube.Resource) (map[kube.Key]map[string]any, error) {
	out := make(map[kube.Key]map[string]any, len(creates))
	for _, r := range creates {
		out[r.Key()] = r.Object.Object
	}
	if len(creates) == 0 {
		return out, nil
	}
	dry, err := d.Live.DryRunApply(ctx, creates, kube.LiveOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for k, r := range creates {
		if k < len(dry) && dry[k].Object != nil {
			out[r.Key()] = dry[k].Object.Object
		}
	}
	return out, nil
}

// addHooks compares the hooks the release recorded with the new ones, as rendered:
// hooks are created anew by each upgrade, so there is no live state to compare.
func (d *LiveDiff) addHooks(rep *diff.Report, current *release.Release, r *Rendered) error {
	var old, next strings.Builder
	if current != nil {
		for _, h := range current.Hooks {
			writeDocument(&old, h.Path, h.Manifest)
		}
	}
	for _, h := range r.Hooks {
		writeDocument(&next, h.Path, h.Manifest)
	}
	po := diff.ParseOptions{Namespace: d.Namespace, Normalize: d.Normalize, IncludeTests: d.IncludeTests}
	a, err := diff.Parse(old.String(), po)
	if err != nil {
		return fmt.Errorf("current release hooks: %w", err)
	}
	b, err := diff.Parse(next.String(), po)
	if err != nil {
		return fmt.Errorf("new hooks: %w", err)
	}
	hooks := diff.Compare(a, b, d.Compare)
	rep.Entries = append(rep.Entries, hooks.Entries...)
	rep.Changed = rep.Changed || hooks.Changed
	return nil
}

// diffKey is the diff package's key of a resource.
func diffKey(r *kube.Resource, namespace string) string {
	ns := r.Namespace()
	if ns == "" {
		ns = namespace
	}
	group := r.GVK.Group
	if group == "" {
		group = r.GVK.Version
	}
	return fmt.Sprintf("%s, %s, %s (%s)", ns, r.Name(), r.Kind(), group)
}

// serverFields are the metadata fields the API server writes.
var serverFields = []string{"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"}

// writeObject appends obj to a manifest stream without the fields the server owns.
func writeObject(b *strings.Builder, obj map[string]any) {
	o := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "status" {
			o[k] = v
		}
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		m := make(map[string]any, len(meta))
		for k, v := range meta {
			m[k] = v
		}
		for _, f := range serverFields {
			delete(m, f)
		}
		if a, ok := m["annotations"].(map[string]any); ok {
			if _, rev := a["deployment.kubernetes.io/revision"]; rev {
				a2 := make(map[string]any, len(a))
				for k, v := range a {
					a2[k] = v
				}
				delete(a2, "deployment.kubernetes.io/revision")
				m["annotations"] = a2
				if len(a2) == 0 {
					delete(m, "annotations")
				}
			}
		}
		o["metadata"] = m
	}
	out, err := yaml.Marshal(o)
	if err != nil {
		out = []byte(fmt.Sprintf("# %v\n", err))
	}
	b.WriteString("---\n")
	b.Write(out)
}

// holds tells whether have holds every field of want with the same value. Values
// that compare unequal only in form (a quantity written two ways) make it false,
// which costs a dry run, never a wrong answer.
func holds(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			hv, ok := h[k]
			if !ok {
				if v == nil {
					continue
				}
				return false
			}
			if !holds(hv, v) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !holds(h[i], w[i]) {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(have) == fmt.Sprint(want)
}
