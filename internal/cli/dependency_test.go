package cli

import "testing"

func TestDependencyTable(t *testing.T) {
	rows := [][]string{{"NAME", "STATUS"}, {"a-rather-long-name", "ok"}, {"b", ""}}
	tests := []struct {
		max  uint
		want string
	}{
		{80, "NAME              \tSTATUS\na-rather-long-name\tok    \nb                 \t      "},
		{8, "NAME    \tSTATUS\na-rat...\tok    \nb       \t      "},
		{2, "N...\tS...\na...\tok\nb \t  "},
		{0, "NAME              \tSTATUS\na-rather-long-name\tok    \nb                 \t      "},
	}
	for _, tt := range tests {
		if got := dependencyTable(rows, tt.max); got != tt.want {
			t.Errorf("max %d:\n got %q\nwant %q", tt.max, got, tt.want)
		}
	}
	if got := fitCell("ünïcödé-name", 8); got != "ünïcö..." {
		t.Errorf("runes: %q", got)
	}
}
