package lint

import (
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
)

func TestCheckDeprecation(t *testing.T) {
	const cronJob = "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"
	cases := []struct {
		apiVersion, kind, kube string
		want                   string
	}{
		{"batch/v1beta1", "CronJob", "1.20.0", ""},
		{"batch/v1beta1", "CronJob", "1.21.0", cronJob},
		{"batch/v1beta1", "CronJob", "2.0.0", cronJob},
		{"batch/v1beta1", "CronJob", "0.0.0", cronJob}, // no known version: deprecated
		{"batch/v1", "CronJob", "1.37.0", ""},
		{"apps/v1beta1", "Deployment", "1.8.0", "apps/v1beta1 Deployment is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 Deployment"},
		{"example.com/v1", "Widget", "1.37.0", ""}, // not a built-in type
		{"", "CronJob", "1.37.0", ""},
		{"batch/v1beta1", "", "1.37.0", ""},
	}
	for _, c := range cases {
		kv, err := engine.ParseKubeVersion(c.kube)
		if err != nil {
			t.Fatal(err)
		}
		err = checkDeprecation(&object{APIVersion: c.apiVersion, Kind: c.kind}, *kv)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s %s at %s: got %q, want %q", c.apiVersion, c.kind, c.kube, got, c.want)
		}
	}
}

func TestCheckUniqueDependencies(t *testing.T) {
	ch := &chart.Chart{Metadata: &chart.Metadata{Dependencies: []*chart.Dependency{
		{Name: "a"}, {Name: "b", Alias: "a"}, {Name: "c"}, {Name: "c"},
	}}}
	err := checkUniqueDependencies(ch)
	if err == nil || err.Error() != "multiple dependencies with name or alias: a,c" {
		t.Errorf("got %v", err)
	}
	ch.Metadata.Dependencies = ch.Metadata.Dependencies[:1]
	if err := checkUniqueDependencies(ch); err != nil {
		t.Errorf("one dependency: %v", err)
	}
}
