package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// deepFiles is a chart whose subcharts nest depth levels (charts/sub/charts/sub/...),
// and, when extra is set, a file in depth further folders of the top chart.
func deepFiles(depth int, extra int) map[string]string {
	files := map[string]string{"Chart.yaml": "apiVersion: v2\nname: top\nversion: 1.0.0\n"}
	dir := ""
	for range depth {
		dir += "charts/sub/"
		files[dir+"Chart.yaml"] = "apiVersion: v2\nname: sub\nversion: 1.0.0\n"
	}
	if extra > 0 {
		files[strings.Repeat("files/", extra)+"x.txt"] = "x"
	}
	return files
}

// loadEveryWay loads the same chart from files in memory, a folder, an archive and an
// fs.FS (as lint reads an archive), and returns the error of each.
func loadEveryWay(t *testing.T, files map[string]string) map[string]error {
	t.Helper()
	var list []*File
	var members []tarMember
	mfs := fstest.MapFS{}
	for name, data := range files {
		list = append(list, &File{Name: name, Data: []byte(data)})
		members = append(members, reg("top/"+name, data))
		mfs[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	errs := map[string]error{}
	_, errs["files"] = LoadFiles(list)
	if len(files) < 100 { // deeper, the paths pass what the system takes
		_, errs["folder"] = LoadDir(writeFiles(t, t.TempDir(), files))
	}
	_, errs["archive"] = LoadArchive(bytes.NewReader(makeArchive(t, members...)))
	_, errs["fs"] = LoadFS(mfs)
	return errs
}

// One nesting limit holds however a chart is stored, and its message says what is
// too deep: lint (which walks folders) said "a symbolic link loop?" of a chart that
// template (which read the archive) rendered.
func TestLoadNestingLimits(t *testing.T) {
	tooDeep := strings.TrimSuffix(strings.Repeat("charts/sub/", MaxChartNesting+1), "/")
	tests := []struct {
		name  string
		files map[string]string
		want  string // "" loads
	}{
		{"subcharts at the limit", deepFiles(MaxChartNesting, 0), ""},
		{"subcharts a level too deep", deepFiles(MaxChartNesting+1, 0), tooDeep + ": charts nested more than 30 deep"},
		{"subcharts a thousand deep", deepFiles(1000, 0), tooDeep + ": charts nested more than 30 deep"},
		{"folders at the limit", deepFiles(0, maxDirDepth), ""},
		{"folders a level too deep", deepFiles(0, maxDirDepth+1),
			strings.Repeat("files/", maxDirDepth) + "files: directories nested more than 64 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for way, err := range loadEveryWay(t, tt.files) {
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("%s: %v", way, err)
				case tt.want != "" && (err == nil || err.Error() != tt.want):
					t.Errorf("%s: err = %v\nwant %s", way, err, tt.want)
				}
			}
		})
	}
}

// Archives within archives count as subcharts too, though the names within each
// start again.
func TestLoadNestedArchivesLimit(t *testing.T) {
	for _, depth := range []int{MaxChartNesting, MaxChartNesting + 1} {
		var inner []byte
		for level := depth; level >= 0; level-- {
			name := "c" + string(rune('a'+level%26))
			members := []tarMember{reg(name+"/Chart.yaml", "apiVersion: v2\nname: "+name+"\nversion: 1.0.0\n")}
			if inner != nil {
				members = append(members, reg(name+"/charts/inner.tgz", string(inner)))
			}
			inner = makeArchive(t, members...)
		}
		_, err := LoadArchive(bytes.NewReader(inner))
		if depth == MaxChartNesting && err != nil {
			t.Errorf("at the limit: %v", err)
		}
		if depth > MaxChartNesting && (err == nil || !strings.HasSuffix(err.Error(), "error unpacking subchart inner.tgz in ce: charts nested more than 30 deep")) {
			t.Errorf("past the limit: err = %.300v", err)
		}
	}
}

// Only a walk that followed a symbolic link mentions one.
func TestLoadDirLinkLoopIsNamed(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"Chart.yaml": minimalChartYAML, "a/b/c/x.txt": "x"})
	// Each turn of the loop a/b/c/up -> a passes three folders and one link, so the
	// walk goes past maxDirDepth before the system's bound on links in a path.
	if err := os.Symlink("../..", filepath.Join(dir, "a/b/c/up")); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	_, err := LoadDir(dir)
	if err == nil || !strings.HasSuffix(err.Error(), ": directories nested more than 64 deep (through a symbolic link: a loop?)") ||
		!strings.HasPrefix(err.Error(), "a/b/c/up/b/c/up/") {
		t.Errorf("err = %v", err)
	}
}
