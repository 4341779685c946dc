package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rudderpm/rudder/internal/controller"
	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestMain lets script tests run "rudder" as a command: the test binary re-executes
// itself as the CLI through Main, as cmd/rudder does. Tests that need a
// cluster share the package's local control plane.
func TestMain(m *testing.M) {
	if os.Getenv(selfCLIEnv) == "1" { // the fault tests run the test binary as rudder
		os.Exit(runAsRudder())
	}
	os.Exit(testscript.RunMain(testenvRunner{m}, map[string]func() int{
		"rudder": runAsRudder,
		// helm is rudder installed under Helm's name (a symbolic link or copy).
		"helm": runAsRudder,
	}))
}

// selfCLIEnv makes the test binary behave as the rudder command.
const selfCLIEnv = "RUDDER_TEST_RUN_AS_CLI"

// runAsRudder runs the CLI with the controller linked, as the rudder-controller
// program does, so that `rudder controller run` runs in the test binary.
func runAsRudder() int { return MainWithController(os.Args[1:], OSStreams(), controller.Run) }

// testenvRunner shares one cluster and one PostgreSQL server among the
// package's tests, each started when a test first needs it.
type testenvRunner struct{ m *testing.M }

func (r testenvRunner) Run() int { return testenv.Run(pgRunner(r)) }

type pgRunner struct{ m *testing.M }

func (r pgRunner) Run() int { return pgtest.Run(r.m) }

// TestClusterScripts runs the scenarios of testdata/cluster/*.txtar against the
// local control plane, each in a namespace of its own ($NAMESPACE, also the default
// namespace of rudder commands).
func TestClusterScripts(t *testing.T) {
	env := testenv.Start(t)
	files, err := filepath.Glob("testdata/cluster/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cluster scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			ns := env.Namespace(t)
			testscript.Run(t, testscript.Params{
				Files: []string{file},
				Setup: func(e *testscript.Env) error {
					e.Setenv("HOME", e.WorkDir+"/home")
					e.Setenv("KUBECONFIG", env.Kubeconfig())
					e.Setenv("HELM_NAMESPACE", ns)
					e.Setenv("NAMESPACE", ns)
					if strings.HasPrefix(filepath.Base(file), "helmpeer_") {
						// These compare with Helm v4.3.1: `helm` on PATH, if hack/peer built it.
						if dir := helmPeerDir(); dir != "" {
							e.Setenv("PATH", dir+string(os.PathListSeparator)+e.Getenv("PATH"))
						}
					}
					if strings.HasPrefix(filepath.Base(file), "sql") {
						// The sql driver's scripts get a database of their own.
						e.Setenv("SQL_CONNECTION", pgtest.Start(t).NewDatabase(t))
					}
					return os.MkdirAll(e.WorkDir+"/home", 0o755)
				},
				Cmds: clusterCmds(env),
			})
		})
	}
}

// sleepCmd is the scripts' "sleep DURATION".
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep duration")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// freshHome gives a script an empty Helm environment, as on a fresh machine.
func freshHome(e *testscript.Env) error {
	e.Setenv("HOME", e.WorkDir+"/home")
	e.Setenv("KUBECONFIG", e.WorkDir+"/home/kubeconfig")
	return os.MkdirAll(e.WorkDir+"/home", 0o755)
}

// TestScripts runs the whole-CLI scenarios in testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/script",
		Setup: freshHome,
		Cmds:  scriptCmds(),
	})
}

// scriptCmds are the commands testdata/script's scripts may use beside rudder.
func scriptCmds() map[string]func(*testscript.TestScript, bool, []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		"freeport":     freeportCmd,
		"waitserver":   waitServerCmd,
		"tlscert":      tlsCertCmd,
		"httpdo":       httpCmd,
		"replayserver": replayServerCmd,
		"agekey":       ageKeyCmd,
		"sealsecret":   sealSecretCmd,
		"nosecret":     noSecretCmd,
		"tgz":          tgzCmd,
		"expand":       expandCmd,
	}
}

// helmPeerDir is the directory of the Helm v4.3.1 binary hack/peer builds and
// caches, or "" when there is none.
func helmPeerDir() string {
	dir := filepath.Join(peerCacheDir(), "helm-v4.3.1")
	if fi, err := os.Stat(filepath.Join(dir, "helm")); err != nil || fi.Mode()&0o111 == 0 {
		return ""
	}
	return dir
}

// peerCacheDir is where hack/peer caches the tools it builds.
func peerCacheDir() string {
	if cache := os.Getenv("RUDDER_PEER_CACHE"); cache != "" {
		return cache
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "rudder", "peers")
}
