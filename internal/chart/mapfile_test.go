package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

var crdText = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n" + strings.Repeat("# padding\n", 2000)

// LoadMapped gives the chart Load gives, CRD files included.
func TestLoadMappedMatchesLoad(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"Chart.yaml":                  "apiVersion: v2\nname: top\nversion: 1.0.0\n",
		"crds/a.yaml":                 crdText,
		"crds/empty.yaml":             "",
		"templates/cm.yaml":           "kind: ConfigMap\n",
		"charts/sub/Chart.yaml":       "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
		"charts/sub/crds/b.yaml":      "\xEF\xBB\xBF" + crdText,
		"charts/sub/templates/x.yaml": "kind: Secret\n",
	})
	want, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadMapped(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantCRDs, gotCRDs := want.CRDObjects(), got.CRDObjects()
	if len(gotCRDs) != 3 || len(gotCRDs) != len(wantCRDs) {
		t.Fatalf("CRDs: %d mapped, %d read", len(gotCRDs), len(wantCRDs))
	}
	for i := range gotCRDs {
		if gotCRDs[i].Filename != wantCRDs[i].Filename || !bytes.Equal(gotCRDs[i].File.Data, wantCRDs[i].File.Data) {
			t.Errorf("CRD %s differs from %s", gotCRDs[i].Filename, wantCRDs[i].Filename)
		}
	}
	if len(got.Templates) != len(want.Templates) || len(got.Dependencies()) != 1 {
		t.Errorf("templates or subcharts differ")
	}
}

// A mapped file shortened by someone else faults when read past its new end; with
// SetPanicOnFault (as the CLI sets it) that is a panic to recover from, not a crash.
func TestMappedFileShortenedFaultsAsPanic(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux's SIGBUS for pages past the end of a file")
	}
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: top\nversion: 1.0.0\n",
		"crds/a.yaml": crdText + strings.Repeat("x", 3*os.Getpagesize()),
	})
	c, err := LoadMapped(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := c.CRDObjects()[0].File.Data
	if err := os.Truncate(filepath.Join(dir, "crds", "a.yaml"), 0); err != nil {
		t.Fatal(err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() == nil {
			t.Error("reading past the shortened end did not fault")
		}
	}()
	sink = data[len(data)-1]
}

var sink byte
