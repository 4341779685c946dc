// Package registrytest builds and runs the CNCF distribution registry for tests:
// a real OCI registry process on a free loopback port, with or without basic auth.
// The binary is built once from hack/build/registry and cached under the user
// cache folder ($RUDDER_REGISTRY_CACHE overrides it).
//
//	reg := registrytest.Start(t, registrytest.Options{Username: "u", Password: "p"})
//	ref := reg.Host + "/charts/demo:0.1.0"
package registrytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Options configure a registry. The zero value has no authentication.
type Options struct {
	Username, Password string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1 (see
	// Registry.CertFile).
	TLS bool
	// ClientCAFile, with TLS, makes the registry require client certificates
	// signed by the CA certificates in this PEM file.
	ClientCAFile string
}

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:<port>".
	Host string
	// Dir holds its configuration and storage.
	Dir string
	// CertFile is the self-signed certificate it serves with Options.TLS.
	CertFile string
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds the registry (once per process, and once per source version on a
// machine) and returns its path.
func Binary() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = build() })
	return buildPath, buildErr
}

func sourceDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		src := filepath.Join(d, "hack", "build", "registry")
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err == nil {
			return src, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no hack/build/registry above %s", wd)
		}
	}
}

func build() (string, error) {
	src, err := sourceDir()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum", "main.go"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	cache := os.Getenv("RUDDER_REGISTRY_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(base, "rudder", "registry")
	}
	bin := filepath.Join(cache, hex.EncodeToString(h.Sum(nil))[:16], "registry")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	tmp := bin + fmt.Sprintf(".tmp%d", os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the registry: %w\n%s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// Start runs a registry for the test's lifetime. It skips the test under -short
// and fails it when the registry cannot be built or started.
func Start(t testing.TB, o Options) *Registry {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a registry process; skipped with -short")
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	r, stop, err := Run(bin, t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return r
}

// Run starts a registry with its files in dir and returns it with a function
// that stops it.
func Run(bin, dir string, o Options) (*Registry, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	authConf := ""
	if o.Username != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(o.Password), bcrypt.MinCost)
		if err != nil {
			return nil, nil, err
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(o.Username+":"+string(hash)+"\n"), 0o600); err != nil {
			return nil, nil, err
		}
		authConf = fmt.Sprintf("auth:\n  htpasswd:\n    realm: rudder-test\n    path: %s\n", htpasswd)
	}
	scheme, certFile, tlsConf := "http", "", ""
	if o.TLS {
		certFile = filepath.Join(dir, "cert.pem")
		keyFile := filepath.Join(dir, "key.pem")
		if err := writeSelfSigned(certFile, keyFile); err != nil {
			return nil, nil, err
		}
		scheme = "https"
		tlsConf = fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", certFile, keyFile)
		if o.ClientCAFile != "" {
			tlsConf += fmt.Sprintf("    clientcas:\n      - %s\n", o.ClientCAFile)
		}
	}
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s%s`, filepath.Join(dir, "data"), addr, tlsConf, authConf)
	confPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", confPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none", "OTEL_SDK_DISABLED=true")
	if err := cmd.Start(); err != nil {
		cancel()
		logf.Close()
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		cancel()
		<-done
		logf.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for {
		resp, err := probe.Get(scheme + "://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		// A registry that wants a client certificate answers the probe,
		// which has none, with a TLS alert: it is up.
		if opErr := (*net.OpError)(nil); o.ClientCAFile != "" && errors.As(err, &opErr) && opErr.Op != "dial" {
			break
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			stop()
			return nil, nil, fmt.Errorf("registry exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, nil, errors.New("registry did not start within 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Registry{Host: addr, Dir: dir, CertFile: certFile}, stop, nil
}

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and its key.
func writeSelfSigned(certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}
