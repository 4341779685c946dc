package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// TestReadCommandsMatchHelm runs list, history, status and get on the release
// records Helm 4.3.1 wrote in testdata/readcmds/records.jsonl and compares
// stdout, stderr and the exit code with what Helm printed for the same
// command on the same records (testdata/readcmds/golden; generate.sh makes
// both, on a local cluster).
func TestReadCommandsMatchHelm(t *testing.T) {
	// The golden files were recorded in UTC; a record's time in another offset
	// prints with the local zone's name when the offsets agree.
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })

	mem := seedMemory(t, "testdata/readcmds/records.jsonl")
	files, err := filepath.Glob("testdata/readcmds/golden/*.txtar")
	if err != nil || len(files) < 50 {
		t.Fatalf("golden files: %d found, %v", len(files), err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			g := readGolden(t, file)
			stdout, stderr, code := runReadCmd(t, mem, g.args...)
			if code != g.code {
				t.Errorf("exit code %d, Helm's %d", code, g.code)
			}
			if stdout != g.stdout {
				t.Errorf("stdout differs from Helm's\n--- rudder\n%s\n--- helm\n%s", stdout, g.stdout)
			}
			if stderr != g.stderr {
				t.Errorf("stderr differs from Helm's\n--- rudder\n%s\n--- helm\n%s", stderr, g.stderr)
			}
		})
	}
}

type golden struct {
	args           []string
	code           int
	stdout, stderr string
}

func readGolden(t *testing.T, file string) golden {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	sc := bufio.NewScanner(bytes.NewReader(ar.Comment))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		switch k {
		case "args":
			if err := json.Unmarshal([]byte(v), &g.args); err != nil {
				t.Fatalf("%s: args: %v", file, err)
			}
		case "code":
			g.code, _ = strconv.Atoi(v)
		}
	}
	for _, f := range ar.Files {
		data := string(f.Data)
		name, nonl := strings.CutSuffix(f.Name, "-nonl")
		if nonl {
			data = strings.TrimSuffix(data, "\n")
		}
		switch name {
		case "stdout":
			g.stdout = data
		case "stderr":
			g.stderr = data
		}
	}
	if len(g.args) == 0 {
		t.Fatalf("%s: no args", file)
	}
	return g
}

// seedMemory fills a memory store with the records of a JSON-lines file, each
// {"namespace", "labels", "release"}: the release record and the labels of its
// Secret, of which storage keeps the user's.
func seedMemory(t *testing.T, file string) *storage.Memory {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	mem := storage.NewMemory("", storage.DriverOptions{})
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		var rec struct {
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
			Release   *release.Release  `json:"release"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		for k, v := range rec.Labels {
			if !storage.IsSystemLabel(k) {
				if rec.Release.Labels == nil {
					rec.Release.Labels = map[string]string{}
				}
				rec.Release.Labels[k] = v
			}
		}
		if err := mem.InNamespace(rec.Namespace).Create(context.Background(), rec.Release); err != nil {
			t.Fatal(err)
		}
	}
	return mem
}

// runReadCmd runs the read-only commands as Run does, with HELM_DRIVER=memory
// over mem and no cluster. The root is named helm, as when the golden files
// were recorded: usage lines name the program.
func runReadCmd(t *testing.T, mem *storage.Memory, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{
		"HOME":        home,
		"KUBECONFIG":  filepath.Join(home, "no-kubeconfig"),
		"HELM_DRIVER": "memory",
	}
	var out, errb bytes.Buffer
	s := Streams{Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }}
	a := &app{streams: s, settings: newSettings(s.Getenv), memory: mem}
	root := &cobra.Command{Use: "helm", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&errb)
	root.SetErr(&errb)
	a.settings.addFlags(root.PersistentFlags())
	root.AddCommand(a.newListCmd(), a.newHistoryCmd(), a.newStatusCmd(), a.newGetCmd())
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(&errb, "Error: %v\n", err)
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
	}
	return out.String(), errb.String(), code
}
