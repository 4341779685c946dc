package kube_test

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"

	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/testenv"
)

// Rudder's discovery sees what client-go's does: the same group versions and
// kinds (subresources included, as Helm lists them in .Capabilities.APIVersions).
func TestDiscoveryMatchesClientGo(t *testing.T) {
	env, c, _ := cluster(t)
	ctx := testContext(t)
	caps, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, resources, err := env.Clientset().Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range groups {
		for _, v := range g.Versions {
			want = append(want, v.GroupVersion)
		}
	}
	for _, l := range resources {
		for _, r := range l.APIResources {
			want = append(want, path.Join(l.GroupVersion, r.Kind))
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if got, want := builtin(caps.APIVersions), builtin(want); !slices.Equal(got, want) {
		t.Errorf("APIVersions differ from client-go's discovery:\ngot  %v\nwant %v", got, want)
	}
}

// builtin leaves out the groups that tests running beside serve and remove
// (CRDs and APIServices of *.example.com).
func builtin(versions []string) []string {
	return slices.DeleteFunc(slices.Clone(versions), func(v string) bool { return strings.Contains(v, ".example.com/") })
}

// The legacy form, which servers without aggregated discovery answer with, gives
// the same capabilities and mappings.
func TestLegacyDiscovery(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	legacy := newClient(t, env)
	kube.UseLegacyDiscovery(legacy)
	want, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A CRD another test deletes between the group list and its resources fails
	// that group version: ask again.
	got, err := legacy.Capabilities(ctx)
	for try := 0; kube.IsGroupDiscoveryFailedError(err) && try < 10; try++ {
		kube.ForgetDiscovery(legacy)
		got, err = legacy.Capabilities(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, want := builtin(got.APIVersions), builtin(want.APIVersions); !slices.Equal(got, want) {
		t.Errorf("legacy discovery's APIVersions differ:\ngot  %v\nwant %v", got, want)
	}
	rs, err := legacy.Build(ctx, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n", kube.BuildOptions{Namespace: ns})
	if err != nil || rs[0].GVR.Resource != "deployments" || !rs[0].Namespaced {
		t.Errorf("legacy discovery maps a Deployment to %+v, %v", rs, err)
	}
}

// A client that discovered the API before a CRD existed maps the CRD's kind on
// the first miss, and then lists it in its capabilities.
func TestDiscoveryFindsKindServedLater(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	group := ns + ".later.example.com"
	stale := newClient(t, env)
	caps, err := stale.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if caps.APIVersions.Has(group + "/v1/Widget") {
		t.Fatalf("%s served before its CRD", group)
	}

	crds := build(t, c, ns, crdManifest(group))
	t.Cleanup(func() { _, _ = c.Delete(t.Context(), crds, kube.DeleteOptions{}) })
	if _, err := c.InstallCRDs(ctx, crds, kube.CRDOptions{}); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}

	cr := fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\n", group)
	rs, err := stale.Build(ctx, cr, kube.BuildOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("build after the CRD, with discovery cached before it: %v", err)
	}
	if rs[0].GVR.Resource != "widgets" || !rs[0].Namespaced {
		t.Errorf("mapped to %v (namespaced %v), want widgets, namespaced", rs[0].GVR, rs[0].Namespaced)
	}
	if caps, err = stale.Capabilities(ctx); err != nil || !caps.APIVersions.Has(group+"/v1/Widget") {
		t.Errorf("capabilities after the miss lack %s/v1/Widget (err %v)", group, err)
	}
	// A kind the group does not serve is still unknown, with Helm's words.
	_, err = stale.Build(ctx, fmt.Sprintf("apiVersion: %s/v1\nkind: Gadget\nmetadata:\n  name: g\n", group), kube.BuildOptions{Namespace: ns})
	want := fmt.Sprintf(`resource mapping not found for name: "g" namespace: "" from "": no matches for kind "Gadget" in version "%s/v1"`+"\nensure CRDs are installed first", group)
	if err == nil || err.Error() != want {
		t.Errorf("unknown kind: err = %v, want %s", err, want)
	}
}

// An APIService whose backend is down: capabilities come with a partial failure
// that names the group version (the caller warns and carries on), and the kinds
// of the groups that answer still map. Not parallel: while the APIService lives,
// every client of the cluster sees the failure.
func TestDiscoveryPartialFailure(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	ctx := testContext(t)
	group := ns + ".dead.example.com"
	env.OrphanedAPIService(t, group, ns)

	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		fresh := newClient(t, env)
		var caps *engine.Capabilities
		caps, err = fresh.Capabilities(ctx)
		if kube.IsGroupDiscoveryFailedError(err) {
			if caps == nil || !caps.APIVersions.Has("v1/ConfigMap") || !caps.APIVersions.Has("apps/v1/Deployment") {
				t.Fatalf("partial failure lost the groups that answered: %+v", caps)
			}
			if !strings.HasPrefix(err.Error(), "unable to retrieve the complete list of server APIs: ") || !strings.Contains(err.Error(), group+"/v1: ") {
				t.Errorf("partial failure = %q, want it to name %s/v1", err, group)
			}
			rs, berr := fresh.Build(ctx, configMaps("still"), kube.BuildOptions{Namespace: ns})
			if berr != nil || rs[0].GVR.Resource != "configmaps" {
				t.Errorf("a ConfigMap does not map during a partial failure: %v", berr)
			}
			_, berr = fresh.Build(ctx, fmt.Sprintf("apiVersion: %s/v1\nkind: Thing\nmetadata:\n  name: t\n", group), kube.BuildOptions{Namespace: ns})
			if !meta.IsNoMatchError(berr) {
				t.Errorf("a kind of the dead group: err = %v, want no match", berr)
			}
			// client-go's discovery agrees that it is a partial failure.
			if _, _, cerr := env.Clientset().Discovery().ServerGroupsAndResources(); !discovery.IsGroupDiscoveryFailedError(cerr) {
				t.Errorf("client-go's discovery: err = %v, want a partial failure", cerr)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no partial discovery failure while %s/v1 has no backend: last err = %v", group, err)
}
