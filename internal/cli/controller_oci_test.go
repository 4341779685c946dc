package cli

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// TestControllerOCIRepositoryPullSecret pulls from a registry that wants a
// login with Flux's kind of Secret: kubernetes.io/dockerconfigjson, named by
// spec.secretRef or among a ServiceAccount's imagePullSecrets.
func TestControllerOCIRepositoryPullSecret(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{Username: "alice", Password: "s3cret"})
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http", "--username", "alice", "--password", "s3cret")
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	cs := c.env.Clientset().CoreV1()
	if _, err := cs.Secrets(c.ns).Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "regcred"},
		Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}}}`, reg.Host, auth)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ServiceAccounts(c.ns).Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "puller"},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.ociRepository("private", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, insecure: true, interval: 1m, secretRef: {name: regcred}`, reg.Host))
	c.ociRepository("viasa", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, insecure: true, interval: 1m, serviceAccountName: puller`, reg.Host))
	c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromprivate}
spec:
  interval: 1m
  chartRef: {kind: OCIRepository, name: private}
`)
	c.waitSource(ociRepositoryGVR, "private", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitSource(ociRepositoryGVR, "viasa", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitReady("fromprivate", "True", "InstallSucceeded")
}

// TestControllerOCIRepositoryScheme speaks HTTPS to registries as Flux does:
// with insecure set, to a server whose certificate is not trusted; plain HTTP
// to a loopback registry that does not speak HTTPS, insecure or not.
func TestControllerOCIRepositoryScheme(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	tlsReg := registrytest.Start(t, registrytest.Options{TLS: true})
	plainReg := registrytest.Start(t, registrytest.Options{})
	chart := filepath.Join(c.dir, "store", "web-1.0.0.tgz")
	c.rudder("push", chart, "oci://"+tlsReg.Host+"/charts", "--ca-file", tlsReg.CertFile)
	c.rudder("push", chart, "oci://"+plainReg.Host+"/charts", "--plain-http")
	c.ociRepository("https", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, insecure: true, interval: 1m`, tlsReg.Host))
	c.ociRepository("plain", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, interval: 1m`, plainReg.Host))
	c.waitSource(ociRepositoryGVR, "https", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitSource(ociRepositoryGVR, "plain", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
}

// TestControllerOCIRepositorySemver picks tags as Flux does: the highest
// version in the range among the tags semverFilter matches, skipping tags
// that are no versions to Flux (Helm's 1.2.0_build for 1.2.0+build).
func TestControllerOCIRepositorySemver(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0+build"} {
		src := filepath.Join(c.dir, "web-"+v)
		writeTxtarFiles(t, src, webChartAt(v))
		c.rudder("package", filepath.Join(src, "web"), "-d", src)
		c.rudder("push", filepath.Join(src, "web-"+v+".tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
	}
	for name, ref := range map[string]string{"newest": `{semver: ">=1.0.0"}`, "filtered": `{semver: ">=1.0.0", semverFilter: '^1\.0'}`, "none": `{semver: ">=5.0.0"}`} {
		c.ociRepository(name, fmt.Sprintf(`url: "oci://%s/charts/web", ref: %s, insecure: true, interval: 1m`, reg.Host, ref))
	}
	c.waitSource(ociRepositoryGVR, "newest", "True", "Succeeded", "stored artifact for digest '1.1.0@sha256:")
	c.waitSource(ociRepositoryGVR, "filtered", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	c.waitSource(ociRepositoryGVR, "none", "False", "ReadOperationFailed",
		"failed to determine the artifact tag for 'oci://"+reg.Host+"/charts/web': no match found for semver: >=5.0.0")
}

// TestControllerOCIRepositoryChartVersion installs a chart from an
// OCIRepository as Flux's helm-controller does: with the version
// <version>+<the first 12 hex digits of the manifest digest>, in the
// HelmRelease's history and in the release.
func TestControllerOCIRepositoryChartVersion(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	c.releaseFromOCI(reg, "1m", "1m")
	u := c.waitReady("fromoci", "True", "InstallSucceeded")
	hist, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	if len(hist) == 0 {
		t.Fatal("HelmRelease/fromoci: no history")
	}
	digest, _ := hist[0].(map[string]any)["ociDigest"].(string)
	want := "1.0.0+" + strings.TrimPrefix(digest, "sha256:")[:12]
	if v := hist[0].(map[string]any)["chartVersion"]; v != want {
		t.Errorf("HelmRelease/fromoci: history chartVersion %v, want %s (ociDigest %s)", v, want, digest)
	}
	if out := c.rudder("list", "-o", "json"); !strings.Contains(out, `"chart":"web-`+want+`"`) {
		t.Errorf("rudder list: the release's chart is not web-%s:\n%s", want, out)
	}
}

// TestControllerOCIRepositoryNewDigest pushes a changed chart again under the
// same tag: the OCIRepository's new artifact reaches its HelmRelease at once,
// as Flux's helm-controller watches its sources, and the upgrade's chart
// version names the new digest.
func TestControllerOCIRepositoryNewDigest(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	c.releaseFromOCI(reg, "1s", "1h")
	c.waitReady("fromoci", "True", "InstallSucceeded")
	src := filepath.Join(c.dir, "again")
	writeTxtarFiles(t, src, webChartAt("1.0.0")+"-- web/README.md --\npushed again\n")
	c.rudder("package", filepath.Join(src, "web"), "-d", src)
	c.rudder("push", filepath.Join(src, "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
	u := c.waitReady("fromoci", "True", "UpgradeSucceeded")
	hist, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	if len(hist) < 2 || hist[0].(map[string]any)["chartVersion"] == hist[1].(map[string]any)["chartVersion"] {
		t.Errorf("HelmRelease/fromoci: the upgrade's chart version does not differ from the install's: %v", hist)
	}
}

// TestControllerOCIRepositoryGeneration reports an OCIRepository as Flux
// does: a url Flux refuses is Stalled and its generation observed; a pull
// that fails but may work later leaves observedGeneration as it was.
func TestControllerOCIRepositoryGeneration(t *testing.T) {
	useCRDs(t, fluxCRDs(t))
	c := startControllerEnv(t)
	reg := registrytest.Start(t, registrytest.Options{})
	c.ociRepository("tagged", fmt.Sprintf(`url: "oci://%s/charts/web:1.0.0", interval: 1m`, reg.Host))
	c.ociRepository("missing", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 9.9.9}, interval: 1m`, reg.Host))
	u := c.waitSource(ociRepositoryGVR, "tagged", "False", "URLInvalid", "URL validation failed for 'oci://"+reg.Host+"/charts/web:1.0.0': URL must not contain a tag; remove ':1.0.0'")
	if s, r, _ := condition(u, "Stalled"); s != "True" || r != "URLInvalid" {
		t.Errorf("OCIRepository/tagged: Stalled=%s reason %s, want True with URLInvalid", s, r)
	}
	if g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); g != u.GetGeneration() {
		t.Errorf("OCIRepository/tagged: observedGeneration %d, want %d", g, u.GetGeneration())
	}
	u = c.waitSource(ociRepositoryGVR, "missing", "False", "OCIArtifactPullFailed", "9.9.9")
	// Flux's CRD starts it at -1.
	if g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); g == u.GetGeneration() {
		t.Errorf("OCIRepository/missing: observedGeneration %d after a pull that failed, want it unobserved", g)
	}
	if s, _, _ := condition(u, "Stalled"); s != "" {
		t.Errorf("OCIRepository/missing: Stalled=%s after a pull that may work later, want none", s)
	}
}

// releaseFromOCI pushes the store's web 1.0.0 to reg, and applies the
// OCIRepository web for its tag 1.0.0, pulled every sourceInterval, and the
// HelmRelease fromoci that installs from it, reconciled every releaseInterval.
func (c *controllerEnv) releaseFromOCI(reg *registrytest.Registry, sourceInterval, releaseInterval string) {
	c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
	c.ociRepository("web", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, interval: %s`, reg.Host, sourceInterval))
	c.apply(helmReleaseGVR, fmt.Sprintf(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromoci}
spec:
  interval: %s
  chartRef: {kind: OCIRepository, name: web}
`, releaseInterval))
}
