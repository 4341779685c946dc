package registry_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
	"github.com/rudderpm/rudder/internal/tlsconf"
	"github.com/rudderpm/rudder/internal/tlsconf/tlstest"
)

// TestTLSConfigAndProxy pushes to and pulls from an HTTPS registry that wants
// a client certificate, with TLS material held in memory, through a CONNECT
// proxy: the proxy sees the registry, and a client without the certificate
// is refused.
func TestTLSConfigAndProxy(t *testing.T) {
	ctx := context.Background()
	clients := tlstest.NewCA(t)
	caFile := filepath.Join(t.TempDir(), "clients.pem")
	if err := os.WriteFile(caFile, clients.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	reg := registrytest.Start(t, registrytest.Options{TLS: true, ClientCAFile: caFile})
	serverCert, err := os.ReadFile(reg.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	cert := clients.Client(t, "rudder")
	conf, err := tlsconf.ClientPEM(tlsconf.PEM{Cert: cert.CertPEM, Key: cert.KeyPEM, CA: serverCert})
	if err != nil {
		t.Fatal(err)
	}
	proxy := registrytest.StartProxy(t)
	c, err := registry.New(registry.Options{TLSConfig: conf, Proxy: proxy.URL, CAFile: filepath.Join(t.TempDir(), "ignored.pem")})
	if err != nil {
		t.Fatal(err)
	}
	archive, md := demoArchive(t, "0.1.0")
	if _, err := c.Push(ctx, reg.Host+"/charts/demo:0.1.0", archive, nil, md, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pull(ctx, "oci://"+reg.Host+"/charts/demo:0.1.0", registry.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := proxy.Targets(); !slices.Contains(got, reg.Host) {
		t.Errorf("proxy saw %v, want %s among them", got, reg.Host)
	}

	caOnly, err := tlsconf.ClientPEM(tlsconf.PEM{CA: serverCert})
	if err != nil {
		t.Fatal(err)
	}
	// Under TLS 1.3 the server refuses a missing client certificate after the
	// client has finished its handshake, so the client may see the connection
	// reset instead of the refusal; TLS 1.2 refuses within the handshake, with
	// an alert.
	caOnly.MaxVersion = tls.VersionTLS12
	c, err = registry.New(registry.Options{TLSConfig: caOnly})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pull(ctx, "oci://"+reg.Host+"/charts/demo:0.1.0", registry.PullOptions{}); err == nil || !strings.Contains(err.Error(), "remote error: tls: ") {
		t.Errorf("pull without a client certificate: err = %v, want the server's TLS alert", err)
	}
}
