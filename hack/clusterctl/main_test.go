package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpAnnotationsAligned checks that the descriptions of the annotation
// rows in hack/cluster help all start in the same column.
func TestHelpAnnotationsAligned(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, &out); err != nil {
		t.Fatalf("help: %v", err)
	}
	_, table, ok := strings.Cut(out.String(), "Annotations change that:\n")
	if !ok {
		t.Fatalf("help has no annotation table:\n%s", out.String())
	}
	rows := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(rows) != len(annotations) {
		t.Fatalf("annotation table has %d rows, want %d:\n%s", len(rows), len(annotations), table)
	}
	column := -1
	for _, row := range rows {
		end := strings.LastIndex(row, `"`) // the example's closing quote
		desc := strings.TrimLeft(row[end+1:], " ")
		if end < 0 || desc == "" {
			t.Fatalf("row %q: no description after the example", row)
		}
		at := len(row) - len(desc)
		if column == -1 {
			column = at
		}
		if at != column {
			t.Errorf("row %q: description starts at column %d, want %d", row, at, column)
		}
	}
}
