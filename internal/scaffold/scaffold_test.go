package scaffold

import (
	"bytes"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestFilesListsEveryEmbeddedFile(t *testing.T) {
	var embeddedNames []string
	err := fs.WalkDir(embedded, "chart", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embeddedNames = append(embeddedNames, strings.TrimPrefix(p, "chart/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	listed := slices.Clone(names)
	slices.Sort(listed)
	slices.Sort(embeddedNames)
	if !slices.Equal(listed, embeddedNames) {
		t.Fatalf("listed files %q, embedded files %q", listed, embeddedNames)
	}
}

func TestFilesReplaceTheName(t *testing.T) {
	files := Files("web-shop")
	if len(files) != len(names) {
		t.Fatalf("%d files, want %d", len(files), len(names))
	}
	replaced := 0
	for _, f := range files {
		if bytes.Contains(f.Data, []byte(Placeholder)) {
			t.Errorf("%s still has the placeholder", f.Name)
		}
		if bytes.Contains(f.Data, []byte("web-shop")) {
			replaced++
		}
	}
	if replaced < len(files)-1 { // only .helmignore does not name the chart
		t.Errorf("the name appears in %d files only", replaced)
	}
	if !bytes.Contains(files[0].Data, []byte("\nname: web-shop\n")) {
		t.Errorf("Chart.yaml:\n%s", files[0].Data)
	}
}
