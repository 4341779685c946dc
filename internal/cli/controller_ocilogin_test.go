package cli

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// TestControllerHelmRepositoryOCILogin pulls charts through HelmRepositories
// of type oci from a registry that wants a login, read from secretRef as
// Flux reads it: a kubernetes.io/dockerconfigjson Secret (what `flux create
// secret oci` and `kubectl create secret docker-registry` make) or the
// username and password keys install their releases; a Secret with a
// username and no password, one whose .dockerconfigjson has no entry for the
// registry, and a cloud provider make the release ArtifactFailed, naming the
// repository and the Secret. An HTTP HelmRepository with the half Secret is
// AuthenticationFailed, Flux's reason.
func TestControllerHelmRepositoryOCILogin(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{Username: "alice", Password: "s3cret"})
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http", "--username", "alice", "--password", "s3cret")
	dir := t.TempDir()
	c.addWebChart(dir, "1.0.0")
	httpURL := startFileRepository(t, dir)

	dockerConfig := func(host, user, pass string) map[string][]byte {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		return map[string][]byte{corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}}}`, host, auth)}
	}
	c.secret("regcred", corev1.SecretTypeDockerConfigJson, dockerConfig(reg.Host, "alice", "s3cret"))
	c.secret("otherhost", corev1.SecretTypeDockerConfigJson, dockerConfig("registry.example.com", "alice", "s3cret"))
	c.secret("basic", corev1.SecretTypeOpaque, map[string][]byte{"username": []byte("alice"), "password": []byte("s3cret")})
	c.secret("half", corev1.SecretTypeOpaque, map[string][]byte{"username": []byte("alice")})

	ociURL := "oci://" + reg.Host + "/charts"
	c.tlsHelmRepository("docker", ociURL, ", type: oci, insecure: true, secretRef: {name: regcred}")
	c.tlsHelmRepository("basic", ociURL, ", type: oci, insecure: true, secretRef: {name: basic}")
	c.tlsHelmRepository("half", ociURL, ", type: oci, insecure: true, secretRef: {name: half}")
	c.tlsHelmRepository("otherhost", ociURL, ", type: oci, insecure: true, secretRef: {name: otherhost}")
	c.tlsHelmRepository("cloud", ociURL, ", type: oci, insecure: true, provider: aws")
	c.tlsHelmRepository("httphalf", httpURL, ", secretRef: {name: half}")
	for _, name := range []string{"docker", "basic", "half", "otherhost", "cloud", "httphalf"} {
		c.apply(helmReleaseGVR, webRelease(name, name, "1.0.0"))
	}

	c.waitReady("docker", "True", "InstallSucceeded")
	c.waitReady("basic", "True", "InstallSucceeded")
	halfMsg := "secretRef: Secret/" + c.ns + "/half has 'username' but no 'password'"
	for name, want := range map[string]string{
		"half":      halfMsg,
		"otherhost": "secretRef: Secret/" + c.ns + "/otherhost has no login for '" + reg.Host + "' in .dockerconfigjson",
		"cloud":     "provider 'aws': cloud logins are not supported by Rudder: give a secretRef",
		"httphalf":  halfMsg,
	} {
		msg := c.waitArtifactFailed(name, 60*time.Second)
		if !strings.Contains(msg, "HelmRepository/"+c.ns+"/"+name+": "+want) {
			t.Errorf("HelmRelease/%s: Ready message %q does not name the repository and say %q", name, msg, want)
		}
	}
	c.waitRepository("httphalf", "False", "AuthenticationFailed", halfMsg)
}
