package registry_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// TestPullPlugin pulls plugin artifacts pushed with Helm v4.3.1's artifact type
// and layer titles from a real registry, by tag, by digest and by version, and
// refuses what Helm refuses.
func TestPullPlugin(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t, registrytest.Options{})
	c, err := registry.New(registry.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	repo := reg.Host + "/plugins/greet"
	layers := func(version string, prov bool) registrytest.PluginArtifact {
		a := registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{
			{Title: "README.md", Data: []byte("not the plugin")},
			{Title: "greet-" + version + ".tgz", Data: []byte("archive " + version)},
		}}
		if prov {
			a.Layers = append(a.Layers, registrytest.PluginLayer{Title: "greet-" + version + ".tgz.prov", Data: []byte("prov " + version)})
		}
		return a
	}
	d1 := registrytest.PushPlugin(t, repo+":1.0.0", layers("1.0.0", true))
	registrytest.PushPlugin(t, repo+":1.2.0", layers("1.2.0", false))
	registrytest.PushPlugin(t, repo+":2.0.0-rc.1", layers("2.0.0-rc.1", false))
	legacy := layers("0.9.0", false)
	legacy.Legacy = true
	registrytest.PushPlugin(t, repo+":0.9.0", legacy)

	for _, tc := range []struct {
		ref, version, want, wantRef string
		prov                        bool
	}{
		{ref: "oci://" + repo + ":1.0.0", want: "archive 1.0.0", wantRef: repo + ":1.0.0", prov: true},
		{ref: "oci://" + repo + "@" + d1, want: "archive 1.0.0", wantRef: repo + "@" + d1, prov: true},
		{ref: "oci://" + repo, want: "archive 1.2.0", wantRef: repo + ":1.2.0"},
		{ref: "oci://" + repo, version: "~1.0", want: "archive 1.0.0", wantRef: repo + ":1.0.0", prov: true},
		{ref: "oci://" + repo, version: "2.0.0-rc.1", want: "archive 2.0.0-rc.1", wantRef: repo + ":2.0.0-rc.1"},
		{ref: "oci://" + repo + ":1.2.0", version: "1.2.0", want: "archive 1.2.0", wantRef: repo + ":1.2.0"},
		{ref: repo + ":0.9.0", want: "archive 0.9.0", wantRef: repo + ":0.9.0"},
	} {
		got, err := c.PullPlugin(ctx, tc.ref, tc.version, 1<<20)
		if err != nil {
			t.Errorf("%s --version %q: %v", tc.ref, tc.version, err)
			continue
		}
		if string(got.Archive) != tc.want || got.Ref != tc.wantRef || (got.Prov != nil) != tc.prov {
			t.Errorf("%s --version %q: got %q from %s, prov %q", tc.ref, tc.version, got.Archive, got.Ref, got.Prov)
		}
		if tc.prov && !bytes.HasPrefix(got.Prov, []byte("prov ")) {
			t.Errorf("%s: prov %q", tc.ref, got.Prov)
		}
	}

	registrytest.PushPlugin(t, reg.Host+"/plugins/other:1.0.0", layers("1.0.0", false))
	wrongType := layers("1.0.0", false)
	wrongType.ArtifactType = "application/vnd.example.thing"
	registrytest.PushPlugin(t, repo+":wrong-type", wrongType)
	gz := layers("1.0.0", false)
	gz.Layers[1].MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	registrytest.PushPlugin(t, repo+":chart-layer", gz)
	for _, tc := range []struct{ ref, version, want string }{
		{"oci://" + repo + ":9.9.9", "", repo + ":9.9.9: not found"},
		{"oci://" + repo + ":1.0.0", "1.2.0", "--version 1.2.0 does not match the reference's tag or digest"},
		{"oci://" + repo, "^3", "could not locate a version matching provided version string ^3"},
		{"oci://" + reg.Host + "/plugins/other:1.0.0", "", "required layer matching pattern other-VERSION.tgz not found in manifest"},
		{"oci://" + repo + ":wrong-type", "", "not a Helm plugin: expected artifact type application/vnd.helm.plugin.v1+json, got application/vnd.example.thing"},
		{"oci://" + repo + ":chart-layer", "", "required layer matching pattern greet-VERSION.tgz not found"},
		{"oci://" + reg.Host, "", "invalid OCI reference"},
	} {
		_, err := c.PullPlugin(ctx, tc.ref, tc.version, 1<<20)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s --version %q: err = %v, want %q", tc.ref, tc.version, err, tc.want)
		}
	}
	if _, err := c.PullPlugin(ctx, "oci://"+repo+":1.0.0", "", 5); err == nil || !strings.Contains(err.Error(), "larger than the maximum size 5") {
		t.Errorf("size limit: err = %v", err)
	}
}
