package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPackageCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, _ := os.Getwd()
	if _, _, code := rudderRun(t, nil, "create", "web"); code != 0 {
		t.Fatal("create failed")
	}

	out, errOut, code := rudderRun(t, nil, "package", "web")
	want := "Successfully packaged chart and saved it to: " + filepath.Join(wd, "web-0.1.0.tgz") + "\n"
	if code != 0 || out != want || errOut != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	first, err := os.ReadFile("web-0.1.0.tgz")
	if err != nil {
		t.Fatal(err)
	}

	// The archive shows and renders like the folder.
	for _, args := range [][]string{{"show", "chart"}, {"show", "values"}, {"template", "x"}} {
		fromDir, _, c1 := rudderRun(t, nil, append(args, "web")...)
		fromTgz, _, c2 := rudderRun(t, nil, append(args, "web-0.1.0.tgz")...)
		if c1 != 0 || c2 != 0 || fromDir != fromTgz {
			t.Errorf("%q differs between the folder and the archive", args)
		}
	}

	// New file times give the same bytes; another SOURCE_DATE_EPOCH gives others.
	later := time.Now().Add(time.Hour)
	_ = filepath.Walk("web", func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, later, later) })
	out, _, code = rudderRun(t, nil, "package", "web", "-d", "again")
	if code != 0 || out != "Successfully packaged chart and saved it to: again/web-0.1.0.tgz\n" {
		t.Fatalf("code %d, %q", code, out)
	}
	if second, _ := os.ReadFile("again/web-0.1.0.tgz"); !bytes.Equal(first, second) {
		t.Error("packaging again changed the archive's bytes")
	}
	if _, _, code := rudderRun(t, map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}, "package", "web", "-d", "epoch"); code != 0 {
		t.Fatal("package with SOURCE_DATE_EPOCH failed")
	}
	if third, _ := os.ReadFile("epoch/web-0.1.0.tgz"); bytes.Equal(first, third) {
		t.Error("SOURCE_DATE_EPOCH had no effect")
	}

	out, _, code = rudderRun(t, nil, "package", "web", "--version", "1.2.3", "--app-version", "v2", "-u")
	if code != 0 || out != "Successfully packaged chart and saved it to: "+filepath.Join(wd, "web-1.2.3.tgz")+"\n" {
		t.Errorf("code %d, %q", code, out)
	}
	out, _, _ = rudderRun(t, nil, "show", "chart", "web-1.2.3.tgz")
	if !bytes.Contains([]byte(out), []byte("appVersion: v2\n")) {
		t.Errorf("show chart:\n%s", out)
	}

	errors := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"package"}, "Error: need at least one argument, the path to the chart\n"},
		{nil, []string{"package", "nope"}, "Error: stat nope: no such file or directory\n"},
		{nil, []string{"package", "web", "--version", "x.y"}, "Error: invalid semantic version\n"},
		{nil, []string{"package", "web", "--sign"}, "Error: --key is required for signing a package\n"},
		{nil, []string{"package", "web", "--sign", "--key", "me", "--keyring", "nope.gpg"}, "Error: open nope.gpg: no such file or directory\n"},
		{map[string]string{"SOURCE_DATE_EPOCH": "soon"}, []string{"package", "web"}, "Error: invalid SOURCE_DATE_EPOCH: strconv.ParseInt: parsing \"soon\": invalid syntax\n"},
		{map[string]string{"SOURCE_DATE_EPOCH": "-1"}, []string{"package", "web"}, "Error: invalid SOURCE_DATE_EPOCH: must not be negative\n"},
	}
	for _, tt := range errors {
		_, errOut, code := rudderRun(t, tt.env, tt.args...)
		if code != 1 || errOut != tt.want {
			t.Errorf("%q: code %d, stderr %q, want %q", tt.args, code, errOut, tt.want)
		}
	}
}
