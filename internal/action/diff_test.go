package action_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/diff"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// An upgrade diff reads the YAML of the render once, in the render: the comparison
// reads again only the recorded documents that changed, and documents the render
// cannot vouch for (here one with a tag, one with Windows line ends).
func TestDiffUpgradeReadsRenderOnce(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml": "gen: \"1\"\n",
		"templates/objects.yaml": `{{- range $i := until 5 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
  namespace: other
  annotations:
    helm.sh/resource-policy: keep
data:
  gen: {{ if lt $i 2 }}{{ $.Values.gen | quote }}{{ else }}"1"{{ end }}
{{- end }}
---
apiVersion: v1
kind: Secret
metadata:
  name: tagged
data:
  b: !!binary aGVsbG8=
`,
		"templates/crlf.yaml": "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n",
	}
	ch := memChart(t, files)
	out, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "app", Namespace: "ns"}}.Run(ctx, ch, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := storage.New(storage.NewMemory("ns", storage.DriverOptions{}), storage.Options{})
	rel := &release.Release{Name: "app", Namespace: "ns", Version: 1, Chart: ch, Manifest: out.Text,
		Info: &release.Info{Status: release.StatusDeployed}}
	if err := store.Create(ctx, rel, storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	d := &action.Diff{Releases: store, DiffOptions: action.DiffOptions{Namespace: "ns"}}
	res, err := d.Upgrade(ctx, "app", ch, map[string]any{"gen": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Plan(); p.Change != 2 || p.Add != 0 || p.Destroy != 0 {
		t.Fatalf("plan %v, want 2 to change", p)
	}
	// 2 changed ConfigMaps as recorded, the tagged Secret and the CRLF ConfigMap.
	if res.Parsed != 4 {
		t.Errorf("the comparison read %d documents, want 4", res.Parsed)
	}

	// The report is the one a comparison reading every document gives.
	next, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "app", Namespace: "ns"}}.Run(ctx, ch, map[string]any{"gen": "2"})
	if err != nil {
		t.Fatal(err)
	}
	var p diff.Parser
	p.Options.Namespace = "ns"
	before, err := p.Parse(out.Text)
	if err != nil {
		t.Fatal(err)
	}
	after, err := p.Parse(next.Text)
	if err != nil {
		t.Fatal(err)
	}
	if want := diff.Compare(before, after, diff.Options{}); !reflect.DeepEqual(res.Report, want) {
		t.Errorf("report\n%+v\nwant\n%+v", res.Report, want)
	}
}
