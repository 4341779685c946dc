package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// sigtermGrace is how long a command that holds a release lock has, after
// SIGTERM, to mark its revision failed and free the lock before the process
// exits anyway. Both take one API request each; a server that does not answer in
// this time will not answer sooner for waiting longer, and the next operation
// recovers a lock left behind.
const sigtermGrace = 5 * time.Second

// Main runs the command line as the rudder process does and owns its SIGINT and
// SIGTERM. While a command has nothing to clean up (everything offline, reads,
// downloads) the first signal ends the process at once, with the conventional
// status: 130 for SIGINT, 143 for SIGTERM. While it holds a release lock (install,
// upgrade, rollback, uninstall, test) or a server drains, the signal cancels it
// instead, so that it marks its revision failed and frees the lock: after Ctrl-C
// it is waited for (a second signal exits at once), after SIGTERM for at most
// sigtermGrace.
func Main(args []string, s Streams) int {
	return MainWithController(args, s, nil)
}

// MainWithController is Main for a program that links the controller (the
// rudder-controller program): its `controller run` calls runController in the
// process. Main passes nil, and `controller run` then hands over to the
// rudder-controller program (see handOverToController).
func MainWithController(args []string, s Streams, runController ControllerFunc) int {
	raw := make(chan os.Signal, 2)
	signal.Notify(raw, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(raw)
		close(raw) // ends the goroutine below
	}()
	// The last signal is recorded as the cancellation's cause, so that a plugin
	// running as a child process is sent the same signal.
	var last atomic.Value
	sigs := make(chan os.Signal, 2)
	go func() {
		for sig := range raw {
			last.Store(sig)
			sigs <- sig
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	g := &cleanupGuard{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, s, g, runController) }()
	return superviseSignals(sigs, done, g, func() {
		sig, _ := last.Load().(os.Signal)
		cancel(signalCause{sig})
	}, s.Err, sigtermGrace)
}

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string     { return fmt.Sprintf("interrupted by %v", c.sig) }
func (c signalCause) Signal() os.Signal { return c.sig }

// superviseSignals waits for the command's exit code on done and applies Main's
// rules to the signals arriving on sigs meanwhile; it returns the exit code.
func superviseSignals(sigs <-chan os.Signal, done <-chan int, g *cleanupGuard, cancel func(), errOut io.Writer, grace time.Duration) int {
	var first os.Signal
	var giveUp <-chan time.Time
	for {
		select {
		case code := <-done:
			if first != nil && code != 0 {
				return signalStatus(first)
			}
			return code
		case <-giveUp:
			return signalStatus(first)
		case sig := <-sigs:
			if first != nil || g.stopIfIdle() {
				return signalStatus(sig)
			}
			first = sig
			cancel()
			if sig == syscall.SIGTERM {
				giveUp = time.After(grace)
			} else {
				fmt.Fprintln(errOut, "Interrupted: cleaning up (press Ctrl-C again to exit at once)")
			}
		}
	}
}

// signalStatus is the conventional exit status of a process ended by sig.
func signalStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// cleanupGuard counts the stretches of work that a signal must not cut short,
// such as holding a release lock. The nil guard (a CLI run without Main, in
// tests) counts nothing.
type cleanupGuard struct {
	mu      sync.Mutex
	held    int
	stopped bool
}

// hold marks the start of such work; the returned function marks its end and may
// be called more than once. Once the process is exiting, hold never returns, so no
// work starts that the exit would cut short.
func (g *cleanupGuard) hold() (release func()) {
	if g == nil {
		return func() {}
	}
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		select {} // the process exits at once
	}
	g.held++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.held--
			g.mu.Unlock()
		})
	}
}

// stopIfIdle tells whether nothing is held, and if so lets nothing be held any more.
func (g *cleanupGuard) stopIfIdle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held > 0 {
		return false
	}
	g.stopped = true
	return true
}
