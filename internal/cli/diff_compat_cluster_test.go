package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/testenv"
)

// diffCompatPairs are conformance cases taken two by two: the release is installed
// with the first case's values, then diffed against the same chart with the
// second's (td-subchart is left out: its CRDs are apiextensions.k8s.io/v1beta1,
// which the control plane no longer serves; keda and metrics-server too: their
// APIServices have no server behind them here, and API discovery then fails for
// every install after them), so each pair changes, adds and removes objects the way a real values
// change does.
var diffCompatPairs = [][2]string{
	{"starter-default", "starter-ingress"},
	{"starter-ingress", "starter-autoscaling-httproute"},
	{"syn-values-default", "syn-values-precedence"},
	{"syn-values-default", "syn-values-set-types"},
	{"syn-values-multi-files", "syn-values-set-json"},
	{"syn-values-default", "syn-values-null-delete"},
	{"syn-values-default", "syn-values-set-string"},
	{"syn-umbrella-default", "syn-umbrella-overrides"},
	{"syn-umbrella-default", "syn-umbrella-disable-api"},
	{"syn-umbrella-default", "syn-umbrella-tags-off"},
	{"syn-ordering-default", "syn-ordering-no-extra-docs"},
	{"syn-files-default", "syn-files-glob-pattern"},
	{"bitnami-redis-standalone", "bitnami-redis-replication-sentinel"},
	{"bitnami-postgresql-standalone", "bitnami-postgresql-replication"},
	{"reloader-default", "reloader-watch-global"},
	{"fluent-bit-default", "fluent-bit-deployment-hpa"},
	{"otelcol-deployment", "otelcol-statefulset-hpa"},
	{"elasticsearch-no-generated-secrets", "elasticsearch-roles"},
	{"syn-values-default", "syn-values-set-list-index"},
	{"syn-values-default", "syn-values-set-literal"},
	{"syn-values-multi-files", "syn-values-precedence"},
	{"syn-umbrella-overrides", "syn-umbrella-global-workers-off"},
	{"starter-default", "starter-autoscaling-httproute"},
}

// diffValidatedDiffers lists the pairs whose validated render differs from the
// offline one, and why.
var diffValidatedDiffers = map[string]string{
	"fluent-bit-deployment-hpa": "--api-versions is ignored against a cluster (as in Helm), which serves no monitoring.coreos.com/v1",
}

// diffValidatedLookupFails lists the pairs whose chart, rendered against the
// cluster, finds the installed release's objects with lookup and refuses them:
// the error it gives.
var diffValidatedLookupFails = map[string]string{
	"bitnami-postgresql-replication": `does not contain the key "replication-password"`,
}

// diffCompatDiffers lists the pairs (and formats) whose outputs cannot match, and why.
var diffCompatDiffers = map[string]string{}

// TestDiffMatchesHelmDiff installs releases of the conformance corpus with Rudder and
// checks that `rudder diff upgrade --dry-run=client` prints, byte for byte, what
// helm-diff v3.9.14 prints when run as a plugin of Rudder (HELM_BIN), in the diff,
// simple and json formats, with the same exit code (--detailed-exitcode).
func TestDiffMatchesHelmDiff(t *testing.T) {
	env := testenv.Start(t)
	helmDiff := peerBinary(t, "helm-diff-v3.9.14", "helm-diff")
	corpus := conformanceDir(t)
	ns := env.Namespace(t)
	bin := rudderWrapper(t)
	base := os.Environ()
	runIn := func(dir string, extra []string, name string, args ...string) (string, string, int) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		home := t.TempDir()
		cmd.Env = append(append([]string{}, base...),
			"KUBECONFIG="+env.Kubeconfig(), "HELM_NAMESPACE="+ns, "HELM_BIN="+bin,
			"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
			"HELM_DATA_HOME="+filepath.Join(home, "data"), "TERM=dumb")
		cmd.Env = append(cmd.Env, extra...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out.String(), errOut.String(), code
	}
	validatedFailures, validatedDiffs := 0, 0
	defer func() {
		t.Logf("validated: helm-diff failed because of the cluster on %d runs, found changes on %d", validatedFailures, validatedDiffs)
		if validatedDiffs == 0 {
			t.Errorf("no validated run found a change: the validated comparison tests nothing")
		}
	}()
	cases := conformanceArgs(t, corpus)
	if len(diffCompatPairs) < 20 {
		t.Fatalf("only %d pairs", len(diffCompatPairs))
	}
	for i, pair := range diffCompatPairs {
		from, to := cases[pair[0]], cases[pair[1]]
		if from == nil || to == nil {
			t.Fatalf("pair %v: case not in the corpus index", pair)
		}
		release := "dc" + strings.TrimLeft(strings.ToLower(strings.ReplaceAll(pair[1], "-", "")), "0123456789")
		if len(release) > 30 {
			release = release[:30]
		}
		release += string(rune('a' + i%26))
		t.Run(pair[0]+"_to_"+pair[1], func(t *testing.T) {
			install := append([]string{"install", release, from.chart, "--no-hooks"}, installArgs(from.values)...)
			if out, errOut, code := runIn(from.dir, nil, bin, install...); code != 0 {
				t.Fatalf("rudder %s: exit %d\n%s%s", strings.Join(install, " "), code, out, errOut)
			}
			for _, format := range []string{"diff", "simple", "json", "diff --install -C 3"} {
				name := release
				if strings.Contains(format, "--install") {
					name += "-new" // not installed: every object is new
				}
				args := append([]string{"upgrade", name, to.chart, "--output"}, strings.Fields(format)...)
				args = append(append(args, "--detailed-exitcode"), to.values...)
				got, gotErr, gotCode := runIn(to.dir, nil, bin, append([]string{"diff"}, append(args, "--dry-run=client")...)...)
				if why, ok := diffCompatDiffers[pair[1]+"/"+format]; ok {
					t.Logf("%s: not compared: %s", format, why)
					continue
				}
				want, wantErr, wantCode := runIn(to.dir, nil, helmDiff, append(args, "--disable-validation")...)
				if got != want || gotCode != wantCode {
					t.Errorf("%s: rudder diff (exit %d) and helm-diff (exit %d) differ\n%s\nrudder stderr:\n%s\nhelm-diff stderr:\n%s",
						format, gotCode, wantCode, firstDifference(got, want), gotErr, wantErr)
				}
				if wantCode != 2 {
					t.Errorf("%s: helm-diff found no change (exit %d): the pair tests nothing\n%s", format, wantCode, wantErr)
				}
				// Without --disable-validation helm-diff renders with `template
				// --validate`, against the cluster. (Helm v4.3.1 itself refuses the
				// flags helm-diff then passes: "if any flags in the group [validate
				// dry-run] are set none of the others can be".) It prints the same
				// diff, or fails where the cluster says so: a kind it does not
				// serve, an object another release owns.
				vout, verr, vcode := runIn(to.dir, nil, helmDiff, args...)
				if why, ok := diffValidatedDiffers[pair[1]]; ok && vcode == 2 {
					t.Logf("%s, validated: not compared: %s", format, why)
				} else if vcode == 1 {
					lookupFails := diffValidatedLookupFails[pair[1]]
					if !strings.Contains(verr, "resource mapping not found for name") && !strings.Contains(verr, "exists and cannot be imported into the current release") &&
						(lookupFails == "" || !strings.Contains(verr, lookupFails)) {
						t.Errorf("%s, validated: helm-diff failed, not because of the cluster\n%s", format, verr)
					}
				} else if vout != want || vcode != wantCode {
					t.Errorf("%s, validated: helm-diff (exit %d) differs from its unvalidated run (exit %d)\n%s\nstderr:\n%s",
						format, vcode, wantCode, firstDifference(vout, want), verr)
				}
				wantCode = vcode
				switch wantCode {
				case 1:
					validatedFailures++
				case 2:
					validatedDiffs++
				}
			}
		})
	}
}

// conformanceCase is one case of the corpus index: its directory, chart and the
// value flags of its command line.
type conformanceCase struct {
	dir, chart string
	values     []string
}

// conformanceArgs reads the template cases of the corpus index.
func conformanceArgs(t *testing.T, corpus string) map[string]*conformanceCase {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases := map[string]*conformanceCase{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 || !strings.HasPrefix(cols[4], "template ") {
			continue
		}
		words := shellWords(t, cols[4])
		if len(words) < 3 {
			continue
		}
		c := &conformanceCase{dir: filepath.Join(corpus, "cases", cols[0]), chart: words[2]}
		for i := 3; i < len(words); i++ {
			switch w := words[i]; w {
			case "-n", "--kube-version":
				i++ // the release goes to the test's namespace; the version stays the default
			case "--skip-tests", "--include-crds", "--no-hooks":
			default:
				c.values = append(c.values, w)
			}
		}
		cases[cols[0]] = c
	}
	return cases
}

// installArgs drops the flags install does not take.
func installArgs(values []string) []string {
	var out []string
	for i := 0; i < len(values); i++ {
		if values[i] == "--api-versions" || values[i] == "-a" {
			i++
			continue
		}
		out = append(out, values[i])
	}
	return out
}

// shellWords splits a command line as the shell would.
func shellWords(t testing.TB, line string) []string {
	t.Helper()
	out, err := exec.Command("bash", "-c", `eval "set -- $1"; printf '%s\0' "$@"`, "words", line).Output()
	if err != nil {
		t.Fatalf("splitting %q: %v", line, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// conformanceDir is the shared conformance corpus; t is skipped without it.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = "/work/shared/conformance"
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.tsv")); err != nil {
		t.Skipf("no conformance corpus at %s (set RUDDER_CONFORMANCE)", dir)
	}
	return dir
}

// peerBinary is a tool hack/peer built and cached (as dir/name in its cache); t is
// skipped without it.
func peerBinary(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(peerCacheDir(), dir, name)
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Skipf("no %s: build it with hack/peer %s", name, name)
	}
	return p
}

// rudderWrapper returns an executable that runs this test binary as rudder.
func rudderWrapper(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "rudder")
	script := "#!/bin/sh\n" + selfCLIEnv + "=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// firstDifference shows where two outputs part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d:\n  rudder:    %q\n  helm-diff: %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}
