package testenv

import (
	"regexp"
	"strings"
	"testing"
)

func TestNamespaceName(t *testing.T) {
	label := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	tests := []struct {
		test, prefix string
	}{
		{"TestInstall", "t-testinstall-"},
		{"TestInstall/with_hooks#01", "t-testinstall-with-hooks-01-"},
		{"Test__Weird//Name--", "t-test-weird-name-"},
		{strings.Repeat("TestLong", 20), "t-" + strings.Repeat("testlong", 6) + "-"},
	}
	for _, tt := range tests {
		got := namespaceName(tt.test)
		if !strings.HasPrefix(got, tt.prefix) || len(got) != len(tt.prefix)+6 {
			t.Errorf("namespaceName(%q) = %q, want %q and 6 random characters", tt.test, got, tt.prefix)
		}
		if len(got) > 63 || !label.MatchString(got) {
			t.Errorf("namespaceName(%q) = %q, not a DNS label", tt.test, got)
		}
	}
	if a, b := namespaceName("TestX"), namespaceName("TestX"); a == b {
		t.Errorf("namespaceName gave %q twice", a)
	}
}
