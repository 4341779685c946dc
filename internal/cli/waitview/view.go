// Package waitview renders the progress of a wait for readiness (kube.WaitEvent):
// a view redrawn in place on a terminal, or timestamped lines elsewhere.
//
//	v := waitview.New(os.Stderr, waitview.Options{Live: true, Color: true})
//	err := client.WaitReady(ctx, resources, kube.WaitOptions{Events: v.Handle})
package waitview

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/rudderpm/rudder/internal/kube"
)

// Options configure a View. The zero value prints plain lines
// without color.
type Options struct {
	// Live redraws a view in place (a terminal); otherwise lines are printed.
	Live bool
	// Color uses ANSI colors.
	Color bool
	// Size returns the terminal's columns and rows; nil or zeros mean 100x30.
	Size func() (cols, rows int)
	// Namespace is the release namespace: the live view leaves it out of names.
	Namespace string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tick is how often the live view redraws without news; 0 means 200ms, a
	// negative value means never (tests).
	Tick time.Duration
}

// View renders kube.WaitEvents.
type View struct {
	out  io.Writer
	opts Options

	mu    sync.Mutex
	last  kube.WaitEvent
	lines int // lines of the live view on screen
	frame int

	stop chan struct{}
	done chan struct{}
}

// New returns a View writing to out.
func New(out io.Writer, opts Options) *View {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Tick == 0 {
		opts.Tick = 200 * time.Millisecond
	}
	return &View{out: out, opts: opts}
}

// Handle renders one event; it is a kube.WaitOptions.Events callback.
func (p *View) Handle(ev kube.WaitEvent) {
	if !p.opts.Live {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.plain(ev)
		return
	}
	if ev.Type == kube.WaitDone {
		p.stopTicker()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = ev
	switch ev.Type {
	case kube.WaitStarted:
		p.lines, p.frame = 0, 0
		p.draw()
		p.startTicker()
	case kube.WaitProgress:
		p.notes(ev)
		p.draw()
	case kube.WaitDone:
		p.clear()
		p.notes(ev)
		if ev.Err == nil {
			fmt.Fprintf(p.out, "%s %s ready after %s\n", p.style(sgrGreen, "✓"), objectCount(ev.Total), duration(ev.Time.Sub(ev.Started)))
		}
	}
}

func (p *View) startTicker() {
	if p.opts.Tick < 0 {
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	stop, done := p.stop, p.done
	go func() {
		defer close(done)
		t := time.NewTicker(p.opts.Tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.frame++
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
}

func (p *View) stopTicker() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop, p.done = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// plain prints a line for each change.
func (p *View) plain(ev kube.WaitEvent) {
	stamp := ev.Time.Format("15:04:05")
	switch ev.Type {
	case kube.WaitStarted:
		timeout := ""
		if !ev.Deadline.IsZero() {
			timeout = " (timeout " + duration(ev.Deadline.Sub(ev.Started)) + ")"
		}
		fmt.Fprintf(p.out, "%s waiting for %s to be ready%s\n", stamp, objectCount(ev.Total), timeout)
		return
	}
	for _, st := range ev.Changed {
		if st.Unread() {
			continue // its watch is starting: nothing to say yet
		}
		switch {
		case st.Ready() && st.Message == kube.AssumedReadyMessage:
			fmt.Fprintf(p.out, "%s %s is ready: warning: %s\n", stamp, st.Object, st.Message)
		case st.Ready():
			fmt.Fprintf(p.out, "%s %s is ready\n", stamp, st.Object)
		default:
			fmt.Fprintf(p.out, "%s %s: %s: %s\n", stamp, st.Object, st.Status, st.Why())
		}
	}
	for _, w := range ev.NewWarnings {
		fmt.Fprintf(p.out, "%s %s: warning %s %s%s: %s\n", stamp, w.Object, w.Sources(), w.Reason, times(w.Count), w.Message)
	}
	for _, l := range ev.NewLogs {
		fmt.Fprintf(p.out, "%s %s: %s\n", stamp, l.Object, logHeading(l))
		for _, line := range l.Lines {
			fmt.Fprintf(p.out, "    | %s\n", line)
		}
	}
	if ev.Type == kube.WaitDone && ev.Err == nil {
		fmt.Fprintf(p.out, "%s %s ready after %s\n", stamp, allCount(ev.Total), duration(ev.Time.Sub(ev.Started)))
	}
}

// notes prints, above the live view (which scrolls down under them), what the
// view itself would not keep: objects ready only because they exist (a
// warning), and the ends of the logs of containers that fail (--logs).
func (p *View) notes(ev kube.WaitEvent) {
	var b strings.Builder
	for _, st := range ev.Changed {
		if st.Ready() && st.Message == kube.AssumedReadyMessage {
			fmt.Fprintf(&b, "%s %s is ready: %s: %s\n", p.style(sgrYellow, "!"), p.name(st.Object), p.style(sgrYellow, "warning"), st.Message)
		}
	}
	for _, l := range ev.NewLogs {
		fmt.Fprintf(&b, "%s %s: %s\n", p.style(sgrDim, "≡"), p.name(l.Object), logHeading(l))
		for _, line := range l.Lines {
			fmt.Fprintf(&b, "    %s %s\n", p.style(sgrDim, "|"), line)
		}
	}
	if b.Len() == 0 {
		return
	}
	var out strings.Builder
	p.eraseTo(&out)
	p.lines = 0
	out.WriteString(b.String())
	_, _ = io.WriteString(p.out, out.String())
}

// logHeading names a container's log, or says why it could not be read.
func logHeading(l kube.ContainerLog) string {
	switch {
	case l.Err != "":
		return l.Title() + ": cannot read it: " + l.Err
	case len(l.Lines) == 0:
		return l.Title() + ": (empty)"
	}
	return l.Title() + ":"
}

// draw redraws the live view in place.
func (p *View) draw() {
	cols, rows := 100, 30
	if p.opts.Size != nil {
		if c, r := p.opts.Size(); c > 0 && r > 0 {
			cols, rows = c, r
		}
	}
	lines := p.view(p.last, p.opts.Now(), cols-1, max(rows-2, 3))
	var b strings.Builder
	p.eraseTo(&b)
	for _, l := range lines {
		b.WriteString(l.render(cols-1, p.opts.Color))
		b.WriteString("\n")
	}
	p.lines = len(lines)
	_, _ = io.WriteString(p.out, b.String())
}

// clear removes the live view.
func (p *View) clear() {
	var b strings.Builder
	p.eraseTo(&b)
	p.lines = 0
	_, _ = io.WriteString(p.out, b.String())
}

// eraseTo writes what moves the cursor to the view's first line and clears from
// there down.
func (p *View) eraseTo(b *strings.Builder) {
	if p.lines > 0 {
		fmt.Fprintf(b, "\x1b[%dA", p.lines)
	}
	b.WriteString("\r\x1b[J")
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// view lays out the live view in at most height lines of width columns: a
// heading, then each object not ready with its status and message, under it
// (when there is room, first objects first) what holds it up, wrapped on up to
// two lines, and its newest warnings.
func (p *View) view(ev kube.WaitEvent, now time.Time, width, height int) []line {
	elapsed := duration(now.Sub(ev.Started))
	if !ev.Deadline.IsZero() {
		elapsed += " of " + duration(ev.Deadline.Sub(ev.Started))
	}
	head := line{
		{spinner[p.frame%len(spinner)], sgrCyan},
		{" Waiting for ", ""},
	}
	switch {
	case ev.Type == kube.WaitStarted:
		head = append(head, span{objectCount(ev.Total) + " to be ready", sgrBold})
	default:
		head = append(head, span{fmt.Sprintf("%d of %s", len(ev.NotReady), objectCount(ev.Total)), sgrBold}, span{" to be ready", ""})
	}
	head = append(head, span{"  " + elapsed, sgrDim})
	lines := []line{head}

	objs := ev.NotReady
	room := height - 1
	more := 0
	if len(objs) > room {
		more = len(objs) - (room - 1)
		objs = objs[:room-1]
	}
	spare := room - len(objs)
	if more > 0 {
		spare--
	}
	nameWidth := 0
	for _, st := range objs {
		nameWidth = max(nameWidth, runewidth.StringWidth(p.name(st.Object)))
	}
	nameWidth = min(nameWidth, 48)
	for _, st := range objs {
		name := p.name(st.Object)
		pad := strings.Repeat(" ", max(nameWidth-runewidth.StringWidth(name), 0))
		lines = append(lines, line{
			{"  " + name + pad + "  ", ""},
			{string(st.Status), statusColor(st.Status)},
			{"  " + st.Message, ""},
		})
		var extra []line
		for i, text := range wrap(st.Detail, width-6, 2) {
			indent := "    "
			if i > 0 {
				indent = "      "
			}
			extra = append(extra, line{{indent + text, ""}})
		}
		for j, w := range st.Warnings {
			if j == 2 {
				break
			}
			when := duration(now.Sub(w.Last)) + " ago"
			if w.Count > 1 {
				when = fmt.Sprintf("x%d, %s", w.Count, when)
			}
			// "warning" stands out; the rest wraps like the detail.
			for i, text := range wrap("warning "+w.Reason+" "+w.Sources()+" ("+when+"): "+w.Message, width-6, 2) {
				if i == 0 {
					extra = append(extra, line{{"    warning", sgrYellow}, {strings.TrimPrefix(text, "warning"), ""}})
				} else {
					extra = append(extra, line{{"      " + text, ""}})
				}
			}
		}
		n := min(len(extra), spare)
		lines = append(lines, extra[:n]...)
		spare -= n
	}
	if more > 0 {
		lines = append(lines, line{{fmt.Sprintf("  … and %d more", more), sgrDim}})
	}
	return lines
}

// wrap breaks text into at most maxLines lines of width columns, at spaces
// where it can; what does not fit ends the last line with "…".
func wrap(text string, width, maxLines int) []string {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" || width < 8 {
		return nil
	}
	var out []string
	for text != "" {
		if len(out) == maxLines-1 || runewidth.StringWidth(text) <= width {
			out = append(out, runewidth.Truncate(text, width, "…"))
			break
		}
		cut := runewidth.Truncate(text, width, "")
		if i := strings.LastIndexByte(cut, ' '); i > width/2 {
			cut = cut[:i]
		}
		out = append(out, cut)
		text = strings.TrimPrefix(text[len(cut):], " ")
	}
	return out
}

// name is how the live view names an object: without the release namespace.
func (p *View) name(k kube.Key) string {
	if k.Namespace != "" && k.Namespace == p.opts.Namespace {
		return k.Kind + "/" + k.Name
	}
	return k.String()
}

func (p *View) style(sgr, s string) string {
	if !p.opts.Color || sgr == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

func statusColor(s kube.Status) string {
	switch s {
	case kube.StatusFailed:
		return sgrRed
	case kube.StatusInProgress:
		return sgrYellow
	case kube.StatusCurrent:
		return sgrGreen
	}
	return sgrDim
}

// span is text in one style; a line is spans side by side.
type span struct{ text, sgr string }

type line []span

// render writes the line cut to width columns, with or without color.
func (l line) render(width int, color bool) string {
	var b strings.Builder
	left := width
	for _, s := range l {
		text := strings.ReplaceAll(s.text, "\n", " ")
		if w := runewidth.StringWidth(text); w > left {
			text = runewidth.Truncate(text, left, "…")
		}
		left -= runewidth.StringWidth(text)
		if color && s.sgr != "" {
			b.WriteString("\x1b[" + s.sgr + "m" + text + "\x1b[0m")
		} else {
			b.WriteString(text)
		}
		if left <= 0 {
			break
		}
	}
	return b.String()
}

func duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

func objectCount(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

func allCount(n int) string {
	if n == 1 {
		return "the object is"
	}
	return fmt.Sprintf("all %d objects", n)
}

func times(n int32) string {
	if n > 1 {
		return fmt.Sprintf(" (x%d)", n)
	}
	return ""
}
