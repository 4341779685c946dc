package cli

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
	"github.com/rudderpm/rudder/internal/tlsconf/tlstest"
)

// startTLSRepository serves the files of dir over HTTPS on 127.0.0.1 with
// conf, and returns its URL.
func startTLSRepository(t *testing.T, dir string, conf *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second, TLSConfig: conf,
		ErrorLog: log.New(io.Discard, "", 0)} // handshakes the tests make fail
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return "https://" + l.Addr().String()
}

// secret creates a Secret of the env's namespace.
func (c *controllerEnv) secret(name string, typ corev1.SecretType, data map[string][]byte) {
	c.t.Helper()
	if _, err := c.env.Clientset().CoreV1().Secrets(c.ns).Create(c.t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
		Type: typ, Data: data}, metav1.CreateOptions{}); err != nil {
		c.t.Fatal(err)
	}
}

// tlsHelmRepository applies a HelmRepository of url with the spec fields of
// extra ("certSecretRef: {name: x}").
func (c *controllerEnv) tlsHelmRepository(name, url, extra string) {
	c.t.Helper()
	c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: %s}
spec: {url: %q, interval: 1m, timeout: 10s%s}
`, name, url, extra))
}

// TestControllerRepositoryCertSecret fetches indexes and charts from HTTPS
// repositories whose certificates a CA made in the test signed, as Flux does
// with spec.certSecretRef: without the CA the fetch fails verification;
// adding certSecretRef makes the repository and its release Ready; a server
// that wants a client certificate gets tls.crt and tls.key; the legacy
// caFile of secretRef still counts; a Secret that is missing, lacks keys or
// holds no PEM is AuthenticationFailed, named in the source's and the
// release's conditions.
func TestControllerRepositoryCertSecret(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	dir := t.TempDir()
	c.addWebChart(dir, "1.0.0")
	ca := tlstest.NewCA(t)
	clients := tlstest.NewCA(t)
	serverCert := ca.Server(t)
	httpsURL := startTLSRepository(t, dir, serverCert.ServerConfig(t, nil))
	mtlsURL := startTLSRepository(t, dir, serverCert.ServerConfig(t, clients))
	client := clients.Client(t, "rudder")

	c.secret("ca", corev1.SecretTypeOpaque, map[string][]byte{"ca.crt": ca.CertPEM})
	c.secret("client", corev1.SecretTypeTLS, map[string][]byte{"tls.crt": client.CertPEM, "tls.key": client.KeyPEM, "ca.crt": ca.CertPEM})
	c.secret("legacy", corev1.SecretTypeOpaque, map[string][]byte{"username": []byte("u"), "password": []byte("p"), "caFile": ca.CertPEM})
	c.secret("half", corev1.SecretTypeOpaque, map[string][]byte{"tls.crt": client.CertPEM, "ca.crt": ca.CertPEM})
	c.secret("junk", corev1.SecretTypeOpaque, map[string][]byte{"ca.crt": []byte("not a certificate")})

	// Without the CA: a verification error, on the repository and the release.
	c.tlsHelmRepository("private", httpsURL, "")
	c.apply(helmReleaseGVR, webRelease("private", "private", "1.0.0"))
	c.waitRepository("private", "False", "Failed", "certificate signed by unknown authority")
	msg := c.waitArtifactFailed("private", 60*time.Second)
	if !strings.Contains(msg, "HelmRepository/"+c.ns+"/private") || !strings.Contains(msg, "unknown authority") {
		t.Errorf("HelmRelease/private: Ready message %q does not name the repository and the verification error", msg)
	}
	// With it: the index and the chart come over HTTPS.
	c.tlsHelmRepository("private", httpsURL, ", certSecretRef: {name: ca}")
	c.waitRepository("private", "True", "Succeeded", "stored artifact")
	c.waitReady("private", "True", "InstallSucceeded")

	c.tlsHelmRepository("mtls", mtlsURL, ", certSecretRef: {name: client}")
	c.tlsHelmRepository("mtls-noclient", mtlsURL, ", certSecretRef: {name: ca}")
	c.tlsHelmRepository("legacy", httpsURL, ", secretRef: {name: legacy}")
	c.apply(helmReleaseGVR, webRelease("mtls", "mtls", "1.0.0"))
	c.apply(helmReleaseGVR, webRelease("legacy", "legacy", "1.0.0"))
	c.waitReady("mtls", "True", "InstallSucceeded")
	c.waitReady("legacy", "True", "InstallSucceeded")
	// The server refuses the handshake: "certificate required", or a reset
	// connection, depending on when the client reads its alert.
	c.waitRepository("mtls-noclient", "False", "Failed", mtlsURL+"/index.yaml")

	for name, want := range map[string]string{
		"half":    "certSecretRef: Secret/" + c.ns + "/half has 'tls.crt' but no 'tls.key'",
		"junk":    "certSecretRef: Secret/" + c.ns + "/junk: 'ca.crt' holds no PEM certificates",
		"missing": "certSecretRef: Secret/" + c.ns + "/missing: secrets \"missing\" not found",
	} {
		c.tlsHelmRepository(name, httpsURL, ", certSecretRef: {name: "+name+"}")
		c.apply(helmReleaseGVR, webRelease(name, name, "1.0.0"))
		c.waitRepository(name, "False", "AuthenticationFailed", want)
		if msg := c.waitArtifactFailed(name, 60*time.Second); !strings.Contains(msg, want) {
			t.Errorf("HelmRelease/%s: Ready message %q does not say %q", name, msg, want)
		}
	}
}

// TestControllerOCICertSecret pulls charts from an HTTPS registry that wants
// a client certificate: an OCIRepository and a HelmRepository of type oci
// with certSecretRef install their releases, an OCIRepository without it
// cannot pull, one with proxySecretRef pulls through the proxy, and a proxy
// Secret without an address is AuthenticationFailed.
func TestControllerOCICertSecret(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	clients := tlstest.NewCA(t)
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reg := registrytest.Start(t, registrytest.Options{TLS: true, ClientCAFile: write("clients.pem", clients.CertPEM)})
	client := clients.Client(t, "rudder")
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts",
		"--ca-file", reg.CertFile, "--cert-file", write("client.pem", client.CertPEM), "--key-file", write("client-key.pem", client.KeyPEM))
	serverCert, err := os.ReadFile(reg.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	proxy := registrytest.StartProxy(t)
	c.secret("client", corev1.SecretTypeTLS, map[string][]byte{"tls.crt": client.CertPEM, "tls.key": client.KeyPEM, "ca.crt": serverCert})
	c.secret("proxy", corev1.SecretTypeOpaque, map[string][]byte{"address": []byte(proxy.URL.String())})
	c.secret("noaddress", corev1.SecretTypeOpaque, map[string][]byte{"username": []byte("u")})

	oci := func(name, extra string) {
		c.ociRepository(name, fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, interval: 1m, timeout: 10s%s`, reg.Host, extra))
	}
	oci("plain", "")
	oci("mtls", ", certSecretRef: {name: client}")
	oci("proxied", ", certSecretRef: {name: client}, proxySecretRef: {name: proxy}")
	oci("noaddress", ", certSecretRef: {name: client}, proxySecretRef: {name: noaddress}")
	c.tlsHelmRepository("ocirepo", "oci://"+reg.Host+"/charts", ", type: oci, certSecretRef: {name: client}")
	c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromoci}
spec:
  interval: 1m
  chartRef: {kind: OCIRepository, name: mtls}
`)
	c.apply(helmReleaseGVR, webRelease("fromhelmrepo", "ocirepo", "1.0.0"))

	c.waitSource(ociRepositoryGVR, "mtls", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitSource(ociRepositoryGVR, "proxied", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitSource(ociRepositoryGVR, "plain", "False", "OCIArtifactPullFailed", "")
	c.waitSource(ociRepositoryGVR, "noaddress", "False", "AuthenticationFailed", "proxySecretRef: Secret/"+c.ns+"/noaddress: has no key 'address'")
	c.waitReady("fromoci", "True", "InstallSucceeded")
	c.waitReady("fromhelmrepo", "True", "InstallSucceeded")
	if got := proxy.Targets(); !slices.Contains(got, reg.Host) {
		t.Errorf("the proxy saw %v, want %s among them", got, reg.Host)
	}
}
