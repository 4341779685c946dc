package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/testenv"
)

// TestHelmfileWithRudder is a new user's first helmfile run with Rudder as its helm
// binary and no diff plugin installed (Rudder's diff is built in): three releases of
// local charts are diffed, applied, one of them changed and applied again (only it
// is upgraded), and a last apply has nothing to do.
func TestHelmfileWithRudder(t *testing.T) {
	env := testenv.Start(t)
	helmfile := peerBinary(t, "helmfile-v1.8.0", "helmfile")
	ns := env.Namespace(t)
	bin := rudderWrapper(t)
	dir := t.TempDir()
	home := t.TempDir()
	for _, name := range []string{"alpha", "beta", "gamma"} {
		writeFiles(t, filepath.Join(dir, "charts", name), map[string]string{
			"Chart.yaml":          "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n",
			"values.yaml":         "greeting: hello\n",
			"templates/conf.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-conf\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
		})
	}
	writeHelmfile := func(betaGreeting string) {
		t.Helper()
		var b strings.Builder
		b.WriteString("releases:\n")
		for _, name := range []string{"alpha", "beta", "gamma"} {
			fmt.Fprintf(&b, "- name: hf-%s\n  namespace: %s\n  chart: ./charts/%s\n", name, ns, name)
			if name == "beta" && betaGreeting != "" {
				fmt.Fprintf(&b, "  set:\n  - name: greeting\n    value: %s\n", betaGreeting)
			}
		}
		writeFiles(t, dir, map[string]string{"helmfile.yaml": b.String()})
	}
	run := func(name string, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig(), "HELM_NAMESPACE="+ns,
			"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
			"HELM_DATA_HOME="+filepath.Join(home, "data"), "HELM_PLUGINS="+filepath.Join(home, "plugins"), "TERM=dumb", "NO_COLOR=1")
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
	helmfileRun := func(args ...string) (string, string, int) {
		t.Helper()
		return run(helmfile, append([]string{"--helm-binary", bin, "--no-color"}, args...)...)
	}
	revisions := func() string {
		t.Helper()
		out, errOut, code := run(bin, "list", "-n", ns, "-o", "json")
		if code != 0 {
			t.Fatalf("rudder list: exit %d\n%s", code, errOut)
		}
		var got []string
		for _, name := range []string{"alpha", "beta", "gamma"} {
			i := strings.Index(out, `"name":"hf-`+name+`"`)
			if i < 0 {
				got = append(got, name+"=none")
				continue
			}
			rest := out[i:]
			r := strings.Index(rest, `"revision":"`)
			if r < 0 {
				t.Fatalf("rudder list: no revision for hf-%s: %s", name, out)
			}
			rev := rest[r+len(`"revision":"`):]
			got = append(got, name+"="+rev[:strings.IndexByte(rev, '"')])
		}
		return strings.Join(got, " ")
	}

	// No plugin installed: the diff Rudder lists is its own.
	if out, errOut, code := run(bin, "plugin", "list"); code != 0 || !strings.Contains(out, "built-in") {
		t.Fatalf("rudder plugin list: exit %d, no built-in diff\n%s%s", code, out, errOut)
	}

	writeHelmfile("")
	out, errOut, code := helmfileRun("diff")
	if code != 0 {
		t.Fatalf("helmfile diff: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		if !strings.Contains(out, "hf-"+name+"-conf") {
			t.Errorf("helmfile diff does not show hf-%s's ConfigMap\n%s\n%s", name, out, errOut)
		}
	}
	if got := revisions(); got != "alpha=none beta=none gamma=none" {
		t.Fatalf("after helmfile diff: %s", got)
	}

	out, errOut, code = helmfileRun("apply")
	if code != 0 {
		t.Fatalf("helmfile apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := revisions(); got != "alpha=1 beta=1 gamma=1" {
		t.Fatalf("after the first helmfile apply: %s\n%s\n%s", got, out, errOut)
	}

	writeHelmfile("bonjour")
	out, errOut, code = helmfileRun("diff")
	if code != 0 || !strings.Contains(out, "+   greeting: bonjour") || strings.Contains(out, "hf-alpha-conf") || strings.Contains(out, "hf-gamma-conf") {
		t.Fatalf("helmfile diff after changing beta: exit %d, want only beta's change\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = helmfileRun("apply")
	if code != 0 {
		t.Fatalf("helmfile apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := revisions(); got != "alpha=1 beta=2 gamma=1" {
		t.Fatalf("after changing beta, helmfile apply: %s, want only beta upgraded\n%s\n%s", got, out, errOut)
	}
	if all := out + errOut; !strings.Contains(all, "Upgrading release=hf-beta") || strings.Contains(all, "Upgrading release=hf-alpha") || strings.Contains(all, "Upgrading release=hf-gamma") {
		t.Errorf("helmfile apply after changing beta: want beta alone upgraded\n%s\n%s", out, errOut)
	}

	out, errOut, code = helmfileRun("apply")
	if code != 0 {
		t.Fatalf("the last helmfile apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := revisions(); got != "alpha=1 beta=2 gamma=1" {
		t.Fatalf("the last helmfile apply changed releases: %s\n%s\n%s", got, out, errOut)
	}
	// helmfile v1.8.0 says nothing more than its comparisons when nothing changed.
	if strings.Contains(out+errOut, "Upgrading release=") || strings.Contains(out+errOut, "UPDATED RELEASES") {
		t.Errorf("the last helmfile apply upgraded something\n%s\n%s", out, errOut)
	}
}

// writeFiles writes files (relative names to contents) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
