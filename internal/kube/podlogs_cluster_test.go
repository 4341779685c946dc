package kube_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/localcluster"
)

// The end of a failing container's log, as the fake nodes serve it.
func lastLogLines(n int) []string {
	all := localcluster.ContainerLogLines
	return all[max(len(all)-n, 0):]
}

// A timeout carries the last log lines of the failing pods, at most two pods
// of a workload, as many lines as asked for; with LiveLogs the progress
// events carried them first, once per container.
func TestWaitErrorCarriesPodLogs(t *testing.T) {
	env, c, ns := cluster(t)
	if !env.Local() {
		t.Skip("needs the local cluster's fake container logs")
	}
	rs := build(t, c, ns, deploymentManifest("stuck", 3, `rudder.test/unready: "true"`))
	if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var evs events
	err := c.WaitReady(waitContext(t, 6*time.Second), rs, kube.WaitOptions{LogLines: 2, LiveLogs: true, Events: evs.add})
	var we *kube.WaitError
	if !errors.As(err, &we) || len(we.NotReady) != 1 {
		t.Fatalf("error %v: want a *WaitError naming the Deployment", err)
	}
	t.Logf("error:\n%v", err)
	logs := we.NotReady[0].Logs
	if len(logs) != 2 {
		t.Fatalf("logs of %d containers, want those of 2 of the 3 pods: %+v", len(logs), logs)
	}
	want := lastLogLines(2)
	for _, l := range logs {
		if !strings.HasPrefix(l.Pod, "stuck-") || l.Container != "app" || l.Err != "" || strings.Join(l.Lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("log %+v, want pod stuck-*, container app, lines %q", l, want)
		}
	}
	text := we.LogText()
	t.Logf("logs:\n%s", text)
	for _, w := range []string{"Deployment/" + ns + "/stuck: log of pod " + logs[0].Pod + ", container app:\n", "\n  | " + want[1] + "\n"} {
		if !strings.Contains(text, w) {
			t.Errorf("log text does not say %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, lastLogLines(3)[0]) {
		t.Errorf("log text shows more than the 2 lines asked for:\n%s", text)
	}
	// The error's text is stored in the release history: no logs in it.
	if msg := err.Error(); strings.Contains(msg, want[1]) {
		t.Errorf("error text holds log lines:\n%s", msg)
	}
	evs.mu.Lock()
	defer evs.mu.Unlock()
	seen := map[string]int{}
	for _, ev := range evs.list {
		for _, l := range ev.NewLogs {
			seen[l.Pod]++
			if l.Object.Name != "stuck" || len(l.Lines) != 2 {
				t.Errorf("live log %+v, want 2 lines for Deployment stuck", l)
			}
		}
	}
	if len(seen) < 2 {
		t.Errorf("live logs of pods %v, want at least 2", seen)
	}
	for pod, n := range seen {
		if n != 1 {
			t.Errorf("live log of pod %s sent %d times, want once", pod, n)
		}
	}
}

// A failed Job's pod: the error shows its log; LogLines < 0 shows none.
func TestWaitErrorJobLogs(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines int
		want  bool
	}{{"default", 0, true}, {"none", -1, false}} {
		t.Run(tt.name, func(t *testing.T) {
			env, c, ns := cluster(t)
			if !env.Local() {
				t.Skip("needs the local cluster's fake container logs")
			}
			rs := build(t, c, ns, jobManifest("migrate", `rudder.test/fail: "true"`))
			if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			err := c.WaitReady(waitContext(t, time.Minute), rs, kube.WaitOptions{WaitForJobs: true, LogLines: tt.lines})
			if !errors.Is(err, kube.ErrObjectFailed) {
				t.Fatalf("error %v, want the Job failed", err)
			}
			t.Logf("error:\n%v", err)
			var we *kube.WaitError
			if !errors.As(err, &we) {
				t.Fatalf("error %T, want a *kube.WaitError", err)
			}
			text := we.LogText()
			got := strings.Contains(text, ", container main:\n") && strings.Contains(text, "  | "+strings.Join(localcluster.ContainerLogLines, "\n  | ")+"\n")
			if got != tt.want {
				t.Errorf("log text shows the whole log: %v, want %v:\n%s", got, tt.want, text)
			}
		})
	}
}
