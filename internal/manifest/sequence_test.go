package manifest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sorted renders files as Sort does, for Sequence.
func sorted(t *testing.T, files map[string]string) []Manifest {
	t.Helper()
	_, ms, _, err := Sort(files, InstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// layout shows batches as "unit: names | unit: names" per batch.
func layout(bs []Batch) []string {
	var out []string
	for _, b := range bs {
		var units []string
		for _, u := range b.Units {
			var names []string
			for _, m := range u.Manifests {
				names = append(names, m.Head.Metadata.Name)
			}
			units = append(units, u.Label()+": "+strings.Join(names, ","))
		}
		out = append(out, strings.Join(units, " | "))
	}
	return out
}

const (
	grp  = ResourceGroupAnnotation
	deps = DependsOnGroupsAnnotation
)

func TestSequenceGroups(t *testing.T) {
	files := map[string]string{
		"top/templates/a.yaml": obj("Deployment", "app", grp, "app", deps, `'["database", "queue"]'`) + "---\n" +
			obj("Service", "db", grp, "database") + "---\n" +
			obj("ConfigMap", "loose") + "---\n" +
			obj("ConfigMap", "alone", grp, "isolated") + "---\n" +
			obj("Deployment", "worker", grp, "queue", deps, `'["database"]'`) + "---\n" +
			obj("Job", "late", deps, `'["app"]'`),
	}
	bs, ws, err := Sequence(sorted(t, files), &ChartNode{Name: "top"})
	if err != nil || len(ws) > 0 {
		t.Fatal(err, ws)
	}
	want := []string{
		"top database: db",
		"top queue: worker",
		"top app: app",
		// Objects in no group, in groups nothing is linked to and those that only
		// depend on groups come last, in install order of kinds.
		"top (unsequenced): loose,alone,late",
	}
	if got := layout(bs); !reflect.DeepEqual(got, want) {
		t.Errorf("batches\n%q\nwant\n%q", got, want)
	}
}

func TestSequenceSubcharts(t *testing.T) {
	files := map[string]string{
		"top/templates/t.yaml":                    obj("ConfigMap", "top-cm"),
		"top/charts/db/templates/d.yaml":          obj("Service", "db-svc", grp, "first") + "---\n" + obj("Deployment", "db", grp, "second", deps, `'["first"]'`),
		"top/charts/api/templates/a.yaml":         obj("Deployment", "api"),
		"top/charts/cache/templates/c.yaml":       obj("Deployment", "cache"),
		"top/charts/api/charts/inner/templates/i": obj("ConfigMap", "inner"),
	}
	top := &ChartNode{
		Name:         "top",
		Declared:     []string{"db", "api", "cache", "disabled"},
		DependsOn:    map[string][]string{"api": {"db", "disabled"}, "disabled": {"db"}},
		OwnDependsOn: []string{"api"},
		Subcharts:    []*ChartNode{{Name: "db"}, {Name: "api"}, {Name: "cache"}},
	}
	bs, _, err := Sequence(sorted(t, files), top)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// cache waits for nothing: it goes with db's first group.
		"top/cache (unsequenced): cache | top/db first: db-svc",
		"top/db second: db",
		// api's own objects and its subchart (known only from its path) go together.
		"top/api (unsequenced): api | top/api/inner (unsequenced): inner",
		"top (unsequenced): top-cm",
	}
	if got := layout(bs); !reflect.DeepEqual(got, want) {
		t.Errorf("batches\n%q\nwant\n%q", got, want)
	}
}

func TestSequenceErrors(t *testing.T) {
	top := &ChartNode{Name: "top"}
	tests := []struct {
		name  string
		files map[string]string
		top   *ChartNode
		want  string
	}{
		{"cycle", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", grp, "a", deps, `'["b"]'`) + "---\n" + obj("ConfigMap", "b", grp, "b", deps, `'["a"]'`)}, top,
			`chart top: resource groups depend on each other in a cycle: a -> b -> a (objects ConfigMap/a in top/templates/x.yaml, ConfigMap/b in top/templates/x.yaml)`},
		{"unknown group", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", grp, "a", deps, `'["nope"]'`)}, top,
			`ConfigMap/a in top/templates/x.yaml: depends on resource group "nope", which no object of chart top belongs to`},
		{"self", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", grp, "a", deps, `'["a"]'`)}, top,
			`ConfigMap/a in top/templates/x.yaml: resource group "a" depends on itself`},
		{"malformed list", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", deps, "database")}, top,
			`ConfigMap/a in top/templates/x.yaml: annotation helm.sh/depends-on/resource-groups: want a JSON list of names like ["a", "b"], got "database"`},
		{"blank group", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", grp, `"my group"`)}, top,
			`ConfigMap/a in top/templates/x.yaml: resource group name "my group" is empty or has white space`},
		{"bad expression", map[string]string{"top/templates/x.yaml": obj("Job", "j", ReadinessSuccessAnnotation, `'["{.succeeded} =~ 1"]'`, ReadinessFailureAnnotation, `'["{.failed} > 0"]'`)}, top,
			`Job/j in top/templates/x.yaml: annotation helm.sh/readiness-success: expression "{.succeeded} =~ 1": want one of the operators == != <= >= < > after the query`},
		{"subchart cycle", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a")},
			&ChartNode{Name: "top", Declared: []string{"x", "y"}, DependsOn: map[string][]string{"x": {"y"}, "y": {"x"}}, Subcharts: []*ChartNode{{Name: "x"}, {Name: "y"}}},
			`chart top: Chart.yaml: subcharts depend on each other in a cycle: x -> y -> x`},
		{"own cycle", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a")},
			&ChartNode{Name: "top", Declared: []string{"x"}, DependsOn: map[string][]string{"x": {"top"}}, OwnDependsOn: []string{"x"}, Subcharts: []*ChartNode{{Name: "x"}}},
			`chart top: Chart.yaml: dependency x depends on "top", which is not a dependency of the chart`},
		{"unknown subchart", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a")},
			&ChartNode{Name: "top", Declared: []string{"x"}, OwnDependsOn: []string{"nope"}, Subcharts: []*ChartNode{{Name: "x"}}},
			`chart top: Chart.yaml: annotation helm.sh/depends-on/subcharts depends on "nope", which is not a dependency of the chart`},
		{"subchart self", map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a")},
			&ChartNode{Name: "top", Declared: []string{"x"}, DependsOn: map[string][]string{"x": {"x"}}, Subcharts: []*ChartNode{{Name: "x"}}},
			`chart top: Chart.yaml: dependency x depends on itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Sequence(sorted(t, tt.files), tt.top)
			if !errors.Is(err, ErrSequence) {
				t.Fatalf("err = %v, want ErrSequence", err)
			}
			if got := strings.TrimSuffix(err.Error(), ": "+ErrSequence.Error()); got != tt.want {
				t.Errorf("error\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSequenceReadinessPairWarns(t *testing.T) {
	files := map[string]string{"top/templates/x.yaml": obj("Job", "j", ReadinessSuccessAnnotation, `'["{.succeeded} == 1"]'`)}
	_, ws, err := Sequence(sorted(t, files), &ChartNode{Name: "top"})
	if err != nil || len(ws) != 1 || !strings.Contains(ws[0].Msg, "Job/j in top/templates/x.yaml") {
		t.Errorf("warnings %v, err %v", ws, err)
	}
}

func TestReadinessHolds(t *testing.T) {
	status := map[string]any{
		"succeeded": int64(1),
		"phase":     "Running",
		"ready":     true,
		"conditions": []any{
			map[string]any{"type": "Synced", "status": "False"},
			map[string]any{"type": "Ready", "status": "True", "observedGeneration": int64(3)},
		},
		"replicas": []any{float64(2), float64(5)},
	}
	tests := []struct {
		expr string
		want bool
	}{
		{`{.succeeded} == 1`, true},
		{`{.succeeded} >= 2`, false},
		{`{.status.succeeded} < 2`, true},
		{`{.phase} == "Running"`, true},
		{`{.phase} == Running`, true},
		{`{.phase} != 'Running'`, false},
		{`{.ready} == true`, true},
		{`{.conditions[?(@.type=="Ready")].status} == "True"`, true},
		{`{.conditions[?(@.type=='Synced')].status} == "True"`, false},
		{`{.conditions[?(@.type!="Ready")].type} == Synced`, true},
		{`{.conditions[1].observedGeneration} > 2`, true},
		{`{.conditions[-1].type} == Ready`, true},
		{`{.conditions[*].status} == "False"`, true},
		{`{['phase']} == Running`, true},
		{`{.replicas[*]} > 4`, true},
		{`{.missing} == 0`, false},
		{`{.missing} != 0`, false},
		{`{.conditions} == 1`, false},
	}
	for _, tt := range tests {
		rs, err := ParseReadiness(`["` + strings.ReplaceAll(tt.expr, `"`, `\"`) + `"]`)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := rs[0].Holds(status); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{`.succeeded == 1`, `{.succeeded == 1`, `{.succeeded}`, `{.succeeded} ==`, `{} == 1`, `{.a[x]} == 1`,
		`{.a[?(@.type~"x")]} == 1`, `{.a} == "x`, `{.a..b} == 1`, `{.a} == {b}`} {
		if _, err := ParseReadiness(`["` + strings.ReplaceAll(bad, `"`, `\"`) + `"]`); err == nil {
			t.Errorf("%s parses", bad)
		}
	}
	if _, err := ParseReadiness(`{.a} == 1`); err == nil {
		t.Error("an expression outside a list parses")
	}
}

func TestForApplyStripsRejectedKeys(t *testing.T) {
	files := map[string]string{"top/templates/x.yaml": obj("ConfigMap", "a", grp, "a", deps, `'["b"]'`) + "data:\n  k: v\n---\n" + obj("ConfigMap", "b", deps, `'["c"]'`) + "---\n" + obj("ConfigMap", "c", grp, "c")}
	ms := sorted(t, files)
	got, err := ForApply(ms[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "depends-on") || !strings.Contains(got, "helm.sh/resource-group: a") || !strings.Contains(got, "k: v") {
		t.Errorf("stripped:\n%s", got)
	}
	if got, _ := ForApply(ms[1]); strings.Contains(got, "annotations") {
		t.Errorf("empty annotations left:\n%s", got)
	}
	if got, _ := ForApply(ms[2]); got != ms[2].Content {
		t.Errorf("object without rejected keys rewritten:\n%s", got)
	}
	if !strings.Contains(ms[0].Content, deps) {
		t.Error("ForApply changed the manifest itself")
	}
}

func TestBySource(t *testing.T) {
	stored := "---\n# Source: top/templates/a.yaml\n" + obj("ConfigMap", "a") + "\n---\n# Source: top/charts/s/templates/b.yaml\n" + obj("ConfigMap", "b") +
		"\n---\n# Source: top/templates/a.yaml\n" + obj("ConfigMap", "a2") + "\n"
	got := BySource(stored)
	ms := sorted(t, got)
	var names []string
	for _, m := range ms {
		names = append(names, m.Name+"="+m.Head.Metadata.Name)
	}
	want := []string{"top/charts/s/templates/b.yaml=b", "top/templates/a.yaml=a", "top/templates/a.yaml=a2"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got %q want %q", names, want)
	}
}
