package control

import (
	"strings"
	"testing"
)

// The CRDs shipped in the binary parse and name the kinds the controller reads.
func TestCRDs(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range crds {
		kinds = append(kinds, c.GetName())
		if c.GetLabels()[managedLabel] != "rudder" {
			t.Errorf("%s lacks the label that marks it as Rudder's", c.GetName())
		}
	}
	want := "helmreleases.helm.toolkit.fluxcd.io helmrepositories.source.toolkit.fluxcd.io ocirepositories.source.toolkit.fluxcd.io"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("CRDs = %s, want %s", got, want)
	}
}
