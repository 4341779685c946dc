package kube

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	corev1 "k8s.io/api/core/v1"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// ContainerLog is the end of the log of one container of a pod that holds up a
// wait: what kubectl logs --tail would show, no more.
type ContainerLog struct {
	// Object is the release object the pod belongs to.
	Object Key
	// Pod and Container name the container, in the object's namespace.
	Pod, Container string
	// Previous tells the log of the container's previous run: it restarted and
	// waits to start again (CrashLoopBackOff).
	Previous bool
	// Lines are its last lines, oldest first, each cut to logLineBytes and with
	// control characters replaced, so that no log can drive the terminal.
	Lines []string
	// Err says why the log could not be read; Lines is then empty.
	Err string
}

const (
	// logBytes caps what is read of one container's log.
	logBytes = 8 << 10
	// logLineBytes caps one line of it.
	logLineBytes = 400
	// logPods is how many failing pods of one object have their logs read.
	logPods = 2
	// logContainers is how many containers of one pod have their logs read.
	logContainers = 3
	// logTotal is how many containers' logs one *WaitError carries at most.
	logTotal = 10
	// logTimeout bounds the reading of one container's log.
	logTimeout = 3 * time.Second
)

// Title names the log: "log of pod web-1, container web" and, for a
// restarted container, "previous log of ...".
func (l ContainerLog) Title() string {
	t := "log of pod " + l.Pod + ", container " + l.Container
	if l.Previous {
		t = "previous " + t
	}
	return t
}

// attachLogs reads the logs of the failing pods of each status.
func (w *waiter) attachLogs(ctx context.Context, statuses []ObjectStatus) {
	lines := w.opts.LogLines
	if lines < 0 {
		return
	}
	if lines == 0 {
		lines = 10
	}
	budget := logTotal
	for i := range statuses {
		st := &statuses[i]
		for _, p := range st.pods {
			ts := targetsOf(st.Object, p)
			ts = ts[:min(len(ts), budget)]
			budget -= len(ts)
			st.Logs = append(st.Logs, w.c.readLogs(ctx, p.Namespace, ts, lines)...)
		}
	}
}

// newLogs reads the logs of the failing containers not reported yet.
func (w *waiter) newLogs(ctx context.Context, snap snapshot) []ContainerLog {
	if !w.opts.LiveLogs || w.opts.LogLines < 0 || w.opts.Events == nil {
		return nil
	}
	lines := cmp.Or(w.opts.LogLines, 10)
	var out []ContainerLog
	for i, o := range w.objs {
		for _, p := range snap.statuses[i].pods {
			var fresh []ContainerLog
			for _, t := range targetsOf(o.res.Key(), p) {
				if !o.logged[t.Pod+"/"+t.Container] {
					o.logged[t.Pod+"/"+t.Container] = true
					fresh = append(fresh, t)
				}
			}
			out = append(out, w.c.readLogs(ctx, p.Namespace, fresh, lines)...)
		}
	}
	return out
}

// unlogged tells whether a failing container's log has not been sent yet.
func (w *waiter) unlogged(snap snapshot) bool {
	if !w.opts.LiveLogs || w.opts.LogLines < 0 || w.opts.Events == nil {
		return false
	}
	for i, o := range w.objs {
		for _, p := range snap.statuses[i].pods {
			for _, t := range logTargets(p) {
				if !o.logged[t.Pod+"/"+t.Container] {
					return true
				}
			}
		}
	}
	return false
}

func targetsOf(obj Key, p *corev1.Pod) []ContainerLog {
	ts := logTargets(p)
	for i := range ts {
		ts[i].Object = obj
	}
	return ts
}

// logTargets are the containers worth reading the logs of in a pod that is not
// ready: those that have run and are not ready, init containers first; none in
// a pod that has not started.
func logTargets(p *corev1.Pod) []ContainerLog {
	if p == nil || p.DeletionTimestamp != nil {
		return nil
	}
	if _, rank := podProblem(p); rank < 2 {
		return nil
	}
	var out []ContainerLog
	for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		if cs.Ready || len(out) == logContainers {
			continue
		}
		last := cs.LastTerminationState.Terminated
		switch {
		case cs.State.Running != nil || cs.State.Terminated != nil:
			out = append(out, ContainerLog{Pod: p.Name, Container: cs.Name})
		case cs.State.Waiting != nil && last != nil:
			out = append(out, ContainerLog{Pod: p.Name, Container: cs.Name, Previous: true})
		}
	}
	return out
}

// failingPods picks the pods whose logs say most: the worst first, at most logPods.
func failingPods(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if len(logTargets(p)) > 0 {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b *corev1.Pod) int {
		_, ra := podProblem(a)
		_, rb := podProblem(b)
		if ra != rb {
			return rb - ra
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > logPods {
		out = out[:logPods]
	}
	return out
}

// readLogs reads the last lines of each target container in namespace ns.
func (c *Client) readLogs(ctx context.Context, ns string, targets []ContainerLog, lines int) []ContainerLog {
	out := slices.Clone(targets)
	for i := range out {
		out[i] = c.tailLog(ctx, ns, out[i], lines)
	}
	return out
}

// tailLog reads the last lines of one container's log, within logBytes.
func (c *Client) tailLog(ctx context.Context, ns string, cl ContainerLog, lines int) ContainerLog {
	ctx, cancel := context.WithTimeout(ctx, logTimeout)
	defer cancel()
	tail, limit := int64(lines), int64(logBytes)
	raw, err := kubetypes.PodLogs(c.core, ns, cl.Pod, &corev1.PodLogOptions{
		Container: cl.Container, Previous: cl.Previous, TailLines: &tail, LimitBytes: &limit,
	}).DoRaw(ctx)
	if err != nil {
		cl.Err = oneLine(err.Error())
		return cl
	}
	cl.Lines = logLines(string(raw), lines)
	return cl
}

// logLines splits a log into at most n lines, the last ones, each made safe to print.
func logLines(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	all := strings.Split(s, "\n")
	if len(all) > n {
		all = all[len(all)-n:]
	}
	out := make([]string, len(all))
	for i, l := range all {
		out[i] = safeLine(l)
	}
	return out
}

// safeLine replaces control characters (terminal escapes among them) and
// invalid UTF-8, and cuts the line to logLineBytes.
func safeLine(l string) string {
	l = strings.TrimSuffix(l, "\r")
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(l, "\uFFFD") {
		if b.Len() >= logLineBytes {
			b.WriteString("…")
			break
		}
		if r != '\t' && unicode.IsControl(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func oneLine(s string) string {
	return safeLine(strings.Join(strings.Fields(s), " "))
}
