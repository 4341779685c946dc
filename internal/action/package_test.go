package action

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
)

var packageChart = map[string]string{
	"Chart.yaml":                 "apiVersion: v2\nname: shop\nversion: 1.0.0\nappVersion: \"1\"\ndependencies:\n- name: db\n  version: 2.x\n  repository: https://example.com\n",
	"Chart.lock":                 "dependencies:\n- name: db\n  repository: https://example.com\n  version: 2.1.0\ndigest: sha256:abc\ngenerated: \"2023-03-04T05:06:07Z\"\n",
	"values.yaml":                "# comment kept\nport: 80\n",
	"templates/cm.yaml":          "kind: ConfigMap\n",
	"charts/db/Chart.yaml":       "apiVersion: v2\nname: db\nversion: 2.1.0\n",
	"charts/db/templates/x.yaml": "kind: Secret\n",
}

func TestPackage(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "shop")
	writeFiles(t, src, packageChart)
	dest := filepath.Join(tmp, "out", "new")

	saved, err := Package{Destination: dest}.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if saved != filepath.Join(dest, "shop-1.0.0.tgz") {
		t.Errorf("saved to %s", saved)
	}
	fi, err := os.Stat(saved)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("archive %v, %v", fi, err)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	first, _ := os.ReadFile(saved)

	// Touching every source file changes nothing.
	later := time.Now().Add(48 * time.Hour)
	_ = filepath.Walk(src, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, later, later) })
	if _, err := (Package{Destination: dest}).Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(saved); !bytes.Equal(first, second) {
		t.Error("packaging the same chart twice gave different bytes")
	}

	ch, err := chart.LoadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Lock.Generated.Year() != 2023 || len(ch.Dependencies()) != 1 {
		t.Errorf("lock %+v, dependencies %v", ch.Lock, ch.Dependencies())
	}
}

func TestPackageOverridesAndEpoch(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "shop")
	writeFiles(t, src, packageChart)
	epoch := time.Unix(1700000000, 0).UTC()
	saved, err := Package{Version: "2.0.0-rc.1", AppVersion: "v9", Destination: tmp, SourceDateEpoch: &epoch}.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(saved) != "shop-2.0.0-rc.1.tgz" {
		t.Errorf("saved %s", saved)
	}
	ch, err := chart.LoadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.Version != "2.0.0-rc.1" || ch.Metadata.AppVersion != "v9" {
		t.Errorf("metadata %+v", ch.Metadata)
	}
	if !ch.Lock.Generated.Equal(epoch) {
		t.Errorf("Chart.lock generated %v, want SOURCE_DATE_EPOCH", ch.Lock.Generated)
	}
	for _, f := range ch.Raw {
		if !f.ModTime.Equal(epoch) {
			t.Errorf("%s dated %v", f.Name, f.ModTime)
		}
	}
	if src, _ := os.ReadFile(filepath.Join(src, "Chart.yaml")); !bytes.Contains(src, []byte("version: 1.0.0")) {
		t.Error("the source chart was modified")
	}
}

func TestPackageErrors(t *testing.T) {
	tmp := t.TempDir()
	writeFiles(t, filepath.Join(tmp, "nodeps"), map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: nodeps\nversion: 1.0.0\ndependencies:\n- name: a\n  repository: https://x\n- name: b\n  repository: https://x\n",
	})
	writeFiles(t, filepath.Join(tmp, "ok"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: ok\nversion: 1.0.0\n"})
	writeFiles(t, filepath.Join(tmp, "schema"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: schema\nversion: 1.0.0\n", "values.schema.json": "{"})
	if err := os.WriteFile(filepath.Join(tmp, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    Package
		dir  string
		want string
	}{
		{Package{}, "nodeps", "found in Chart.yaml, but missing in charts/ directory: a, b"},
		{Package{Version: "one"}, "ok", "invalid semantic version"},
		{Package{Destination: filepath.Join(tmp, "file")}, "ok", "failed to save: is not a directory: " + filepath.Join(tmp, "file")},
		{Package{Destination: tmp}, "schema", "failed to save: invalid JSON in values.schema.json"},
		{Package{}, "missing", "unable to detect chart at " + filepath.Join(tmp, "missing", "Chart.yaml") + ": open "},
	}
	for _, tt := range tests {
		_, err := tt.p.Run(context.Background(), filepath.Join(tmp, tt.dir))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s %+v: got %v, want %q", tt.dir, tt.p, err, tt.want)
		}
	}
}
