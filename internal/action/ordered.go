package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/warn"
)

// WaitOrdered applies a release's objects in batches (HIP-0025): subcharts in the
// order of their Chart.yaml depends-on, and in each chart the resource groups in
// the order of their helm.sh/depends-on/resource-groups annotations, each batch
// waited for before the next; uninstall deletes them in reverse.
const WaitOrdered WaitStrategy = "ordered"

// ChartNode describes a chart and its subcharts for manifest.Sequence.
func ChartNode(ch *chart.Chart) *manifest.ChartNode {
	if ch == nil {
		return nil
	}
	n := &manifest.ChartNode{Name: ch.Name()}
	if ch.Metadata != nil {
		if v, ok := ch.Metadata.Annotations[manifest.DependsOnSubchartsAnnotation]; ok {
			// A malformed list is refused by checkChartAnnotations, naming the chart.
			n.OwnDependsOn, _ = manifest.ParseList(v)
		}
		for _, d := range ch.Metadata.Dependencies {
			name := d.Name
			if d.Alias != "" {
				name = d.Alias
			}
			n.Declared = append(n.Declared, name)
			if len(d.DependsOn) > 0 {
				if n.DependsOn == nil {
					n.DependsOn = map[string][]string{}
				}
				n.DependsOn[name] = append(n.DependsOn[name], d.DependsOn...)
			}
		}
	}
	for _, sub := range ch.Dependencies() {
		n.Subcharts = append(n.Subcharts, ChartNode(sub))
	}
	return n
}

// checkChartAnnotations refuses a malformed helm.sh/depends-on/subcharts in any
// Chart.yaml of the tree.
func checkChartAnnotations(ch *chart.Chart) error {
	if ch == nil || ch.Metadata == nil {
		return nil
	}
	if v, ok := ch.Metadata.Annotations[manifest.DependsOnSubchartsAnnotation]; ok {
		if _, err := manifest.ParseList(v); err != nil {
			return fmt.Errorf("chart %s: Chart.yaml: annotation %s: %w: %w", ch.ChartFullPath(), manifest.DependsOnSubchartsAnnotation, err, manifest.ErrSequence)
		}
	}
	for _, sub := range ch.Dependencies() {
		if err := checkChartAnnotations(sub); err != nil {
			return err
		}
	}
	return nil
}

// Sequence splits a release's objects into the batches --wait=ordered applies,
// refusing, before anything is applied, an order that cannot be followed.
func Sequence(ch *chart.Chart, manifests []manifest.Manifest) ([]manifest.Batch, []warn.Warning, error) {
	if err := checkChartAnnotations(ch); err != nil {
		return nil, nil, err
	}
	return manifest.Sequence(manifests, ChartNode(ch))
}

// storedBatches sequences the objects of a stored revision. Its chart keeps the
// top chart's Chart.yaml only: subcharts are known by their template paths.
func storedBatches(rel *release.Release) ([]manifest.Batch, error) {
	_, ms, _, err := manifest.Sort(manifest.BySource(rel.Manifest), manifest.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("release %s revision %d: %w", rel.Name, rel.Version, err)
	}
	bs, _, err := Sequence(rel.Chart, ms)
	if err != nil {
		return nil, fmt.Errorf("release %s revision %d: %w", rel.Name, rel.Version, err)
	}
	return bs, nil
}

// forApply returns a manifest stream without the annotation keys the API server
// refuses (helm.sh/depends-on/...); the stored manifest keeps them.
func forApply(stream string) (string, error) {
	if !strings.Contains(stream, "helm.sh/depends-on/") {
		return stream, nil
	}
	_, ms, _, err := manifest.Sort(manifest.BySource(stream), manifest.InstallOrder)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range ms {
		content, err := manifest.ForApply(m)
		if err != nil {
			return "", err
		}
		writeDocument(&b, m.Name, content)
	}
	return b.String(), nil
}

// batchOf maps each object of the batches to its batch's index.
func (c *Cluster) batchOf(ctx context.Context, namespace string, batches []manifest.Batch) (map[kube.Key]int, error) {
	idx := map[kube.Key]int{}
	for i, b := range batches {
		var s strings.Builder
		for _, m := range b.Manifests() {
			content, err := manifest.ForApply(m)
			if err != nil {
				return nil, err
			}
			writeDocument(&s, m.Name, content)
		}
		rs, err := c.Objects.Build(ctx, s.String(), kube.BuildOptions{Namespace: namespace})
		if err != nil {
			return nil, fmt.Errorf("unable to build kubernetes objects of batch %d: %w", i+1, err)
		}
		for _, r := range rs {
			idx[r.Key()] = i
		}
	}
	return idx, nil
}

// splitBatches splits resources by batch, keeping their order; objects of no
// batch go in the last.
func splitBatches(rs []*kube.Resource, idx map[kube.Key]int, n int) [][]*kube.Resource {
	out := make([][]*kube.Resource, max(n, 1))
	for _, r := range rs {
		i, ok := idx[r.Key()]
		if !ok {
			i = len(out) - 1
		}
		out[i] = append(out[i], r)
	}
	return out
}

// orderedApply is how each batch is applied.
type orderedApply func(ctx context.Context, batch []*kube.Resource) (*kube.Result, error)

// applyBatches applies the batches one after another, waiting for each to be
// ready (within one timeout for all) before the next; a batch that fails stops the
// rollout. It returns the objects it created.
func applyBatches(ctx context.Context, c *Cluster, batches [][]*kube.Resource, apply orderedApply, o LifecycleOptions) ([]*kube.Resource, error) {
	wctx, cancel := timeoutContext(ctx, o.Timeout)
	defer cancel()
	var created []*kube.Resource
	for i, b := range batches {
		if len(b) == 0 {
			continue
		}
		res, err := apply(ctx, b)
		if res != nil {
			created = append(created, res.Created...)
		}
		if err != nil {
			return created, fmt.Errorf("batch %d of %d: %w", i+1, len(batches), err)
		}
		if err := c.Waits.WaitReady(wctx, b, kube.WaitOptions{
			Readiness:   kube.ReadinessOrdered,
			WaitForJobs: o.WaitForJobs,
			Events:      c.WaitEvents,
			LiveLogs:    c.WaitLogs,
			Now:         c.Now,
		}); err != nil {
			return created, fmt.Errorf("batch %d of %d: %w", i+1, len(batches), err)
		}
	}
	return created, nil
}

// deleteBatches deletes the batches in reverse order, each gone before the next.
func deleteBatches(ctx context.Context, c *Cluster, batches [][]*kube.Resource, opts kube.DeleteOptions, timeout time.Duration) error {
	wctx, cancel := timeoutContext(ctx, timeout)
	defer cancel()
	for _, b := range slices.Backward(batches) {
		if len(b) == 0 {
			continue
		}
		if _, err := c.Objects.Delete(ctx, b, opts); err != nil {
			return err
		}
		if err := c.Waits.WaitForDelete(wctx, b, kube.DeleteWaitOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// among returns the objects of rs that batch holds too: the original objects of
// one batch's update, which deletes those of its original it does not hold.
func among(rs, batch []*kube.Resource) []*kube.Resource {
	in := make(map[kube.Key]bool, len(batch))
	for _, r := range batch {
		in[r.Key()] = true
	}
	var out []*kube.Resource
	for _, r := range rs {
		if in[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}

// updateOrdered moves a release from original to target batch by batch, each
// waited for before the next, then deletes the original objects target has not.
func (c *Cluster) updateOrdered(ctx context.Context, namespace string, original, target []*kube.Resource, batches []manifest.Batch, opts kube.ApplyOptions, o LifecycleOptions) ([]*kube.Resource, error) {
	idx, err := c.batchOf(ctx, namespace, batches)
	if err != nil {
		return nil, err
	}
	apply := func(ctx context.Context, b []*kube.Resource) (*kube.Result, error) {
		return c.Objects.Update(ctx, among(original, b), b, opts)
	}
	created, err := applyBatches(ctx, c, splitBatches(target, idx, len(batches)), apply, o)
	if err != nil {
		return created, err
	}
	var gone []*kube.Resource
	kept := map[kube.Key]bool{}
	for _, r := range target {
		kept[r.Key()] = true
	}
	for _, r := range original {
		if !kept[r.Key()] {
			gone = append(gone, r)
		}
	}
	if len(gone) == 0 {
		return created, nil
	}
	_, err = c.Objects.Update(ctx, gone, nil, opts)
	return created, err
}

// orderedOnly keeps WaitOrdered, for an install that undoes itself in reverse
// order; the other strategies leave the uninstall as it was.
func orderedOnly(w WaitStrategy) WaitStrategy {
	if w == WaitOrdered {
		return w
	}
	return ""
}

// OrderedManifest writes a release's objects in the order --wait=ordered applies
// them, each resource group between "## START resource-group: <chart> <group>"
// and "## END resource-group: ..." comments, as HIP-0025 shows the order.
func OrderedManifest(ch *chart.Chart, manifests []manifest.Manifest) (string, []warn.Warning, error) {
	batches, ws, err := Sequence(ch, manifests)
	if err != nil {
		return "", ws, err
	}
	var b strings.Builder
	for _, batch := range batches {
		for _, u := range batch.Units {
			fmt.Fprintf(&b, "## START resource-group: %s\n", u.Label())
			for _, m := range u.Manifests {
				writeDocument(&b, m.Name, m.Content)
			}
			fmt.Fprintf(&b, "## END resource-group: %s\n", u.Label())
		}
	}
	return b.String(), ws, nil
}

// ShowOrder rewrites a release's manifest stream in the order --wait=ordered
// applies it (see OrderedManifest).
func ShowOrder(ch *chart.Chart, stream string) (string, []warn.Warning, error) {
	_, ms, _, err := manifest.Sort(manifest.BySource(stream), manifest.InstallOrder)
	if err != nil {
		return "", nil, err
	}
	return OrderedManifest(ch, ms)
}
