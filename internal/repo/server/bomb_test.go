package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// nestedBomb makes a chart archive of depth charts, each the subchart of the one
// before, each holding size bytes of zeros: about 100 KiB that unpack to
// depth*size bytes. It streams, so making it takes little memory.
func nestedBomb(t *testing.T, depth int, size int64) []byte {
	t.Helper()
	var inner []byte
	for level := depth - 1; level >= 0; level-- {
		name := fmt.Sprintf("bomb%d", level)
		var b bytes.Buffer
		zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		tw := tar.NewWriter(zw)
		add := func(member string, size int64, r io.Reader) {
			if err := tw.WriteHeader(&tar.Header{Name: name + "/" + member, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(tw, io.LimitReader(r, size)); err != nil {
				t.Fatal(err)
			}
		}
		chartYAML := "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n"
		add("Chart.yaml", int64(len(chartYAML)), bytes.NewReader([]byte(chartYAML)))
		add("zeros.bin", size, zeros{})
		if inner != nil {
			add(fmt.Sprintf("charts/bomb%d-1.0.0.tgz", level+1), int64(len(inner)), bytes.NewReader(inner))
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		inner = b.Bytes()
	}
	return inner
}

// A chart whose subcharts each stay within the decompressed-size limit, but
// not all together, is refused and leaves nothing behind (issue 17, failure 2).
func TestNestedDecompressionBombIsRefused(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0)); status != http.StatusCreated {
		t.Fatalf("%d %s", status, msg)
	}
	before := ts.s.Index()
	bomb := nestedBomb(t, 3, 95<<20)
	t.Logf("the bomb: %d bytes, 3 charts of 95 MiB of zeros each", len(bomb))
	status, msg := ts.do(t, http.MethodPost, "/api/charts", "", bomb)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "decompressed chart is larger than the maximum size 104857600") {
		t.Errorf("%d %s, want 413 naming the limit", status, msg)
	}
	ts.assertUnchanged(t, before)
	if _, err := os.Stat(filepath.Join(ts.dir, "bomb0-1.0.0.tgz")); !os.IsNotExist(err) {
		t.Errorf("the bomb was stored: %v", err)
	}

	// The limit is the server's to set.
	small := start(t, Options{AllowAnonymousWrites: true, ChartLimits: chart.Limits{MaxSize: 1 << 20}})
	status, msg = small.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 2<<20))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "larger than the maximum size 1048576") {
		t.Errorf("a 2 MiB chart on a server taking 1 MiB: %d %s, want 413", status, msg)
	}
}
