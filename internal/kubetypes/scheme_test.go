package kubetypes_test

import (
	"testing"

	"k8s.io/client-go/kubernetes/scheme"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// The lazily built scheme knows exactly the kinds client-go's kubernetes/scheme
// registers at start-up: strategic merge patches and deprecation checks see the
// same built-in types as before (and as Helm).
func TestSchemeMatchesClientGo(t *testing.T) {
	ours, theirs := kubetypes.Scheme().AllKnownTypes(), scheme.Scheme.AllKnownTypes()
	for gvk, typ := range theirs {
		if got, ok := ours[gvk]; !ok || got != typ {
			t.Errorf("%s: kubetypes has %v, client-go %v", gvk, got, typ)
		}
	}
	for gvk := range ours {
		if _, ok := theirs[gvk]; !ok {
			t.Errorf("%s: kubetypes has it, client-go does not", gvk)
		}
	}
	if len(ours) < 500 {
		t.Errorf("only %d kinds known", len(ours))
	}
}
