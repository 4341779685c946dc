package chart

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

var versionSamples = []string{
	"1.2.3", "v1.2.3", "1.2", "1", "01.2.3", "1.2.3-rc.1", "1.2.3-01", "1.2.3-rc.01", "1.2.3+build.5",
	"1.2.3-alpha+001", "0.0.0", "0.0.0-0", "1.2.3.4", "", "x", "1.2.3-", "1.2.3+", "99999999999999999999.0.0",
	"1.2.3-a..b", "1.2.3 ", " 1.2.3", "1.2.3-ü", "V1.2.3", "1.0.0-alpha.beta.1", "2.0.0-rc.1+exp.sha.5114f85",
}

// ParseVersion answers as semver.NewVersion, on every string.
func TestParseVersionMatchesNewVersion(t *testing.T) {
	for _, s := range versionSamples {
		compareParseVersion(t, s)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range versionSamples {
		f.Add(s)
	}
	f.Fuzz(compareParseVersion)
}

func compareParseVersion(t *testing.T, s string) {
	got, gerr := ParseVersion(s)
	want, werr := semver.NewVersion(s)
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("ParseVersion(%q): error %v, NewVersion's %v", s, gerr, werr)
	}
	if werr != nil {
		return
	}
	if got.Original() != want.Original() || got.String() != want.String() || got.Compare(want) != 0 ||
		got.Prerelease() != want.Prerelease() || got.Metadata() != want.Metadata() {
		t.Fatalf("ParseVersion(%q) = %v (%q), NewVersion %v (%q)", s, got, got.Original(), want, want.Original())
	}
}

// sanitize's shortcut for printable ASCII changes nothing the full mapping would.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain text", "tab\there", "new\nline", "ctl\x01", "ünï", "\u00a0", "~\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sanitize(s), sanitizeRunes(s); got != want {
			t.Fatalf("sanitize(%q) = %q, want %q", s, got, want)
		}
	})
}
