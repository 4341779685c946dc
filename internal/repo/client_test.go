package repo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// authRecorder is a loopback server that remembers the Authorization header of
// each request it gets, by path.
type authRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]string
}

func newAuthRecorder(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *authRecorder {
	a := &authRecorder{seen: map[string]string{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen[r.URL.Path] = r.Header.Get("Authorization")
		a.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte("ok " + r.URL.Path))
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *authRecorder) auth(path string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.seen[path]
	return v, ok
}

func TestGetCredentialsStayOnTheirHost(t *testing.T) {
	other := newAuthRecorder(t, nil) // another host: same loopback address, another port
	repoSrv := newAuthRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	})
	const basic = "Basic dTpw" // u:p
	tests := []struct {
		name      string
		url       string
		passAll   bool
		srv       *authRecorder
		path      string
		wantAuth  string
		wantFinal string
	}{
		{name: "the repository itself", url: repoSrv.URL + "/index.yaml", srv: repoSrv, path: "/index.yaml", wantAuth: basic},
		{name: "redirect on the same host", url: repoSrv.URL + "/here", srv: repoSrv, path: "/landed", wantAuth: basic},
		{name: "redirect to another host", url: repoSrv.URL + "/away", srv: other, path: "/landed", wantAuth: ""},
		{name: "redirect to another host, --pass-credentials", url: repoSrv.URL + "/away", passAll: true, srv: other, path: "/landed", wantAuth: basic},
		{name: "chart URL on another host", url: other.URL + "/chart.tgz", srv: other, path: "/chart.tgz", wantAuth: ""},
		{name: "chart URL on another host, --pass-credentials", url: other.URL + "/chart.tgz", passAll: true, srv: other, path: "/chart.tgz", wantAuth: basic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other.mu.Lock()
			other.seen = map[string]string{}
			other.mu.Unlock()
			repoSrv.mu.Lock()
			repoSrv.seen = map[string]string{}
			repoSrv.mu.Unlock()
			_, err := Get(context.Background(), tt.url, ClientOptions{Username: "u", Password: "p", AuthURL: repoSrv.URL + "/", PassCredentialsAll: tt.passAll})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tt.srv.auth(tt.path)
			if !ok {
				t.Fatalf("%s was not requested", tt.path)
			}
			if got != tt.wantAuth {
				t.Errorf("Authorization at %s = %q, want %q", tt.path, got, tt.wantAuth)
			}
		})
	}
}

func TestGetSizeLimit(t *testing.T) {
	body := strings.Repeat("x", 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// No Content-Length: the limit must hold while reading.
			for i := 0; i < len(body); i += 512 {
				_, _ = w.Write([]byte(body[i : i+512]))
				w.(http.Flusher).Flush()
			}
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	for _, path := range []string{"/sized", "/chunked"} {
		t.Run(path, func(t *testing.T) {
			_, err := Get(context.Background(), srv.URL+path, ClientOptions{MaxSize: 4095})
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("over the limit: err = %v, want ErrTooLarge", err)
			}
			b, err := Get(context.Background(), srv.URL+path, ClientOptions{MaxSize: 4096})
			if err != nil || len(b) != 4096 {
				t.Errorf("at the limit: %d bytes, %v", len(b), err)
			}
		})
	}
}

func TestGetHTTPError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := Get(context.Background(), srv.URL+"/index.yaml", ClientOptions{})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound || !strings.Contains(err.Error(), srv.URL+"/index.yaml") {
		t.Fatalf("err = %v, want a 404 HTTPError naming the URL", err)
	}
}

// testPKI is a CA with a server certificate for 127.0.0.1 and a client certificate.
type testPKI struct {
	caFile, certFile, keyFile string // the CA, and the client's certificate and key
	pool                      *x509.CertPool
	server                    tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = writePEM("ca.pem", "CERTIFICATE", caDER)
	srvDER, srvKey := issue(2, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	p.server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := issue(3, x509.ExtKeyUsageClientAuth, nil)
	p.certFile = writePEM("client.pem", "CERTIFICATE", cliDER)
	keyDER, _ := x509.MarshalECPrivateKey(cliKey)
	p.keyFile = writePEM("client-key.pem", "EC PRIVATE KEY", keyDER)
	return p
}

func TestGetTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("secure"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pki.pool, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	defer srv.Close()

	client, err := tls.LoadX509KeyPair(pki.certFile, pki.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pair := &tls.Config{Certificates: []tls.Certificate{client}, RootCAs: pki.pool}
	tests := []struct {
		name    string
		o       ClientOptions
		wantErr string
	}{
		{name: "TLS settings from memory", o: ClientOptions{TLSConfig: pair}},
		{name: "TLS settings from memory win over files", o: ClientOptions{TLSConfig: pair, CAFile: filepath.Join(t.TempDir(), "nope.pem"), InsecureSkipTLSVerify: true}},
		{name: "TLS settings from memory without the CA", o: ClientOptions{TLSConfig: &tls.Config{Certificates: pair.Certificates}}, wantErr: "certificate"},
		{name: "verified by default", o: ClientOptions{CertFile: pki.certFile, KeyFile: pki.keyFile}, wantErr: "certificate"},
		{name: "CA file and client certificate", o: ClientOptions{CAFile: pki.caFile, CertFile: pki.certFile, KeyFile: pki.keyFile}},
		{name: "no client certificate", o: ClientOptions{CAFile: pki.caFile}, wantErr: "certificate"},
		{name: "insecure skip verify", o: ClientOptions{InsecureSkipTLSVerify: true, CertFile: pki.certFile, KeyFile: pki.keyFile}},
		{name: "missing CA file", o: ClientOptions{CAFile: filepath.Join(t.TempDir(), "nope.pem")}, wantErr: "CA file"},
		{name: "bad client key", o: ClientOptions{CAFile: pki.caFile, CertFile: pki.certFile, KeyFile: pki.caFile}, wantErr: "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Get(context.Background(), srv.URL+"/index.yaml", tt.o)
			if tt.wantErr == "" {
				if err != nil || string(b) != "secure" {
					t.Fatalf("got %q, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestUpdateIndex(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		if r.URL.Path != "/sub/index.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(cacheTestIndex))
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	e := &Entry{Name: "r", URL: srv.URL + "/sub", Username: "u", Password: "p"}
	warnings, err := UpdateIndex(context.Background(), e, dir, EntryOptions(e))
	if err != nil || len(warnings) != 0 {
		t.Fatal(err, warnings)
	}
	if auth == "" {
		t.Error("no credentials sent to the repository")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, CacheIndexFile("r")))
	if string(raw) != cacheTestIndex {
		t.Error("index.yaml not cached as it came")
	}
	names, _ := os.ReadFile(filepath.Join(dir, CacheChartsFile("r")))
	if string(names) != "empty\nrenamed\nweb\n" {
		t.Errorf("charts file = %q", names)
	}
	c, err := ReadCache(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.Resolve(e.URL, "web", "")
	if err != nil || ref.URL != srv.URL+"/sub/web-1.0.0.tgz" || ref.Digest != strings.Repeat("ab", 32) {
		t.Fatalf("resolve: %+v %v", ref, err)
	}

	if err := RemoveCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("left after RemoveCache: %v", left)
	}

	bad := &Entry{Name: "bad", URL: srv.URL + "/nowhere"}
	if _, err := UpdateIndex(context.Background(), bad, dir, EntryOptions(bad)); err == nil {
		t.Fatal("no error for a missing index")
	}
	if _, err := os.Stat(filepath.Join(dir, CacheIndexFile("bad"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed update left an index: %v", err)
	}
}
