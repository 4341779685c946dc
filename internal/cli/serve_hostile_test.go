package cli

import (
	"io"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rudderpm/rudder/internal/hostile"
)

// chartGzCmd is the hostile scripts' "chartgz FILE NAME VERSION [DESCRIPTION-SIZE]"
// (NAME may end in *N to repeat it N times; the size may end in Ki or Mi): see
// hostile.ChartNamed.
func chartGzCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: chartgz file name version [description-size]")
	}
	name := args[1]
	if base, times, ok := strings.Cut(name, "*"); ok {
		n, err := strconv.Atoi(times)
		ts.Check(err)
		name = strings.Repeat(base, n)
	}
	var size int64
	if len(args) == 4 {
		var err error
		size, err = parseSize(args[3])
		ts.Check(err)
	}
	writeWith(ts, args[0], func(w io.Writer) error { return hostile.ChartNamed(w, name, args[2], int(size)) })
}
