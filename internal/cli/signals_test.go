package cli

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsStopCommandsWithNothingToCleanUp runs the CLI as a process on commands
// that block (a template that loops for ever, a repository that never answers)
// and checks that the first SIGTERM or SIGINT ends it at once, with the
// conventional status and no goroutine dump.
func TestSignalsStopCommandsWithNothingToCleanUp(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTxtarFiles(t, filepath.Join(dir, "loop"), `-- Chart.yaml --
apiVersion: v2
name: loop
version: 1.0.0
-- templates/loop.yaml --
{{- range $i := 100000 }}{{ range $j := 100000 }}{{ end }}{{ end }}
`)
	asked := make(chan struct{}, 8)
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		<-r.Context().Done() // never answers
	}))
	defer silent.Close()

	tests := []struct {
		name    string
		args    []string
		started func(t *testing.T) // returns once the command is surely blocked
		sig     syscall.Signal
		want    int
	}{
		{"template, SIGTERM", []string{"template", "x", filepath.Join(dir, "loop")}, settle, syscall.SIGTERM, 143},
		{"template, SIGINT", []string{"template", "x", filepath.Join(dir, "loop")}, settle, syscall.SIGINT, 130},
		{"repo add, SIGTERM", []string{"repo", "add", "silent", silent.URL}, func(t *testing.T) {
			select {
			case <-asked:
			case <-time.After(10 * time.Second):
				t.Fatal("the repository was never asked for its index")
			}
		}, syscall.SIGTERM, 143},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(self, tc.args...)
			cmd.Env = append(os.Environ(), selfCLIEnv+"=1", "HOME="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				_ = cmd.Process.Kill()
				<-exited
			}()
			tc.started(t)
			select {
			case err := <-exited:
				exited <- err // for the deferred wait
				t.Fatalf("the command ended before the signal: %v\n%s", err, stderr.String())
			default:
			}

			sent := time.Now()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				exited <- err // for the deferred wait
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != tc.want {
					t.Fatalf("ended with %v, want exit status %d\n%s", err, tc.want, stderr.String())
				}
				t.Logf("exited %v after the signal", time.Since(sent).Round(time.Millisecond))
			case <-time.After(2 * time.Second):
				t.Fatalf("still running 2s after %v\n%s", tc.sig, stderr.String())
			}
			if strings.Contains(stderr.String(), "goroutine") {
				t.Errorf("stderr holds a goroutine dump:\n%s", stderr.String())
			}
		})
	}
}

// settle gives a started process the time to be well into its work.
func settle(*testing.T) { time.Sleep(time.Second) }

// TestSuperviseSignals checks Main's rules on a command that holds something to
// clean up, and on one that does not.
func TestSuperviseSignals(t *testing.T) {
	type outcome struct {
		code     int
		canceled bool
	}
	start := func(g *cleanupGuard, grace time.Duration) (chan os.Signal, chan int, chan outcome) {
		sigs, done, res := make(chan os.Signal, 2), make(chan int, 1), make(chan outcome, 1)
		go func() {
			canceled := false
			code := superviseSignals(sigs, done, g, func() { canceled = true }, &bytes.Buffer{}, grace)
			res <- outcome{code, canceled}
		}()
		return sigs, done, res
	}
	pending := func(res chan outcome) bool {
		select {
		case <-res:
			return false
		case <-time.After(100 * time.Millisecond):
			return true
		}
	}

	t.Run("nothing held: the first signal exits", func(t *testing.T) {
		g := &cleanupGuard{}
		sigs, _, res := start(g, time.Hour)
		sigs <- syscall.SIGTERM
		if got := <-res; got.code != 143 || got.canceled {
			t.Fatalf("got %+v, want 143 without waiting", got)
		}
	})
	t.Run("lock held, SIGINT: waits for cleanup, then 130", func(t *testing.T) {
		g := &cleanupGuard{}
		release := g.hold()
		sigs, done, res := start(g, time.Millisecond)
		sigs <- syscall.SIGINT
		if !pending(res) {
			t.Fatal("exited without waiting for cleanup")
		}
		release()
		done <- 1
		if got := <-res; got.code != 130 || !got.canceled {
			t.Fatalf("got %+v, want 130 after cancelling", got)
		}
	})
	t.Run("lock held, second signal: exits at once", func(t *testing.T) {
		g := &cleanupGuard{}
		defer g.hold()()
		sigs, _, res := start(g, time.Hour)
		sigs <- syscall.SIGINT
		if !pending(res) {
			t.Fatal("exited without waiting for cleanup")
		}
		sigs <- syscall.SIGINT
		if got := <-res; got.code != 130 {
			t.Fatalf("got %+v, want 130", got)
		}
	})
	t.Run("lock held, SIGTERM: waits at most the grace", func(t *testing.T) {
		g := &cleanupGuard{}
		defer g.hold()()
		sigs, _, res := start(g, 200*time.Millisecond)
		sigs <- syscall.SIGTERM
		select {
		case got := <-res:
			if got.code != 143 || !got.canceled {
				t.Fatalf("got %+v, want 143 after cancelling", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("SIGTERM waited past its grace")
		}
	})
	t.Run("a command that succeeds despite the signal keeps its status", func(t *testing.T) {
		g := &cleanupGuard{}
		release := g.hold()
		sigs, done, res := start(g, time.Hour)
		sigs <- syscall.SIGINT
		if !pending(res) {
			t.Fatal("exited without waiting for cleanup")
		}
		release()
		done <- 0
		if got := <-res; got.code != 0 {
			t.Fatalf("got %+v, want 0", got)
		}
	})
}
