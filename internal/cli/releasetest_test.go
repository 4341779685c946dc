package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// The logs of test containers are printed as Helm prints them; one that cannot
// be read is a warning.
func TestPrintTestLogs(t *testing.T) {
	var out, errb bytes.Buffer
	s := Streams{Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	a := &app{streams: s, settings: newSettings(s.Getenv)}
	a.printTestLogs(&out, []action.ContainerLog{
		{Container: kube.Container{Pod: "web-test", Name: "setup", Init: true}, Log: []byte("migrating\n")},
		{Container: kube.Container{Pod: "web-test", Name: "test"}, Log: []byte("ok")},
		{Container: kube.Container{Pod: "db-test", Name: "test"}, Err: errors.New("unable to get logs for pod db-test, container test: not found")},
	})
	if got, want := out.String(), "POD LOGS: web-test (setup)\nmigrating\n\nPOD LOGS: web-test (test)\nok\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got, want := errb.String(), "WARNING: unable to get logs for pod db-test, container test: not found\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestTestTable(t *testing.T) {
	s := Streams{Getenv: func(string) string { return "" }}
	a := &app{streams: s, settings: newSettings(s.Getenv)}
	hook := func(name string) *release.Hook { return &release.Hook{Name: name} }
	res := &action.TestResult{Tests: []action.TestRun{
		{Hook: hook("web-test"), Ran: true, Phase: release.HookPhaseSucceeded, Duration: 1240 * time.Millisecond},
		{Hook: hook("db-test"), Ran: true, Phase: release.HookPhaseFailed, Duration: 83 * time.Second, Reason: "container test exited 1:\nError"},
		{Hook: hook("api-test")},
	}}
	var b bytes.Buffer
	if err := a.testTable(res).write(&b); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NAME    \tPHASE    \tDURATION\tREASON                        ",
		"web-test\tSucceeded\t1.2s    \t                              ",
		"db-test \tFailed   \t1m23s   \tcontainer test exited 1: Error",
		"api-test\tNotRun   \t        \tan earlier test failed        ",
	}
	if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
