package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TrackedLocker counts a lock as held from the attempt to take it until it is
// released, and not at all when it cannot be taken.
func TestTrackedLocker(t *testing.T) {
	held := 0
	tl := TrackedLocker{Locker: &MemoryLocker{}, Track: func() func() {
		held++
		return func() { held-- }
	}}
	ctx := context.Background()
	l, err := tl.Lock(ctx, "r", "install")
	if err != nil || held != 1 {
		t.Fatalf("lock: %v, held %d", err, held)
	}
	if _, err := tl.Lock(ctx, "r", "upgrade"); !errors.Is(err, ErrLocked) || held != 1 {
		t.Fatalf("second lock: %v, held %d; want ErrLocked and still 1", err, held)
	}
	if err := l.Unlock(ctx); err != nil || held != 0 {
		t.Fatalf("unlock: %v, held %d", err, held)
	}
	if err := l.Unlock(ctx); err != nil || held != 0 {
		t.Fatalf("second unlock: %v, held %d", err, held)
	}
	if _, err := tl.Lock(ctx, "r", "upgrade"); err != nil || held != 1 {
		t.Fatalf("lock after unlock: %v, held %d", err, held)
	}
}

// The holder of a lock is named by the caller, never read from the environment:
// a command passes its user, a controller its own name.
func TestLockHolderIsPassedIn(t *testing.T) {
	t.Setenv("USER", "from-env")
	host, _ := os.Hostname()
	if got, want := ProcessHolder("alice"), fmt.Sprintf("alice@%s pid %d", host, os.Getpid()); got != want {
		t.Errorf("ProcessHolder = %q, want %q", got, want)
	}
	if got := ProcessHolder(""); !strings.HasPrefix(got, "unknown@") {
		t.Errorf("ProcessHolder(\"\") = %q, want unknown@...", got)
	}
	// This process runs: its own name is not taken for a gone holder.
	if holderGone(ProcessHolder("alice")) {
		t.Error("a running process's lock counted as gone")
	}

	ctx := context.Background()
	m := &MemoryLocker{Holder: "controller/rudder-0"}
	if _, err := m.Lock(ctx, "r", "install"); err != nil {
		t.Fatal(err)
	}
	_, err := m.Lock(ctx, "r", "upgrade")
	var le *LockedError
	if !errors.As(err, &le) || le.Holder != "controller/rudder-0" || le.Operation != "install" {
		t.Fatalf("second lock: %v, want held by controller/rudder-0 for install", err)
	}
}
