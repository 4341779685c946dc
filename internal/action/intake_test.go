package action

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/values"
)

func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, "c", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "c")
}

type ctxKey struct{}

func TestIntake(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: c\nversion: 1.0.0\ndeprecated: true\n",
		"requirements.yaml": "dependencies: []\n",
		"values.yaml":       "a: chart\n",
	})
	ctx := context.WithValue(context.Background(), ctxKey{}, "the caller's")
	var seen []string
	req := IntakeRequest{
		Chart:  ChartRequest{Ref: dir},
		Values: values.Options{ValueFiles: []string{"one.yaml"}, Values: []string{"b=set"}},
		ReadValues: func(ctx context.Context, name string) ([]byte, error) {
			seen = append(seen, name+" with "+ctx.Value(ctxKey{}).(string)+" context")
			return []byte("a: file\n"), nil
		},
	}
	in, err := (&ChartSource{}).Intake(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if in.Chart.Name() != "c" || in.Located.Path != dir {
		t.Errorf("chart %q from %q", in.Chart.Name(), in.Located.Path)
	}
	if want := map[string]any{"a": "file", "b": "set"}; !reflect.DeepEqual(in.Values, want) {
		t.Errorf("values %v, want %v (the user's only)", in.Values, want)
	}
	if want := []string{"one.yaml with the caller's context"}; !slices.Equal(seen, want) {
		t.Errorf("read %q, want %q", seen, want)
	}
	// What loading noticed comes first, then the deprecation.
	var got []string
	for _, w := range in.Warnings {
		got = append(got, w.String())
	}
	if len(got) != 2 || !strings.Contains(got[0], "Dependencies are handled in Chart.yaml") || got[1] != "this chart is deprecated" {
		t.Errorf("warnings %q", got)
	}
}

// A missing dependency fails the intake, with what was taken in: the warnings
// still reach the user.
func TestIntakeMissingDependency(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndeprecated: true\ndependencies:\n- name: sub\n  version: 1.0.0\n",
	})
	in, err := (&ChartSource{}).Intake(context.Background(), IntakeRequest{Chart: ChartRequest{Ref: dir}})
	if err == nil || !strings.Contains(err.Error(), "missing in charts/ directory: sub") {
		t.Fatalf("err = %v", err)
	}
	if in == nil || len(in.Warnings) != 1 {
		t.Fatalf("intake %+v", in)
	}
	if _, err := (&ChartSource{}).Intake(context.Background(), IntakeRequest{Chart: ChartRequest{Ref: dir + "-gone"}}); err == nil {
		t.Fatal("a missing chart was taken in")
	}
}

func TestIntakeRefusesFilesWithoutReader(t *testing.T) {
	dir := writeChart(t, map[string]string{"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n"})
	req := IntakeRequest{Chart: ChartRequest{Ref: dir}, Values: values.Options{ValueFiles: []string{"x.yaml"}}}
	if _, err := (&ChartSource{}).Intake(context.Background(), req); err == nil {
		t.Fatal("a values file was read without a reader")
	}
}
