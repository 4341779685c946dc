package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rudderpm/rudder/internal/warn"
)

// The annotations of HIP-0025 that order a release's objects (--wait=ordered).
const (
	// ResourceGroupAnnotation names the resource group an object belongs to.
	ResourceGroupAnnotation = "helm.sh/resource-group"
	// DependsOnGroupsAnnotation lists, as a JSON list, the resource groups of the
	// same chart that must be ready before the object is applied. Its key has two
	// slashes, which the API server refuses: it is stripped before apply.
	DependsOnGroupsAnnotation = "helm.sh/depends-on/resource-groups"
	// DependsOnSubchartsAnnotation, in Chart.yaml, lists the subcharts that must be
	// ready before the chart's own objects are applied.
	DependsOnSubchartsAnnotation = "helm.sh/depends-on/subcharts"
	// ReadinessSuccessAnnotation and ReadinessFailureAnnotation list readiness
	// expressions (see ParseReadiness); both must be given to replace the default
	// rules.
	ReadinessSuccessAnnotation = "helm.sh/readiness-success"
	ReadinessFailureAnnotation = "helm.sh/readiness-failure"
)

// ErrSequence marks an ordering that cannot be followed: a cycle, a reference to a
// group or subchart that does not exist, a malformed annotation.
var ErrSequence = errors.New("invalid sequencing")

// ChartNode is one chart of a release, with what its Chart.yaml says about the
// order of its subcharts. The zero value is a chart with no ordering.
type ChartNode struct {
	// Name is the name the chart's templates are rendered under: its alias, or
	// its name.
	Name string
	// Declared lists the names (alias or name) of the dependencies Chart.yaml
	// declares, enabled or not; references to others are errors.
	Declared []string
	// DependsOn maps a subchart to the subcharts it waits for (the depends-on of
	// its entry in Chart.yaml's dependencies).
	DependsOn map[string][]string
	// OwnDependsOn lists the subcharts the chart's own objects wait for
	// (helm.sh/depends-on/subcharts).
	OwnDependsOn []string
	// Subcharts are the enabled subcharts. Subcharts seen only in template paths
	// (a release read back from storage keeps no subcharts) are added without
	// ordering.
	Subcharts []*ChartNode
}

// Unit is the objects of one resource group of one chart.
type Unit struct {
	// Chart is the chart's path from the top chart: "parent/sub".
	Chart string
	// Group is the resource group; "" for the objects of no group (and of
	// groups nothing depends on), which come after the chart's groups.
	Group     string
	Manifests []Manifest
}

// Label is how Helm's HIP-0025 names the unit in template output.
func (u Unit) Label() string {
	g := u.Group
	if g == "" {
		g = "(unsequenced)"
	}
	return u.Chart + " " + g
}

// Batch is objects applied together and waited for before the next batch.
type Batch struct {
	Units []Unit
}

// Manifests are the batch's objects, unit by unit.
func (b Batch) Manifests() []Manifest {
	var out []Manifest
	for _, u := range b.Units {
		out = append(out, u.Manifests...)
	}
	return out
}

// Sequence splits a release's objects (as Sort returns them) into batches by
// HIP-0025's rules: subcharts in the order of their Chart.yaml depends-on, a
// chart's own objects after the subcharts of its helm.sh/depends-on/subcharts, and
// within a chart its resource groups in the order of their
// helm.sh/depends-on/resource-groups, objects in no group last. Independent units
// share a batch. Objects keep their order within a unit. Every problem is an error
// wrapping ErrSequence and naming the object or Chart.yaml; nothing is applied
// before Sequence succeeds. A readiness annotation given without its pair is a
// warning: the default rules apply.
func Sequence(manifests []Manifest, top *ChartNode) ([]Batch, []warn.Warning, error) {
	if top == nil {
		top = &ChartNode{}
	}
	tree := newTreeNode(top, top.Name)
	for _, m := range manifests {
		n := tree.find(chartPath(m.Name, top.Name))
		n.own = append(n.own, m)
	}
	var warnings []warn.Warning
	for _, m := range manifests {
		w, err := checkReadiness(m)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
	}
	steps, err := tree.steps()
	if err != nil {
		return nil, warnings, err
	}
	batches := make([]Batch, 0, len(steps))
	for _, s := range steps {
		batches = append(batches, Batch{Units: s})
	}
	return batches, warnings, nil
}

// treeNode is a chart with its objects.
type treeNode struct {
	spec *ChartNode
	path string
	own  []Manifest
	subs map[string]*treeNode
}

func newTreeNode(spec *ChartNode, path string) *treeNode {
	n := &treeNode{spec: spec, path: path, subs: map[string]*treeNode{}}
	for _, s := range spec.Subcharts {
		n.subs[s.Name] = newTreeNode(s, path+"/"+s.Name)
	}
	return n
}

// find returns the node of a chart path below n (its first element is n's own
// name), adding the subcharts it does not know.
func (n *treeNode) find(p []string) *treeNode {
	cur := n
	for _, name := range p[min(1, len(p)):] {
		next, ok := cur.subs[name]
		if !ok {
			next = newTreeNode(&ChartNode{Name: name}, cur.path+"/"+name)
			cur.subs[name] = next
		}
		cur = next
	}
	return cur
}

// chartPath reads the chart path of a template: "top/charts/sub/templates/x.yaml"
// is [top sub]. A name of another shape belongs to the top chart.
func chartPath(source, top string) []string {
	parts := strings.Split(source, "/")
	if len(parts) < 2 || parts[0] != top {
		return []string{top}
	}
	out := []string{parts[0]}
	for i := 1; i+1 < len(parts) && parts[i] == "charts"; i += 2 {
		out = append(out, parts[i+1])
	}
	return out
}

// self is the chart's own objects among the nodes of its subchart graph.
const self = ""

// steps orders the chart: its subcharts and its own objects by the chart graph,
// units of one level merged step by step.
func (n *treeNode) steps() ([][]Unit, error) {
	where := "chart " + n.path + ": Chart.yaml"
	declared := map[string]bool{}
	for _, d := range n.spec.Declared {
		declared[d] = true
	}
	for name := range n.subs {
		declared[name] = true
	}
	edges := map[string][]string{self: nil}
	for name := range n.subs {
		edges[name] = nil
	}
	add := func(from string, deps []string, what string) error {
		for _, d := range deps {
			switch {
			case d == from || (from == self && d == n.spec.Name):
				return fmt.Errorf("%s: %s depends on itself: %w", where, what, ErrSequence)
			case !declared[d]:
				return fmt.Errorf("%s: %s depends on %q, which is not a dependency of the chart: %w", where, what, d, ErrSequence)
			}
			if _, present := n.subs[d]; present {
				edges[from] = append(edges[from], d)
			}
		}
		return nil
	}
	if err := add(self, n.spec.OwnDependsOn, "annotation "+DependsOnSubchartsAnnotation); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(n.spec.DependsOn)) {
		if !declared[name] {
			return nil, fmt.Errorf("%s: depends-on of unknown dependency %q: %w", where, name, ErrSequence)
		}
		if _, present := n.subs[name]; !present {
			continue // disabled: nothing waits for it, it waits for nothing
		}
		if err := add(name, n.spec.DependsOn[name], "dependency "+name); err != nil {
			return nil, err
		}
	}
	levels, cycle := levels(edges)
	if cycle != nil {
		for i, c := range cycle {
			if c == self {
				cycle[i] = n.spec.Name
			}
		}
		return nil, fmt.Errorf("%s: subcharts depend on each other in a cycle: %s: %w", where, strings.Join(cycle, " -> "), ErrSequence)
	}
	var out [][]Unit
	for _, level := range levels {
		var merged [][]Unit
		for _, name := range level {
			var s [][]Unit
			var err error
			if name == self {
				s, err = ownSteps(n.path, n.own)
			} else {
				s, err = n.subs[name].steps()
			}
			if err != nil {
				return nil, err
			}
			for i, units := range s {
				if i == len(merged) {
					merged = append(merged, nil)
				}
				merged[i] = append(merged[i], units...)
			}
		}
		out = append(out, merged...)
	}
	return out, nil
}

// levels sorts a graph (node -> nodes it depends on) into levels: each node after
// all it depends on, names sorted within a level (self first). A cycle is returned
// as the path around it.
func levels(edges map[string][]string) ([][]string, []string) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for n, deps := range edges {
		indeg[n] += 0
		for _, d := range slices.Compact(slices.Sorted(slices.Values(deps))) {
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var out [][]string
	var ready []string
	for n, d := range indeg {
		if d == 0 {
			ready = append(ready, n)
		}
	}
	done := 0
	for len(ready) > 0 {
		slices.Sort(ready)
		out = append(out, ready)
		done += len(ready)
		var next []string
		for _, n := range ready {
			for _, u := range users[n] {
				if indeg[u]--; indeg[u] == 0 {
					next = append(next, u)
				}
			}
		}
		ready = next
	}
	if done == len(indeg) {
		return out, nil
	}
	return nil, findCycle(edges, indeg)
}

// findCycle walks from a node left with dependencies until it meets itself.
func findCycle(edges map[string][]string, indeg map[string]int) []string {
	var start string
	for _, n := range slices.Sorted(maps.Keys(indeg)) {
		if indeg[n] > 0 {
			start = n
			break
		}
	}
	seen := map[string]int{}
	var path []string
	for n := start; ; {
		if i, ok := seen[n]; ok {
			return append(path[i:], n)
		}
		seen[n] = len(path)
		path = append(path, n)
		deps := slices.Sorted(slices.Values(edges[n]))
		for _, d := range deps {
			if indeg[d] > 0 {
				n = d
				break
			}
		}
	}
}

// ownSteps orders a chart's own objects by their resource groups.
func ownSteps(chart string, own []Manifest) ([][]Unit, error) {
	members := map[string][]Manifest{}
	deps := map[string][]string{}
	objects := map[string]string{} // group -> an object that declares it, for errors
	type ref struct {
		m    Manifest
		deps []string
	}
	var refs []ref
	for _, m := range own {
		ann := annotations(m)
		group, grouped := ann[ResourceGroupAnnotation]
		ds, err := groupList(m, ann)
		if err != nil {
			return nil, err
		}
		if grouped {
			if err := checkGroupName(m, group); err != nil {
				return nil, err
			}
			members[group] = append(members[group], m)
			deps[group] = append(deps[group], ds...)
			if _, ok := objects[group]; !ok {
				objects[group] = ObjectName(m)
			}
		}
		refs = append(refs, ref{m, ds})
	}
	for _, r := range refs {
		group := annotations(r.m)[ResourceGroupAnnotation]
		for _, d := range r.deps {
			if d == group {
				return nil, fmt.Errorf("%s: resource group %q depends on itself: %w", ObjectName(r.m), d, ErrSequence)
			}
			if _, ok := members[d]; !ok {
				return nil, fmt.Errorf("%s: depends on resource group %q, which no object of chart %s belongs to: %w", ObjectName(r.m), d, chart, ErrSequence)
			}
		}
	}
	// Groups nothing depends on and that depend on nothing are not sequenced.
	used := map[string]bool{}
	for g, ds := range deps {
		if len(ds) > 0 {
			used[g] = true
		}
		for _, d := range ds {
			used[d] = true
		}
	}
	edges := map[string][]string{}
	for g := range members {
		if used[g] {
			edges[g] = deps[g]
		}
	}
	lv, cycle := levels(edges)
	if cycle != nil {
		var objs []string
		for _, g := range cycle[:len(cycle)-1] {
			objs = append(objs, objects[g])
		}
		return nil, fmt.Errorf("chart %s: resource groups depend on each other in a cycle: %s (objects %s): %w",
			chart, strings.Join(cycle, " -> "), strings.Join(objs, ", "), ErrSequence)
	}
	var out [][]Unit
	for _, level := range lv {
		units := make([]Unit, 0, len(level))
		for _, g := range level {
			units = append(units, Unit{Chart: chart, Group: g, Manifests: members[g]})
		}
		out = append(out, units)
	}
	var last []Manifest
	for _, m := range own {
		if g, ok := annotations(m)[ResourceGroupAnnotation]; ok && used[g] {
			continue
		}
		last = append(last, m)
	}
	if len(last) > 0 {
		out = append(out, []Unit{{Chart: chart, Manifests: last}})
	}
	return out, nil
}

// ObjectName names a manifest's object for messages: "Deployment/web in
// chart/templates/web.yaml".
func ObjectName(m Manifest) string {
	kind, name := "", ""
	if m.Head != nil {
		kind = m.Head.Kind
		if m.Head.Metadata != nil {
			name = m.Head.Metadata.Name
		}
	}
	return fmt.Sprintf("%s/%s in %s", kind, name, m.Name)
}

func annotations(m Manifest) map[string]string {
	if m.Head == nil || m.Head.Metadata == nil {
		return nil
	}
	return m.Head.Metadata.Annotations
}

// groupList reads helm.sh/depends-on/resource-groups: a JSON list of group names.
func groupList(m Manifest, ann map[string]string) ([]string, error) {
	v, ok := ann[DependsOnGroupsAnnotation]
	if !ok {
		return nil, nil
	}
	names, err := ParseList(v)
	if err != nil {
		return nil, fmt.Errorf("%s: annotation %s: %w: %w", ObjectName(m), DependsOnGroupsAnnotation, err, ErrSequence)
	}
	for _, n := range names {
		if err := checkGroupName(m, n); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// ParseList reads an annotation holding a JSON list of strings, as HIP-0025's
// annotations do: ["database", "queue"].
func ParseList(v string) ([]string, error) {
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return nil, fmt.Errorf("want a JSON list of names like [\"a\", \"b\"], got %q", v)
	}
	return names, nil
}

func checkGroupName(m Manifest, g string) error {
	if strings.TrimSpace(g) == "" || strings.ContainsAny(g, " \t\r\n") {
		return fmt.Errorf("%s: resource group name %q is empty or has white space: %w", ObjectName(m), g, ErrSequence)
	}
	return nil
}

// checkReadiness parses an object's readiness expressions, so that one that does
// not parse stops the release before anything is applied.
func checkReadiness(m Manifest) ([]warn.Warning, error) {
	ann := annotations(m)
	s, hasS := ann[ReadinessSuccessAnnotation]
	f, hasF := ann[ReadinessFailureAnnotation]
	for _, a := range []struct {
		key, v string
		has    bool
	}{{ReadinessSuccessAnnotation, s, hasS}, {ReadinessFailureAnnotation, f, hasF}} {
		if !a.has {
			continue
		}
		if _, err := ParseReadiness(a.v); err != nil {
			return nil, fmt.Errorf("%s: annotation %s: %w: %w", ObjectName(m), a.key, err, ErrSequence)
		}
	}
	if hasS != hasF {
		return []warn.Warning{warn.Warn(ObjectName(m) + ": " + ReadinessSuccessAnnotation + " and " + ReadinessFailureAnnotation +
			" must be given together; the default readiness rules apply")}, nil
	}
	return nil, nil
}
