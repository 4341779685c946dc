package cli

import (
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestControllerServiceAccount checks spec.serviceAccountName on the local
// control plane, whose API server authorizes with RBAC (Node,RBAC): the
// release's actions run as system:serviceaccount:<namespace>:<name>. A service
// account with rights on Secrets and ConfigMaps of the namespace installs and
// uninstalls there; one without rights ends Ready=False with the forbidden
// request in the message and nothing written; one without rights in the
// target namespace fails its install without leaving a pending release or any
// object behind.
func TestControllerServiceAccount(t *testing.T) {
	useCRDs(t, nil)
	c := startControllerEnv(t)
	cs := c.env.Clientset()
	ctx := t.Context()
	other := c.env.Namespace(t)
	for _, sa := range []string{"deployer", "nobody"} {
		if _, err := cs.CoreV1().ServiceAccounts(c.ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "deploy"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: []string{"*"}}}}
	if _, err := cs.RbacV1().Roles(c.ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "deploy"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: c.ns}}}
	if _, err := cs.RbacV1().RoleBindings(c.ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	c.apply(helmReleaseGVR, helmRelease("allowed", "  serviceAccountName: deployer\n  values: {v: sa}\n"))
	c.apply(helmReleaseGVR, helmRelease("denied", "  serviceAccountName: nobody\n"))
	c.apply(helmReleaseGVR, helmRelease("elsewhere", "  serviceAccountName: deployer\n  targetNamespace: "+other+"\n  storageNamespace: "+c.ns+"\n"))

	c.waitReady("allowed", "True", "InstallSucceeded")
	if got := c.configMap("allowed-web")["v"]; got != "sa" {
		t.Errorf("ConfigMap allowed-web v = %q, want sa", got)
	}

	u := c.waitReady("denied", "False", "StateError")
	_, _, msg := condition(u, "Ready")
	for _, want := range []string{`"system:serviceaccount:` + c.ns + `:nobody"`, `cannot list resource "secrets"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("HelmRelease/denied: Ready message %q does not say %s", msg, want)
		}
	}
	if n := releaseRecords(t, cs, c.ns, "denied"); n != 0 {
		t.Errorf("HelmRelease/denied: %d release records written", n)
	}
	if c.configMap("denied-web") != nil {
		t.Error("HelmRelease/denied: its ConfigMap was created")
	}

	u = c.waitReady("elsewhere", "False", "InstallFailed")
	_, _, msg = condition(u, "Ready")
	if !strings.Contains(msg, `"system:serviceaccount:`+c.ns+`:deployer"`) || !strings.Contains(msg, "forbidden") {
		t.Errorf("HelmRelease/elsewhere: Ready message %q does not name the service account's forbidden request", msg)
	}
	secrets, err := cs.CoreV1().Secrets(c.ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + other + "-elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if st := s.Labels["status"]; strings.HasPrefix(st, "pending") {
			t.Errorf("HelmRelease/elsewhere left release record %s %s", s.Name, st)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(other).Get(ctx, other+"-elsewhere-web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("HelmRelease/elsewhere: ConfigMap in %s: want none, got %v", other, err)
	}

	// Deletion uninstalls as the service account too.
	if err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Delete(ctx, "allowed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the release of HelmRelease/allowed is uninstalled", func() bool {
		return c.configMap("allowed-web") == nil && releaseRecords(t, cs, c.ns, "allowed") == 0
	})
}

// TestControllerKubeConfig checks spec.kubeConfig.secretRef: with a second
// local control plane, a HelmRelease whose Secret holds that cluster's
// kubeconfig is installed there (and `rudder list` against it shows the
// release), not in the controller's cluster; a Secret that holds no kubeconfig
// or does not exist gives Ready=False with Flux's RESTClientError and a
// message naming the Secret; deleting the HelmRelease uninstalls the remote
// release.
func TestControllerKubeConfig(t *testing.T) {
	useCRDs(t, nil)
	c := startControllerEnv(t)
	remote := startOwnCluster(t, "rudder-controller-remote")
	cfg, err := remote.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	rcs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := rcs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := os.ReadFile(remote.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	secrets := c.env.Clientset().CoreV1().Secrets(c.ns)
	for name, data := range map[string][]byte{"remote": kubeconfig, "garbage": []byte("this is not a kubeconfig")} {
		if _, err := secrets.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
			Data: map[string][]byte{"value.yaml": data}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c.apply(helmReleaseGVR, helmRelease("far", "  kubeConfig: {secretRef: {name: remote}}\n  values: {v: far}\n"))
	c.apply(helmReleaseGVR, helmRelease("garbled", "  kubeConfig: {secretRef: {name: garbage}}\n"))
	c.apply(helmReleaseGVR, helmRelease("nosecret", "  kubeConfig: {secretRef: {name: missing, key: config}}\n"))

	c.waitReady("far", "True", "InstallSucceeded")
	cm, err := rcs.CoreV1().ConfigMaps(c.ns).Get(ctx, "far-web", metav1.GetOptions{})
	if err != nil || cm.Data["v"] != "far" {
		t.Errorf("ConfigMap far-web in the remote cluster: %v, %v; want v=far", cm, err)
	}
	if c.configMap("far-web") != nil {
		t.Error("ConfigMap far-web was created in the controller's cluster")
	}
	cmd := c.cmd(ctx, "list", "-o", "json")
	cmd.Env = append(cmd.Env, "KUBECONFIG="+remote.Kubeconfig())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), `"name":"far"`) || !strings.Contains(string(out), `"status":"deployed"`) {
		t.Errorf("rudder list against the remote cluster: %v\n%s", err, out)
	}
	if out := c.rudder("list", "-o", "json"); strings.Contains(out, `"name":"far"`) {
		t.Errorf("rudder list against the controller's cluster shows the remote release:\n%s", out)
	}

	for name, want := range map[string]string{
		"garbled":  "kubeconfig Secret/" + c.ns + "/garbage: not a usable kubeconfig",
		"nosecret": "kubeconfig Secret/" + c.ns + "/missing: not found",
	} {
		u := c.waitReady(name, "False", "RESTClientError")
		if _, _, msg := condition(u, "Ready"); !strings.Contains(msg, want) {
			t.Errorf("HelmRelease/%s: Ready message %q does not say %q", name, msg, want)
		}
	}

	if err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Delete(ctx, "far", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the remote release of HelmRelease/far is uninstalled", func() bool {
		_, err := rcs.CoreV1().ConfigMaps(c.ns).Get(ctx, "far-web", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && releaseRecords(t, rcs, c.ns, "far") == 0
	})
}

// releaseRecords counts the release Secrets of a release.
func releaseRecords(t *testing.T, cs kubernetes.Interface, ns, name string) int {
	t.Helper()
	l, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}
