package cli

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets script tests run "rudder" as a command: the test binary re-executes
// itself as the CLI.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rudder": func() { os.Exit(Run(context.Background(), os.Args[1:], OSStreams())) },
	})
}

// TestScripts runs the whole-CLI scenarios in testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			// An empty Helm environment, as on a fresh machine.
			e.Setenv("HOME", e.WorkDir+"/home")
			e.Setenv("KUBECONFIG", e.WorkDir+"/home/kubeconfig")
			return os.MkdirAll(e.WorkDir+"/home", 0o755)
		},
	})
}
