package tlsconf

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/tlsconf/tlstest"
)

// TestClientPEM speaks to a server on 127.0.0.1 whose certificate a test CA
// signed and that wants a client certificate of that CA: material from
// memory gets through; without the client certificate, or without the CA,
// the handshake fails.
func TestClientPEM(t *testing.T) {
	ca := tlstest.NewCA(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv.TLS = ca.Server(t).ServerConfig(t, ca)
	srv.StartTLS()
	defer srv.Close()
	client := ca.Client(t, "rudder")

	get := func(m PEM) error {
		conf, err := ClientPEM(m)
		if err != nil {
			return err
		}
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: conf}}).Get(srv.URL)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	if err := get(PEM{Cert: client.CertPEM, Key: client.KeyPEM, CA: ca.CertPEM}); err != nil {
		t.Fatalf("CA and client certificate: %v", err)
	}
	if err := get(PEM{CA: ca.CertPEM}); err == nil {
		t.Error("CA without a client certificate: the server took the request")
	}
	if err := get(PEM{Cert: client.CertPEM, Key: client.KeyPEM}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("client certificate without the CA: err = %v, want a verification error", err)
	}
}

func TestClientPEMRefuses(t *testing.T) {
	ca := tlstest.NewCA(t)
	c := ca.Client(t, "rudder")
	other := ca.Client(t, "other")
	for _, tt := range []struct {
		name string
		m    PEM
		want string
		is   error
	}{
		{"certificate without key", PEM{Cert: c.CertPEM}, "client certificate", ErrHalfPair},
		{"key without certificate", PEM{Key: c.KeyPEM}, "client certificate", ErrHalfPair},
		{"key of another certificate", PEM{Cert: c.CertPEM, Key: other.KeyPEM}, "client certificate: tls: private key does not match public key", nil},
		{"certificate not PEM", PEM{Cert: []byte("hello"), Key: c.KeyPEM}, "client certificate: tls: failed to find any PEM data", nil},
		{"CA not PEM", PEM{CA: []byte("hello")}, "CA certificates: no PEM certificates found", ErrNoCertificates},
	} {
		_, err := ClientPEM(tt.m)
		if err == nil || !strings.Contains(err.Error(), tt.want) || tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	conf, err := ClientPEM(PEM{})
	if err != nil || conf.InsecureSkipVerify || conf.RootCAs != nil || len(conf.Certificates) != 0 {
		t.Errorf("nothing: %+v, %v; want the system's roots and verification", conf, err)
	}
}
