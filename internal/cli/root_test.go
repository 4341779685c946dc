package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// A chart's mapped CRD file shortened by someone else while Rudder reads it is
// reported as such, not as an internal error.
func TestPanicMessageForShortenedFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux's SIGBUS for pages past the end of a file")
	}
	dir := t.TempDir()
	for name, data := range map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: c\nversion: 1.0.0\n",
		"crds/a.yaml": strings.Repeat("x", 4*os.Getpagesize()),
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := chart.LoadMapped(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := c.CRDObjects()[0].File.Data
	if err := os.Truncate(filepath.Join(dir, "crds", "a.yaml"), 0); err != nil {
		t.Fatal(err)
	}
	msg := func() (msg string) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { msg = panicMessage(recover()) }()
		faultSink = data[len(data)-1]
		return "no fault"
	}()
	if !strings.HasPrefix(msg, "a chart file changed on disk while it was being read") {
		t.Errorf("message %q", msg)
	}
	if got := panicMessage("boom"); got != "internal error: boom" {
		t.Errorf("other panics: %q", got)
	}
}

var faultSink byte
