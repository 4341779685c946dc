package registrytest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// Proxy is an HTTP proxy on 127.0.0.1 that tunnels CONNECT requests, as
// clients of an HTTPS registry behind a proxy send them, and records where
// they went.
type Proxy struct {
	// URL is "http://127.0.0.1:<port>".
	URL *url.URL

	mu      sync.Mutex
	targets []string
}

// StartProxy runs a proxy for the test's lifetime. Requests other than
// CONNECT are refused with 405.
func StartProxy(t testing.TB) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{URL: &url.URL{Scheme: "http", Host: l.Addr().String()}}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// Targets are the hosts ("host:port") CONNECT requests asked for, in order.
func (p *Proxy) Targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.targets)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.targets = append(p.targets, r.Host)
	p.mu.Unlock()
	upstream, err := net.DialTimeout("tcp", r.Host, 10*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = upstream.Close()
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		_ = upstream.Close()
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		_ = upstream.Close()
		_ = conn.Close()
		return
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(upstream, bufferedReader(buf, conn)); _ = upstream.Close(); close(done) }()
	_, _ = io.Copy(conn, upstream)
	_ = conn.Close()
	<-done
}

// bufferedReader reads what the hijacked connection's buffer already holds,
// then the connection.
func bufferedReader(buf *bufio.ReadWriter, conn net.Conn) io.Reader {
	if buf.Reader.Buffered() == 0 {
		return conn
	}
	return io.MultiReader(io.LimitReader(buf.Reader, int64(buf.Reader.Buffered())), conn)
}
