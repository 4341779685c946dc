package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/atomicfile"
)

// stallUpload starts an upload that declares size bytes, sends the first sent
// of them, and stops there; the connection closes at the end of the test.
func (ts *testServer) stallUpload(t *testing.T, size int, sent []byte) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/charts HTTP/1.1\r\nHost: x\r\nContent-Type: application/gzip\r\nContent-Length: %d\r\n\r\n", size)
	if _, err := conn.Write(sent); err != nil {
		t.Fatal(err)
	}
	return conn
}

// waitTempFiles waits, for a few seconds at most, until the storage folder
// holds n temporary files of at least size bytes each: uploads being received.
func waitTempFiles(t *testing.T, dir string, n int, size int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		tmps, _ := filepath.Glob(filepath.Join(dir, atomicfile.TempPrefix+"*"))
		full := 0
		for _, f := range tmps {
			if fi, err := os.Stat(f); err == nil && fi.Size() >= size {
				full++
			}
		}
		if full >= n {
			return
		}
	}
	t.Logf("%d uploads of %d bytes not seen arriving", n, size)
}

// An upload whose body trickles in (a slow-loris) is cut when its time is up,
// and frees its slot.
func TestSlowUploadIsCut(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true, UploadTimeout: 300 * time.Millisecond, MaxConcurrentUploads: 1})
	conn := ts.stallUpload(t, 1000, []byte{0x1f})
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 50 ms: never idle long, never done
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte{0}); err != nil {
					return
				}
			}
		}
	}()
	began := time.Now()
	_ = conn.SetReadDeadline(began.Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow upload within 5 s: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !bytes.Contains(msg, []byte("the upload did not arrive within 300ms")) {
		t.Errorf("%d %s, want 408", resp.StatusCode, msg)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("cut after %v", d)
	}
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0)); status != http.StatusCreated {
		t.Errorf("an upload after the slow one: %d %s", status, msg)
	}
	waitNoTempFiles(t, ts.dir)
	assertNoStrayFiles(t, ts.dir)
}

// Uploads beyond the limit are refused at once, not queued; a freed slot takes
// the next one.
func TestConcurrentUploadsAreCapped(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true, MaxConcurrentUploads: 2})
	first := ts.stallUpload(t, 2<<20, make([]byte, 1000))
	ts.stallUpload(t, 2<<20, make([]byte, 1000))
	waitTempFiles(t, ts.dir, 2, 1000)

	// A third, stalled too, is answered at once: its body is not waited for.
	third := ts.stallUpload(t, 2<<20, make([]byte, 1000))
	began := time.Now()
	_ = third.SetReadDeadline(began.Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil {
		t.Fatalf("no answer to a third upload: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!bytes.Contains(msg, []byte("busy: 2 uploads in progress, the most this server takes at once")) {
		t.Errorf("a third upload: %d %s, want 503 with Retry-After", resp.StatusCode, msg)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("refused after %v", d)
	}

	first.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0))
		if status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed by a closed upload: %d %s", status, msg)
		}
	}
}

// Stalled uploads hold no memory for their bodies: they go to disk as they come.
func TestStalledUploadsHoldNoMemory(t *testing.T) {
	const n, sent = 30, 1 << 20
	ts := start(t, Options{AllowAnonymousWrites: true, MaxConcurrentUploads: n})
	body := make([]byte, sent)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		ts.stallUpload(t, 2*sent, body)
	}
	waitTempFiles(t, ts.dir, n, sent)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap grew by %.1f MiB with %d uploads of 1 MiB stalled halfway", float64(grown)/(1<<20), n)
	if grown > 8<<20 {
		t.Errorf("heap grew by %.1f MiB with %d stalled uploads of 1 MiB so far", float64(grown)/(1<<20), n)
	}
}

// The same over HTTP/2, which `serve --tls-cert` speaks.
func TestSlowUploadIsCutOverHTTP2(t *testing.T) {
	s, err := New(context.Background(), Options{StorageDir: t.TempDir(), AllowAnonymousWrites: true, UploadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewUnstartedServer(s)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { // a byte every 50 ms, for five seconds at most
		for range 100 {
			time.Sleep(50 * time.Millisecond)
			if _, err := pw.Write([]byte{0}); err != nil {
				return
			}
		}
	}()
	began := time.Now()
	resp, err := srv.Client().Post(srv.URL+"/api/charts", "application/gzip", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusRequestTimeout || time.Since(began) > 2*time.Second {
		t.Errorf("%s %d %s after %v, want a 408 over HTTP/2 within 2 s", resp.Proto, resp.StatusCode, msg, time.Since(began))
	}
}
