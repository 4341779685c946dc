package cli

import (
	"bytes"
	"strings"
	"testing"
)

// The fast paths for plain ASCII give what the general, rune-by-rune code gives.
func TestTableCellASCIIFastPath(t *testing.T) {
	general := func(s string, width int) string {
		// fitTableCell with a non-ASCII marker that takes no column, then removed.
		const mark = "\u200b"
		out := fitTableCell(mark+s, width)
		return strings.Replace(out, mark, "", 1)
	}
	for _, s := range []string{"", "a", "abc", "abcd", "A database that a web server can use, with a description longer than fifty columns"} {
		for width := 4; width <= len(s)+2; width++ { // below 4, the marker is the one rune kept
			if got, want := fitTableCell(s, width), general(s, width); got != want {
				t.Errorf("fitTableCell(%q, %d) = %q, want %q", s, width, got, want)
			}
		}
		if len(s) > 3 {
			if got := fitTableCell(s, 2); got != s[:1]+"..." {
				t.Errorf("fitTableCell(%q, 2) = %q", s, got)
			}
		}
		if textWidth(s) != len(s) {
			t.Errorf("textWidth(%q) = %d", s, textWidth(s))
		}
	}
	if w := textWidth("\x1b[1mbold\x1b[22m"); w != 4 {
		t.Errorf("width of an escaped word = %d, want 4", w)
	}
}

func TestTableMaxWidth(t *testing.T) {
	var b strings.Builder
	tb := table{maxWidth: 8}
	tb.addRow("NAME", "DESCRIPTION")
	tb.addRow("short", "a description far wider than eight columns")
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	want := "NAME \tDESCR...\nshort\ta des...\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

// A cell of one line is written as the general path fits it: cut or padded as a
// whole, then that line fitted again.
func TestWriteTableCell(t *testing.T) {
	for _, s := range []string{"", "a", "abc", "abcd", "tab\there", "días", "日本語のチャート", "\x1b[1mbold\x1b[22m",
		"A database that a web server can use, with a description longer than fifty columns"} {
		for width := 0; width <= len(s)+2; width++ {
			var b bytes.Buffer
			writeTableCell(&b, s, width)
			if want := fitTableCell(fitTableCell(s, width), width); b.String() != want {
				t.Errorf("writeTableCell(%q, %d) = %q, want %q", s, width, b.String(), want)
			}
		}
	}
}
