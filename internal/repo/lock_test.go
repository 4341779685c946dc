package repo

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestLockFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	path := filepath.Join(t.TempDir(), "repositories.lock")
	first, err := TryLockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLockFile(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := LockFile(ctx, path, 10*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for a held lock: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		f, err := LockFile(context.Background(), path, 10*time.Millisecond)
		if err == nil {
			f.Close()
		}
		got <- err
	}()
	first.Close()
	if err := <-got; err != nil {
		t.Fatalf("lock once released: %v", err)
	}
}

func TestRepositoriesLockFile(t *testing.T) {
	for in, want := range map[string]string{
		"/h/repositories.yaml": "/h/repositories.lock",
		"/h/repos":             "/h/repos.lock",
		"/h/.yaml":             "/h/.lock",
	} {
		if got := RepositoriesLockFile(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
