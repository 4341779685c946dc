package controller

import (
	"fmt"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
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
		{fmt.Errorf("%w: url 'https://x' does not start with oci://", errSpec), URLInvalidReason},
		{fmt.Errorf("pull of oci://x/web:1.0.0 did not finish within its timeout of 1s"), OCIPullFailedReason},
	} {
		if got := pullFailedReason(tc.err); got != tc.want {
			t.Errorf("pullFailedReason(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}
