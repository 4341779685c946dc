package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// handoverKubeconfig names a cluster nobody serves: the controller fails on the
// bad label selector before it dials it.
const handoverKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: ns}}]
current-context: c
`

// `rudder controller run` execs the rudder-controller program with the same
// arguments and environment; rudder itself links no controller. Built for real:
// both programs go into a folder, and the controller's own error (it quotes the
// label selector of the arguments, and reads the kubeconfig that KUBECONFIG
// names) shows that it ran.
func TestControllerRunHandsOver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/rudder and cmd/rudder-controller: skipped under -short")
	}
	both := t.TempDir()
	build := exec.Command("go", "build", "-o", both+string(filepath.Separator),
		"github.com/rudderpm/rudder/cmd/rudder", "github.com/rudderpm/rudder/cmd/rudder-controller")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tmp := t.TempDir()
	kubeconfig := filepath.Join(tmp, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(handoverKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	// alone holds rudder without its controller; onPath holds only the controller.
	alone, onPath, links := filepath.Join(tmp, "alone"), filepath.Join(tmp, "path"), filepath.Join(tmp, "links")
	for _, d := range []string{alone, onPath, links} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(both, "rudder"), filepath.Join(alone, "rudder"))
	copyFile(t, filepath.Join(both, "rudder-controller"), filepath.Join(onPath, "rudder-controller"))
	if err := os.Symlink(filepath.Join(both, "rudder"), filepath.Join(links, "helm")); err != nil {
		t.Fatal(err)
	}
	noController := "/usr/bin:/bin"
	ran := `Error: watch label selector "!!bad": `
	notFound := "Error: rudder-controller not found in " + alone + " (beside this program) nor on PATH: 'controller run' hands over to it; install it with 'go install github.com/rudderpm/rudder/cmd/rudder-controller@latest'\n"
	for _, c := range []struct {
		name, program, path, want string
	}{
		{"beside", filepath.Join(both, "rudder"), noController, ran},
		{"beside the program a link names", filepath.Join(links, "helm"), noController, ran},
		{"on PATH", filepath.Join(alone, "rudder"), onPath + string(os.PathListSeparator) + noController, ran},
		{"nowhere", filepath.Join(alone, "rudder"), noController, notFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := runHandover(t, c.program, c.path, kubeconfig)
			if !strings.HasPrefix(out, c.want) {
				t.Errorf("%s controller run printed\n%s\nwant it to start with\n%s", c.program, out, c.want)
			}
		})
	}
	// rudder installed as rudder-controller would hand over to itself forever.
	t.Run("rudder under the controller's name", func(t *testing.T) {
		copyFile(t, filepath.Join(both, "rudder"), filepath.Join(alone, "rudder-controller"))
		out := runHandover(t, filepath.Join(alone, "rudder"), noController, kubeconfig)
		want := "Error: " + filepath.Join(alone, "rudder-controller") + " is a rudder program without the controller, installed as rudder-controller: "
		if !strings.HasPrefix(out, want) {
			t.Errorf("controller run printed\n%s\nwant it to start with\n%s", out, want)
		}
	})
}

// runHandover runs program's `controller run` with a bad label selector and
// returns what it printed; the run must fail.
func runHandover(t *testing.T, program, path, kubeconfig string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, "controller", "run", "--watch-label-selector", "!!bad", "--metrics-addr", "0", "--health-addr", "")
	cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig}
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); !ok || ctx.Err() != nil {
		t.Fatalf("%s controller run: %v (want it to fail at once)\n%s", program, err, out)
	}
	return string(out)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
