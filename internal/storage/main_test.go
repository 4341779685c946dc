package storage

import (
	"os"
	"testing"

	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestMain shares one cluster and one PostgreSQL server among the package's
// tests, each started when a test first needs it.
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(runner(func() int { return pgtest.Run(m) })))
}

type runner func() int

func (r runner) Run() int { return r() }
