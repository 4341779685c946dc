package waitview

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

var (
	web = kube.Key{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}
	job = kube.Key{Group: "batch", Kind: "Job", Namespace: "shop", Name: "migrate"}
	pvc = kube.Key{Kind: "PersistentVolumeClaim", Namespace: "other", Name: "data"}
)

func script() []kube.WaitEvent {
	webSlow := kube.ObjectStatus{Object: web, Status: kube.StatusInProgress, Message: "Available: 0/3",
		Detail: `pod web-6f9c-x2x7q: container web: ImagePullBackOff: Back-off pulling image "nginx:nope"`}
	warn := kube.WarningEvent{Object: web, Source: "Pod/web-6f9c-x2x7q", Reason: "Failed", Message: `Failed to pull image "nginx:nope"`, Count: 3, Last: at(2)}
	webSlowW := webSlow
	webSlowW.Warnings = []kube.WarningEvent{warn}
	jobRun := kube.ObjectStatus{Object: job, Status: kube.StatusInProgress, Message: "Job running: 1 active, 0/1 succeeded, 0 failed"}
	pvcPending := kube.ObjectStatus{Object: pvc, Status: kube.StatusInProgress, Message: "PVC is not Bound. phase: Pending"}
	base := kube.WaitEvent{Started: t0, Deadline: at(300), Total: 5}
	ev := func(typ kube.WaitEventType, sec, ready int, notReady, changed []kube.ObjectStatus, warnings []kube.WarningEvent, err error) kube.WaitEvent {
		e := base
		e.Type, e.Time, e.Ready, e.NotReady, e.Changed, e.NewWarnings, e.Err = typ, at(sec), ready, notReady, changed, warnings, err
		return e
	}
	webReady := kube.ObjectStatus{Object: web, Status: kube.StatusCurrent, Message: "Deployment is available. Replicas: 3"}
	return []kube.WaitEvent{
		ev(kube.WaitStarted, 0, 0, nil, nil, nil, nil),
		ev(kube.WaitProgress, 1, 2, []kube.ObjectStatus{webSlow, jobRun, pvcPending}, []kube.ObjectStatus{webSlow, jobRun, pvcPending}, nil, nil),
		ev(kube.WaitProgress, 3, 2, []kube.ObjectStatus{webSlowW, jobRun, pvcPending}, nil, []kube.WarningEvent{warn}, nil),
		ev(kube.WaitProgress, 9, 4, []kube.ObjectStatus{pvcPending}, []kube.ObjectStatus{webReady, {Object: job, Status: kube.StatusCurrent}}, nil, nil),
		ev(kube.WaitDone, 12, 5, nil, []kube.ObjectStatus{{Object: pvc, Status: kube.StatusCurrent}}, nil, nil),
	}
}

func TestPlainLines(t *testing.T) {
	var b strings.Builder
	v := New(&b, Options{})
	for _, ev := range script() {
		v.Handle(ev)
	}
	want := `12:00:00 waiting for 5 objects to be ready (timeout 5m0s)
12:00:01 Deployment/shop/web: InProgress: Available: 0/3; pod web-6f9c-x2x7q: container web: ImagePullBackOff: Back-off pulling image "nginx:nope"
12:00:01 Job/shop/migrate: InProgress: Job running: 1 active, 0/1 succeeded, 0 failed
12:00:01 PersistentVolumeClaim/other/data: InProgress: PVC is not Bound. phase: Pending
12:00:03 Deployment/shop/web: warning Pod/web-6f9c-x2x7q Failed (x3): Failed to pull image "nginx:nope"
12:00:09 Deployment/shop/web is ready
12:00:09 Job/shop/migrate is ready
12:00:12 PersistentVolumeClaim/other/data is ready
12:00:12 all 5 objects ready after 12s
`
	if got := b.String(); got != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", got, want)
	}
}

// screen applies what the live view wrote to a tiny terminal: cursor up, erase
// down, lines; it returns what is left on screen.
func screen(out string) []string {
	var lines []string
	row := 0
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, "\x1b["):
			end := strings.IndexAny(out[2:], "AJm") + 2
			arg, cmd := out[2:end], out[end]
			out = out[end+1:]
			switch cmd {
			case 'A':
				n := 0
				for _, c := range arg {
					n = n*10 + int(c-'0')
				}
				row -= n
			case 'J':
				lines = lines[:row]
			}
		case out[0] == '\r':
			out = out[1:]
		default:
			i := strings.IndexByte(out, '\n')
			lines = append(lines[:row], out[:i])
			row++
			out = out[i+1:]
		}
	}
	return lines
}

func TestLiveView(t *testing.T) {
	var b strings.Builder
	now := at(0)
	v := New(&b, Options{Live: true, Tick: -1, Namespace: "shop", Now: func() time.Time { return now }, Size: func() (int, int) { return 100, 10 }})
	evs := script()
	for i, ev := range evs[:3] {
		now = ev.Time
		if i == 2 {
			now = at(5)
		}
		v.Handle(ev)
	}
	got := strings.Join(screen(b.String()), "\n")
	want := `⠋ Waiting for 3 of 5 objects to be ready  5s of 5m0s
  Deployment/web                    InProgress  Available: 0/3
    pod web-6f9c-x2x7q: container web: ImagePullBackOff: Back-off pulling image "nginx:nope"
    warning Failed Pod/web-6f9c-x2x7q (x3, 3s ago): Failed to pull image "nginx:nope"
  Job/migrate                       InProgress  Job running: 1 active, 0/1 succeeded, 0 failed
  PersistentVolumeClaim/other/data  InProgress  PVC is not Bound. phase: Pending`
	if got != want {
		t.Errorf("live view:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range screen(b.String()) {
		if w := len([]rune(l)); w > 99 {
			t.Errorf("line wider than the terminal (%d): %q", w, l)
		}
	}

	// Done: the view shrinks to one line.
	for _, ev := range evs[3:] {
		now = ev.Time
		v.Handle(ev)
	}
	if got := strings.Join(screen(b.String()), "\n"); got != "✓ 5 objects ready after 12s" {
		t.Errorf("after success:\n%s", got)
	}

	// A failed wait clears the view: the error says the rest.
	b.Reset()
	v.Handle(evs[0])
	v.Handle(evs[1])
	failed := evs[2]
	failed.Type, failed.Err = kube.WaitDone, &kube.WaitError{Err: context.DeadlineExceeded}
	v.Handle(failed)
	if got := screen(b.String()); len(got) != 0 {
		t.Errorf("after failure the screen shows:\n%s", strings.Join(got, "\n"))
	}
}

// A short terminal shows what fits, and says how many more there are.
func TestLiveViewShortTerminal(t *testing.T) {
	var b strings.Builder
	v := New(&b, Options{Live: true, Tick: -1, Color: true, Now: func() time.Time { return at(1) }, Size: func() (int, int) { return 60, 5 }})
	evs := script()
	v.Handle(evs[0])
	v.Handle(evs[2])
	lines := screen(b.String())
	if len(lines) != 3 || !strings.Contains(lines[2], "… and 2 more") {
		t.Errorf("short terminal:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[1], "\x1b[33mInProgress\x1b[0m") {
		t.Errorf("status not colored: %q", lines[1])
	}
}

// The objects come first: what holds each up is shown when there is room, and
// a long reason is wrapped on two lines.
func TestLiveViewRoom(t *testing.T) {
	evs := script()
	long := evs[2]
	long.NotReady = slices.Clone(long.NotReady)
	long.NotReady[0].Detail = "pod web-6f9c-x2x7q: Unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	long.NotReady[0].Warnings[0].Others = 2
	draw := func(rows int) []string {
		var b strings.Builder
		v := New(&b, Options{Live: true, Tick: -1, Namespace: "shop", Now: func() time.Time { return at(5) }, Size: func() (int, int) { return 80, rows }})
		v.Handle(evs[0])
		v.Handle(long)
		return screen(b.String())
	}
	want := []string{
		"⠋ Waiting for 3 of 5 objects to be ready  5s of 5m0s",
		"  Deployment/web                    InProgress  Available: 0/3",
		"    pod web-6f9c-x2x7q: Unschedulable: 0/3 nodes are available: 3 node(s)",
		"      didn't match Pod's node affinity/selector. preemption: 0/3 nodes are ava…",
		"    warning Failed Pod/web-6f9c-x2x7q and 2 others (x3, 3s ago): Failed to",
		`      pull image "nginx:nope"`,
		"  Job/migrate                       InProgress  Job running: 1 active, 0/1 suc…",
		"  PersistentVolumeClaim/other/data  InProgress  PVC is not Bound. phase: Pendi…",
	}
	if got := draw(30); !slices.Equal(got, want) {
		t.Errorf("tall terminal:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range want {
		if w := len([]rune(l)); w > 79 {
			t.Fatalf("expected line wider than the terminal (%d): %q", w, l)
		}
	}
	// Two lines short: the warning and the second line of the reason go.
	short := []string{want[0], want[1], want[2], want[6], want[7]}
	if got := draw(7); !slices.Equal(got, short) {
		t.Errorf("short terminal:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(short, "\n"))
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"", 20, nil},
		{"short", 20, []string{"short"}},
		{"one two three four five six", 10, []string{"one two", "three fou…"}},
		{"averyveryverylongword and more", 10, []string{"averyveryv", "erylongwo…"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.text, tt.width, 2); !slices.Equal(got, tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}

// A plain log says nothing of objects whose state is still being read.
// A custom resource ready only because it exists says so, as a warning.
func TestPlainWarnsAssumedReady(t *testing.T) {
	var b strings.Builder
	v := New(&b, Options{})
	widget := kube.Key{Group: "example.com", Kind: "Widget", Namespace: "shop", Name: "w"}
	v.Handle(kube.WaitEvent{Type: kube.WaitDone, Time: at(1), Started: t0, Total: 1, Ready: 1,
		Changed: []kube.ObjectStatus{{Object: widget, Status: kube.StatusCurrent, Message: kube.AssumedReadyMessage}}})
	want := "12:00:01 Widget/shop/w is ready: warning: no readable status: ready once it exists\n12:00:01 the object is ready after 1s\n"
	if got := b.String(); got != want {
		t.Errorf("plain output:\n%q\nwant:\n%q", got, want)
	}
}

func TestPlainSkipsUnread(t *testing.T) {
	var b strings.Builder
	v := New(&b, Options{})
	svc := kube.Key{Kind: "Service", Namespace: "shop", Name: "web"}
	v.Handle(kube.WaitEvent{Type: kube.WaitProgress, Time: at(1), Changed: []kube.ObjectStatus{
		{Object: svc, Status: kube.StatusUnknown, Message: "reading services in namespace shop"},
		{Object: web, Status: kube.StatusInProgress, Message: "Available: 0/3"},
	}})
	if got, want := b.String(), "12:00:01 Deployment/shop/web: InProgress: Available: 0/3\n"; got != want {
		t.Errorf("plain output %q, want %q", got, want)
	}
}

// The ticker redraws the elapsed time, and stops when the wait is done.
func TestLiveViewTicks(t *testing.T) {
	var b lockedBuilder
	v := New(&b, Options{Live: true, Tick: 5 * time.Millisecond})
	evs := script()
	v.Handle(evs[0])
	time.Sleep(50 * time.Millisecond)
	v.Handle(evs[4])
	n := strings.Count(b.String(), "Waiting for")
	if n < 3 {
		t.Errorf("drawn %d times in 50ms, want redraws", n)
	}
	time.Sleep(20 * time.Millisecond)
	if m := strings.Count(b.String(), "Waiting for"); m != n {
		t.Errorf("redrawn after the wait was done")
	}
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// On a terminal, an object ready only because it exists and the logs of a
// failing container are printed above the live view, which keeps them there as
// it redraws; a plain log prints the logs as lines.
func TestLiveViewNotes(t *testing.T) {
	widget := kube.Key{Group: "example.com", Kind: "Widget", Namespace: "shop", Name: "w"}
	web := kube.Key{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}
	notReady := []kube.ObjectStatus{{Object: web, Status: kube.StatusInProgress, Message: "Available: 0/1"}}
	evs := []kube.WaitEvent{
		{Type: kube.WaitStarted, Time: t0, Started: t0, Total: 2},
		{Type: kube.WaitProgress, Time: at(1), Started: t0, Total: 2, Ready: 1, NotReady: notReady,
			Changed: []kube.ObjectStatus{{Object: widget, Status: kube.StatusCurrent, Message: kube.AssumedReadyMessage}, notReady[0]},
			NewLogs: []kube.ContainerLog{{Object: web, Pod: "web-1", Container: "app", Lines: []string{"starting", "error: no config"}}}},
		{Type: kube.WaitProgress, Time: at(2), Started: t0, Total: 2, Ready: 1, NotReady: notReady},
	}
	var b strings.Builder
	now := at(2)
	v := New(&b, Options{Live: true, Tick: -1, Namespace: "shop", Now: func() time.Time { return now }, Size: func() (int, int) { return 100, 10 }})
	for _, ev := range evs {
		v.Handle(ev)
	}
	got := strings.Join(screen(b.String()), "\n")
	want := `! Widget/w is ready: warning: no readable status: ready once it exists
≡ Deployment/web: log of pod web-1, container app:
    | starting
    | error: no config
⠋ Waiting for 1 of 2 objects to be ready  2s
  Deployment/web  InProgress  Available: 0/1`
	if got != want {
		t.Errorf("live view:\n%s\nwant:\n%s", got, want)
	}

	b.Reset()
	v = New(&b, Options{})
	v.Handle(evs[1])
	wantPlain := `12:00:01 Widget/shop/w is ready: warning: no readable status: ready once it exists
12:00:01 Deployment/shop/web: InProgress: Available: 0/1
12:00:01 Deployment/shop/web: log of pod web-1, container app:
    | starting
    | error: no config
`
	if got := b.String(); got != wantPlain {
		t.Errorf("plain output:\n%s\nwant:\n%s", got, wantPlain)
	}
}
