package storage

import (
	"context"
	"errors"
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
