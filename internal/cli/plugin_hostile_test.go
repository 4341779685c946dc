package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// pluginTgzCmd is the hostile scripts' "plugintgz FILE MEMBER...": a gzipped tar
// whose members are "name:content" (a file; \n is a newline), "name@target" (a
// symbolic link), "name=>target" (a hard link) or "name#SIZE" (a file of SIZE
// zero bytes, such as 600Mi, of which only the first MiB is written: the archive
// is cut short there).
func pluginTgzCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: plugintgz file member...")
	}
	writeWith(ts, args[0], func(w io.Writer) error { return pluginTgz(w, args[1:]) })
}

// writePluginTgz writes a plugintgz archive of members to name.
func writePluginTgz(t *testing.T, name string, members ...string) {
	t.Helper()
	var b bytes.Buffer
	if err := pluginTgz(&b, members); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pluginTgz writes the plugintgz archive of members to w.
func pluginTgz(w io.Writer, members []string) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	truncated := false
	for _, spec := range members {
		var hd tar.Header
		var body io.Reader = strings.NewReader("")
		switch {
		case strings.Contains(spec, "=>"):
			hd.Name, hd.Linkname, _ = strings.Cut(spec, "=>")
			hd.Typeflag = tar.TypeLink
		case strings.Contains(spec, "@"):
			hd.Name, hd.Linkname, _ = strings.Cut(spec, "@")
			hd.Typeflag = tar.TypeSymlink
		case strings.Contains(spec, "#"):
			// Only the header claims the size: the archive ends after 1 MiB of
			// the member, which is all a reader that checks the header reads.
			name, size, _ := strings.Cut(spec, "#")
			n, err := parseSize(size)
			if err != nil {
				return err
			}
			hd.Name, hd.Size, hd.Typeflag = name, n, tar.TypeReg
			body = io.LimitReader(zeros{}, min(n, 1<<20))
			truncated = true
		default:
			name, content, _ := strings.Cut(spec, ":")
			content = strings.ReplaceAll(content, `\n`, "\n")
			hd.Name, hd.Size, hd.Typeflag = name, int64(len(content)), tar.TypeReg
			body = strings.NewReader(content)
		}
		hd.Mode = 0o755
		if err := tw.WriteHeader(&hd); err != nil {
			return err
		}
		if _, err := io.Copy(tw, body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil && !truncated {
		return err
	}
	return zw.Close()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
