package controller

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
)

func TestOCIRevision(t *testing.T) {
	const md = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	for _, tc := range []struct{ ref, want string }{
		{"127.0.0.1:5000/charts/web:1.0.0", "1.0.0@" + md},
		{"127.0.0.1:5000/charts/web:1.0.0_build.1", "1.0.0_build.1@" + md},
		{"127.0.0.1:5000/charts/web@" + md, md},
		{"registry.local/web", md},
	} {
		if got := ociRevision(&action.LocatedChart{OCIRef: tc.ref, ManifestDigest: md}); got != tc.want {
			t.Errorf("ociRevision(%s) = %s, want %s", tc.ref, got, tc.want)
		}
	}
}

func TestPullFailedReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{checkOCIURL("https://x"), URLInvalidReason},
		{fmt.Errorf("pull of oci://x/web:1.0.0 did not finish within its timeout of 1s"), OCIPullFailedReason},
	} {
		if got := pullFailedReason(tc.err); got != tc.want {
			t.Errorf("pullFailedReason(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestPlainHTTPAllowed(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "[::1]:5000": true, "localhost:5000": true, "registry.local": true,
		"registry.localhost:80": true, "10.1.2.3:5000": true, "172.20.0.1": true, "192.168.1.1:443": true,
		"172.32.0.1": false, "ghcr.io": false, "localhost": false, "registry.example.com:5000": false, "8.8.8.8": false,
	} {
		if got := plainHTTPAllowed(host, false); got != want {
			t.Errorf("plain HTTP allowed for %s: %v, want %v", host, got, want)
		}
		if !plainHTTPAllowed(host, true) {
			t.Errorf("plain HTTP not allowed for %s with insecure", host)
		}
	}
}

func TestSemverTag(t *testing.T) {
	tags := []string{"latest", "1.0.0", "v1.1.0", "1.2", "1.3.0_build", "2.0.0-rc.1", "0.9.0"}
	for _, c := range []struct{ constraint, filter, want, err string }{
		{">=1.0.0", "", "v1.1.0", ""}, // 1.2 and 1.3.0_build are no versions to Flux
		{">=1.0.0", `^1\.0`, "1.0.0", ""},
		{"*", `^0\.`, "0.9.0", ""},
		{">=2.0.0-0", "", "2.0.0-rc.1", ""},
		{">=5.0.0", "", "", "no match found for semver: >=5.0.0"},
		{"1.0.0 <", "", "", "semver '1.0.0 <' parse error: "},
		{"*", "(", "", "semverFilter: error parsing regexp"},
	} {
		got, err := semverTag(tags, c.constraint, c.filter)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.HasPrefix(err.Error(), c.err) {
			t.Errorf("semver %q filter %q: %q, %v; want %q, %q", c.constraint, c.filter, got, err, c.want, c.err)
		}
	}
}

func TestWithRevisionDigest(t *testing.T) {
	const hex = "0123456789abcdef0123"
	for _, c := range []struct{ version, revision, want, err string }{
		{"1.0.0", "1.0.0@sha256:" + hex, "1.0.0+0123456789ab", ""},
		{"1.0.0+build", "1.0.0_build@sha256:" + hex, "1.0.0+0123456789ab", ""}, // metadata replaced
		{"1.0.0", "v1.0.0@sha256:" + hex, "1.0.0+0123456789ab", ""},
		{"1.0.0", "latest@sha256:" + hex, "1.0.0+0123456789ab", ""},
		{"1.0.0", "sha256:" + hex, "1.0.0+0123456789ab", ""},
		{"1.0.0", "1.1.0@sha256:" + hex, "", "artifact revision 1.1.0 does not match chart version 1.0.0"},
		{"1.0.0", "1.0.0@sha256:abc", "", "invalid artifact revision 1.0.0@sha256:abc"},
		{"not-semver", "1.0.0@sha256:" + hex, "", "invalid chart version not-semver"},
	} {
		shared := &chart.Chart{Metadata: &chart.Metadata{Name: "web", Version: c.version}}
		rc := &resolvedChart{chart: shared, revision: c.revision}
		err := rc.withRevisionDigest()
		if err != nil && err.Error() != c.err || err == nil && (c.err != "" || rc.chart.Metadata.Version != c.want) {
			t.Errorf("chart %s from %s: version %s, error %v; want %q, error %q", c.version, c.revision, rc.chart.Metadata.Version, err, c.want, c.err)
		}
		if shared.Metadata.Version != c.version {
			t.Errorf("chart %s from %s: the shared chart's version became %s", c.version, c.revision, shared.Metadata.Version)
		}
	}
}

func TestCheckOCIURL(t *testing.T) {
	for url, want := range map[string]string{
		"oci://127.0.0.1:5000/charts/web": "",
		"oci://ghcr.io/org/web":           "",
		"https://ghcr.io/org/web":         "URL validation failed for 'https://ghcr.io/org/web': URL must be in format 'oci://<domain>/<org>/<repo>'",
		"oci://ghcr.io/org/web:1.0.0":     "URL validation failed for 'oci://ghcr.io/org/web:1.0.0': URL must not contain a tag; remove ':1.0.0'",
	} {
		err := checkOCIURL(url)
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && got != want {
			t.Errorf("url %s: %v, want %q", url, err, want)
		}
	}
}
