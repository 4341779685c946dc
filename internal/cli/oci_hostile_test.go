package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// pushLying pushes archive to host/charts/<repoName>:<tag> with a config blob that
// claims whatever config says, as a hostile registry (or whoever pushed) may.
func pushLying(t *testing.T, host, repoName, tag string, archive []byte, config map[string]string) {
	t.Helper()
	ctx := context.Background()
	repo, err := remote.NewRepository(host + "/charts/" + repoName)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	cfg, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := content.NewDescriptorFromBytes(mediaType, data)
		if err := repo.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2},
		Config: push(registry.ConfigMediaType, cfg),
		Layers: []ocispec.Descriptor{push(registry.ChartLayerMediaType, archive)}}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.PushReference(ctx, content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, mb), bytes.NewReader(mb), tag); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryDoesNotChooseFileNames: the name and version in a registry's config
// blob never become part of a path. pull and dependency update name the archive
// after the reference, as Helm does, and write nothing outside the destination.
func TestRegistryDoesNotChooseFileNames(t *testing.T) {
	u := newUser(t)
	reg := registrytest.Start(t, registrytest.Options{})
	work := t.TempDir()
	archive := readFile(t, u.packageChart(u.newChart(filepath.Join(work, "src"), "x", "1.0.0"), filepath.Join(work, "src")))
	pushLying(t, reg.Host, "x", "1.0.0", archive, map[string]string{"apiVersion": "v2", "name": "../../../PWNED", "version": "1.0.0"})
	pushLying(t, reg.Host, "x", "2.0.0", archive, map[string]string{"apiVersion": "v2", "name": "x", "version": "/../../PWNED2"})

	// The destination sits three levels down, so "../../../" would land in work.
	dest := filepath.Join(work, "a", "b", "c")
	for _, tag := range []string{"1.0.0", "2.0.0"} {
		u.ok("pull", "oci://"+reg.Host+"/charts/x:"+tag, "-d", dest, "--plain-http")
		if got := readFile(t, filepath.Join(dest, "x-"+tag+".tgz")); !bytes.Equal(got, archive) {
			t.Errorf("pull of x:%s did not save x-%s.tgz in the destination", tag, tag)
		}
	}
	u.ok("pull", "oci://"+reg.Host+"/charts/x", "--version", "1.0.0", "-d", dest, "--plain-http")

	// dependency update writes into the chart's charts/ folder only.
	parent := u.newChart(filepath.Join(work, "p", "q"), "parent", "0.1.0")
	deps := "dependencies:\n- name: x\n  version: 1.0.0\n  repository: oci://" + reg.Host + "/charts\n"
	appendFile(t, filepath.Join(parent, "Chart.yaml"), deps)
	u.ok("dependency", "update", parent, "--plain-http")
	if _, err := os.Stat(filepath.Join(parent, "charts", "x-1.0.0.tgz")); err != nil {
		t.Errorf("dependency update did not save charts/x-1.0.0.tgz: %v", err)
	}

	err := filepath.Walk(filepath.Dir(work), func(p string, _ os.FileInfo, err error) error {
		if err == nil && strings.Contains(filepath.Base(p), "PWNED") {
			t.Errorf("a file named by the registry was written: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
