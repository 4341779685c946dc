package cli

import (
	"strings"
	"testing"
)

func TestAskYes(t *testing.T) {
	for _, tc := range []struct {
		answer string
		want   bool
	}{
		{"y\n", true},
		{"YES\n", true},
		{" yes \r\n", true},
		{"yes", true}, // no newline before EOF
		{"n\n", false},
		{"\n", false},
		{"yess\n", false},
		{"sure\n", false},
	} {
		var out strings.Builder
		got, err := askYes(strings.NewReader(tc.answer), &out, "go on? ")
		if err != nil || got != tc.want {
			t.Errorf("askYes(%q) = %v, %v; want %v", tc.answer, got, err, tc.want)
		}
		if out.String() != "go on? " {
			t.Errorf("askYes(%q) wrote %q, want the question", tc.answer, out.String())
		}
	}
	if _, err := askYes(strings.NewReader(""), &strings.Builder{}, "go on? "); err == nil {
		t.Error("askYes with no answer at all (EOF) did not fail")
	}
}
