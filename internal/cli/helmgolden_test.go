package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// helmModule is the Helm release whose golden files Rudder is compared with.
const helmModule = "helm.sh/helm/v4@v4.3.1"

// TestHelmGoldenFiles runs Rudder, named helm, on the command lines of Helm
// v4.3.1's own offline golden files (testdata/helmgolden/cases.txt), in a copy
// of the testdata that Helm's pkg/cmd tests use, read from the module cache at
// test time (nothing of it is kept in this repository). Output is stdout and
// stderr together, as Helm's tests capture it. A case marked "!" is a known
// difference, named with its reason; the test fails when another case differs,
// and logs the count of identical outputs.
func TestHelmGoldenFiles(t *testing.T) {
	mod := helmModuleDir(t)
	work := t.TempDir()
	if err := os.CopyFS(filepath.Join(work, "testdata"), os.DirFS(filepath.Join(mod, "pkg", "cmd", "testdata"))); err != nil {
		t.Fatalf("copy Helm's testdata: %v", err)
	}
	writeFile(t, filepath.Join(work, "foobarbaz.yaml"), "apiVersion: v1\nrepositories:\n- name: foo\n  url: http://127.0.0.1:1/foo\n- name: bar\n  url: http://127.0.0.1:1/bar\n- name: baz\n  url: http://127.0.0.1:1/baz\n")
	casesDir, err := filepath.Abs("testdata/helmgolden")
	if err != nil {
		t.Fatal(err)
	}
	cases := readGoldenCases(t, filepath.Join(casesDir, "cases.txt"))
	t.Chdir(work)
	same, known, pinned := 0, 0, 0
	for _, c := range cases {
		want, err := os.ReadFile(filepath.Join(mod, "pkg", "cmd", "testdata", "output", c.golden))
		if err != nil {
			t.Fatalf("%s: %v", c.golden, err)
		}
		args, err := splitWords(expandGoldenArgs(c.args, work, casesDir))
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		env := map[string]string{}
		for len(args) > 0 && envAssignment.MatchString(args[0]) {
			k, v, _ := strings.Cut(args[0], "=")
			env[k], args = v, args[1:]
		}
		if c.pinKube {
			args = append(args, "--kube-version", helmTestKubeVersion)
		}
		got := runAsHelm(work, env, args)
		switch {
		case got == string(want):
			same++
			if c.pinKube {
				pinned++
			}
			if c.known != "" {
				t.Errorf("%s: now identical to Helm's %s; drop its known-difference mark", c.line, c.golden)
			}
		case c.known != "":
			known++
		default:
			t.Errorf("%s: output differs from Helm's %s\n--- rudder\n%s--- helm\n%s", c.line, c.golden, got, want)
		}
	}
	t.Logf("Helm %s golden files: %d of %d cases identical (%d of them with Helm's test-build Kubernetes version given), %d known differences", helmModule, same, len(cases), pinned, known)
}

// helmTestKubeVersion is the Kubernetes version Helm's test build reports by
// default, which its golden files show.
const helmTestKubeVersion = "1.20.0"

// helmModuleDir is Helm's module in the module cache; t is skipped without it.
func helmModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("no go command to find the module cache: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(helmModule))
	if _, err := os.Stat(filepath.Join(dir, "pkg", "cmd", "testdata", "output")); err != nil {
		t.Skipf("Helm's module is not in the module cache (go mod download %s): %v", helmModule, err)
	}
	return dir
}

type goldenCase struct {
	line   string // as written, for messages
	golden string
	args   string
	known  string // why Rudder's output differs on purpose; "" if it should not
	// pinKube: the output shows the default Kubernetes version of Helm's test build.
	pinKube bool
}

// readGoldenCases reads the case file: "golden-file args...", a case with a
// known difference "! golden-file args... # reason", one that needs Helm's test
// build's Kubernetes version "~golden-file args...".
func readGoldenCases(t *testing.T, path string) []goldenCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := goldenCase{line: line}
		if rest, ok := strings.CutPrefix(line, "~"); ok {
			line, c.pinKube = rest, true
		}
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			body, reason, found := strings.Cut(rest, " # ")
			if !found {
				t.Fatalf("%s: a known difference needs ' # reason'", line)
			}
			line, c.known = strings.TrimSpace(body), reason
		}
		c.golden, c.args, _ = strings.Cut(line, " ")
		c.args = strings.TrimSpace(c.args)
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// envAssignment is a leading NAME=value word: the case's environment.
var envAssignment = regexp.MustCompile(`^[A-Z_]+=`)

func expandGoldenArgs(s, work, casesDir string) string {
	s = strings.ReplaceAll(s, "$CASES", casesDir)
	s = strings.ReplaceAll(s, "$REPO", "--repository-config testdata/helmhome/helm/repositories.yaml --repository-cache testdata/helmhome/helm/repository")
	return strings.ReplaceAll(s, "$WORK", work)
}

// runAsHelm runs the CLI as a process named helm would, in a fresh home with
// no cluster, and returns its stdout and stderr together.
func runAsHelm(work string, env map[string]string, args []string) string {
	home, _ := os.MkdirTemp(work, "home")
	env["HOME"], env["KUBECONFIG"] = home, filepath.Join(home, "no-kubeconfig")
	var out bytes.Buffer
	Run(context.Background(), args, Streams{Out: &out, Err: &out, Args0: "helm", Getenv: func(k string) string { return env[k] }})
	return out.String()
}

// splitWords splits a command line as a POSIX shell would, for the quoting
// the case file uses: single and double quotes, no escapes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case ' ', '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case '\'', '"':
			end := strings.IndexByte(s[i+1:], ch)
			if end < 0 {
				return nil, fmt.Errorf("unclosed %c quote", ch)
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
