package values

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// corpusDir returns the shared conformance corpus, skipping when it is not beside
// the repository (RUDDER_CONFORMANCE names it elsewhere).
func corpusDir(tb testing.TB) string {
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	if _, err := os.Stat(filepath.Join(dir, "charts")); err != nil {
		tb.Skipf("conformance corpus not found (%v); set RUDDER_CONFORMANCE", err)
	}
	return dir
}

// coalescedCorpusValues loads a chart of the corpus and returns it with its
// coalesced values under the user values given.
func coalescedCorpusValues(tb testing.TB, name string, user map[string]any) (*chart.Chart, map[string]any) {
	tb.Helper()
	ch, err := chart.Load(filepath.Join(corpusDir(tb), "charts", name))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ProcessDependencies(ch, user); err != nil {
		tb.Fatal(err)
	}
	vals, _, err := Coalesce(ch, user)
	if err != nil {
		tb.Fatal(err)
	}
	return ch, vals
}

// BenchmarkValidateTraefik validates the values of the corpus case
// traefik-include-crds against traefik's schema, as `rudder template` does.
func BenchmarkValidateTraefik(b *testing.B) {
	user := map[string]any{}
	if err := ParseSet("providers.kubernetesCRD.enabled=true", user); err != nil {
		b.Fatal(err)
	}
	ch, vals := coalescedCorpusValues(b, "traefik", user)
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateSchema(ch.Schema, vals); err != nil {
			b.Fatal(err)
		}
	}
}
