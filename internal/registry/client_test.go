package registry_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

func demoArchive(t *testing.T, version string) ([]byte, *chart.Metadata) {
	t.Helper()
	md := &chart.Metadata{APIVersion: "v2", Name: "demo", Version: version, Description: "a demo",
		Maintainers: []*chart.Maintainer{{Name: "Jane", Email: "jane@example.com"}}}
	c := &chart.Chart{Metadata: md}
	var b bytes.Buffer
	if err := chart.WriteArchive(&b, c, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), md
}

func TestPushPullTags(t *testing.T) {
	for _, withAuth := range []bool{false, true} {
		name := "anonymous"
		if withAuth {
			name = "basic-auth"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			o := registrytest.Options{}
			if withAuth {
				o = registrytest.Options{Username: "jane", Password: "s3cret"}
			}
			reg := registrytest.Start(t, o)
			cfg := filepath.Join(t.TempDir(), "config.json")
			c, err := registry.New(registry.Options{CredentialsFile: cfg, PlainHTTP: true})
			if err != nil {
				t.Fatal(err)
			}
			archive, md := demoArchive(t, "0.1.0+build.1")
			ref := reg.Host + "/charts/demo:" + registry.Tag(md.Version)
			if withAuth {
				if _, err := c.Push(ctx, ref, archive, nil, md, time.Unix(0, 0)); err == nil {
					t.Fatal("push without login succeeded")
				}
				if err := c.Login(ctx, reg.Host, "jane", "wrong"); err == nil {
					t.Fatal("login with a wrong password succeeded")
				}
				if err := c.Login(ctx, reg.Host, "jane", "s3cret"); err != nil {
					t.Fatal(err)
				}
				b, _ := os.ReadFile(cfg)
				if !strings.Contains(string(b), `"auths"`) || !strings.Contains(string(b), reg.Host) {
					t.Fatalf("credentials file:\n%s", b)
				}
			}
			prov := []byte("-----BEGIN PGP SIGNED MESSAGE-----\nfake\n")
			res, err := c.Push(ctx, ref, archive, prov, md, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if res.ChartDigest != registry.Digest(archive) {
				t.Errorf("chart digest %s", res.ChartDigest)
			}
			if _, err := c.Push(ctx, reg.Host+"/charts/other:0.1.0", archive, nil, md, time.Unix(0, 0)); err == nil {
				t.Error("pushed under a name that is not the chart's")
			}

			got, err := c.Pull(ctx, "oci://"+ref, registry.PullOptions{WithProv: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Chart, archive) || !bytes.Equal(got.Prov, prov) || got.Metadata.Name != "demo" {
				t.Fatalf("pulled %+v", got)
			}
			byDigest, err := c.Pull(ctx, reg.Host+"/charts/demo@"+res.ManifestDigest, registry.PullOptions{})
			if err != nil || !bytes.Equal(byDigest.Chart, archive) {
				t.Fatalf("pull by digest: %v", err)
			}
			if d, err := c.Resolve(ctx, "oci://"+ref); err != nil || d != res.ManifestDigest {
				t.Fatalf("Resolve(%s) = %q, %v; want the pushed manifest digest %s", ref, d, err, res.ManifestDigest)
			}
			if _, err := c.Resolve(ctx, reg.Host+"/charts/demo:9.9.9"); err == nil || !strings.Contains(err.Error(), "9.9.9") {
				t.Fatalf("Resolve of a missing tag: %v, want an error naming it", err)
			}
			v, err := c.ResolveVersion(ctx, reg.Host+"/charts/demo", "^0.1.0-0")
			if err != nil || v != "0.1.0+build.1" {
				t.Fatalf("ResolveVersion = %q, %v", v, err)
			}
			if withAuth {
				if err := c.Logout(ctx, reg.Host); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Pull(ctx, ref, registry.PullOptions{}); err == nil {
					t.Fatal("pull after logout succeeded")
				}
			}
		})
	}
}
