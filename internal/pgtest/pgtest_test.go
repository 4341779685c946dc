package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	t.Setenv("PATH", filepath.Join(root, "nothing-here"))
	pattern := filepath.Join(root, "*", "bin")
	_, err := findBinaries(pattern)
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") ||
		!strings.Contains(err.Error(), EnvServer) {
		t.Errorf("no binaries: %v", err)
	}
	for _, v := range []string{"9", "15", "13"} {
		for _, name := range []string{"initdb", "postgres"} {
			p := filepath.Join(root, v, "bin", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A version without its server does not count.
	os.Remove(filepath.Join(root, "15", "bin", "postgres"))
	got, err := findBinaries(pattern)
	if want := filepath.Join(root, "13", "bin"); err != nil || got != want {
		t.Errorf("found %q, %v; want the newest complete version, %s", got, err, want)
	}
}

func TestConnString(t *testing.T) {
	for admin, want := range map[string]string{
		"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable": "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable",
		"host=127.0.0.1 port=5432 user=postgres dbname=postgres": "host=127.0.0.1 port=5432 user=postgres dbname=postgres dbname=t1",
	} {
		if got := (&Server{admin: admin}).connString("t1"); got != want {
			t.Errorf("%s: %s, want %s", admin, got, want)
		}
	}
}

// A database made for a test is empty, reachable, and gone after the test.
func TestNewDatabase(t *testing.T) {
	s := Start(t)
	var conn string
	t.Run("uses", func(t *testing.T) {
		conn = s.NewDatabase(t)
		if err := ping(context.Background(), conn); err != nil {
			t.Fatal(err)
		}
	})
	if err := ping(context.Background(), conn); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("the database outlived its test: %v", err)
	}
}
