package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key, returning their paths.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestClient(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	conf, err := Client(cert, key, cert, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Certificates) != 1 || conf.RootCAs == nil || conf.InsecureSkipVerify || conf.MinVersion != tls.VersionTLS12 {
		t.Errorf("settings: %d certificates, roots %v, insecure %v, min version %x", len(conf.Certificates), conf.RootCAs != nil, conf.InsecureSkipVerify, conf.MinVersion)
	}
	if conf, err := Client("", "", "", true); err != nil || !conf.InsecureSkipVerify || conf.RootCAs != nil {
		t.Errorf("insecure, no files: %+v, %v", conf, err)
	}

	for _, tt := range []struct {
		name, cert, key, ca, want string
	}{
		{"certificate without its key", cert, "", "", "client certificate"},
		{"missing CA file", "", "", filepath.Join(dir, "nope.pem"), "CA file"},
		{"CA file without certificates", "", "", notPEM, "no certificates found"},
	} {
		if _, err := Client(tt.cert, tt.key, tt.ca, false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
