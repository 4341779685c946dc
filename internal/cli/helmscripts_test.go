package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// helmRecordedScripts are scripts of testdata/script whose every expectation
// was recorded from Helm v4.3.1.
var helmRecordedScripts = []string{
	"chart_v3_deps",
	"dependency_build_repos",
	"library_chart",
	"lint_v3",
	"template_dependency_update",
}

// rudderExecLine is a script line that runs rudder.
var rudderExecLine = regexp.MustCompile(`(?m)^(!\s*)?exec rudder (.*)$`)

// TestScriptsAgainstHelm runs helmRecordedScripts with Helm v4.3.1 (built by
// hack/peer) in rudder's place, so that an expectation Helm does not meet
// fails here. rudder serve stays: it only serves the scripts' repository.
func TestScriptsAgainstHelm(t *testing.T) {
	helm := peerTool(t, "helm")
	dir := t.TempDir()
	for _, name := range helmRecordedScripts {
		data, err := os.ReadFile(filepath.Join("testdata", "script", name+".txtar"))
		if err != nil {
			t.Fatal(err)
		}
		script := rudderExecLine.ReplaceAllStringFunc(string(data), func(line string) string {
			m := rudderExecLine.FindStringSubmatch(line)
			if strings.HasPrefix(m[2], "serve ") {
				return line
			}
			return m[1] + "exec $HELM_PEER " + m[2]
		})
		if script == string(data) {
			t.Fatalf("%s: no rudder command to replace", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Setup: func(e *testscript.Env) error {
			e.Setenv("HELM_PEER", helm)
			return freshHome(e)
		},
		Cmds: scriptCmds(),
	})
}
