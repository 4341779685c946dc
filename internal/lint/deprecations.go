package lint

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/kubetypes"
)

// The built-in API types carry their lifecycle as generated methods: the Kubernetes
// release that deprecated them, removed them, and what replaces them.
type (
	deprecatedIn interface {
		APILifecycleDeprecated() (major, minor int)
	}
	removedIn interface {
		APILifecycleRemoved() (major, minor int)
	}
	replacedBy interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
)

// builtinTypes knows the API types of client-go, the ones Helm checks.
var builtinTypes = kubetypes.Scheme

// checkDeprecation reports a built-in API version that is deprecated in the target
// Kubernetes version. Objects of unknown kinds (custom resources) are not checked.
func checkDeprecation(obj *object, kv engine.KubeVersion) error {
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil
	}
	gvk := schema.FromAPIVersionAndKind(obj.APIVersion, obj.Kind)
	typed, err := builtinTypes().New(gvk)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil
		}
		return err
	}
	major, err := strconv.Atoi(kv.Major)
	if err != nil {
		return err
	}
	minor, err := strconv.Atoi(kv.Minor)
	if err != nil {
		return err
	}
	dep, ok := typed.(deprecatedIn)
	if !ok {
		return nil
	}
	depMajor, depMinor := dep.APILifecycleDeprecated()
	switch {
	case depMajor == 0 && depMinor == 0:
		return nil // no deprecation recorded
	case major == 0 && minor == 0:
		// an unknown target version counts as deprecated
	case depMajor > major, depMajor == major && depMinor > minor:
		return nil // deprecated after the target version
	}
	return fmt.Errorf("%s", deprecationText(gvk, typed, depMajor, depMinor))
}

// deprecationText is the API server's deprecation warning for the type.
func deprecationText(gvk schema.GroupVersionKind, typed runtime.Object, depMajor, depMinor int) string {
	msg := fmt.Sprintf("%s %s is deprecated in v%d.%d+", gvk.GroupVersion(), gvk.Kind, depMajor, depMinor)
	if r, ok := typed.(removedIn); ok {
		if maj, min := r.APILifecycleRemoved(); maj != 0 || min != 0 {
			msg += fmt.Sprintf(", unavailable in v%d.%d+", maj, min)
		}
	}
	if r, ok := typed.(replacedBy); ok {
		if repl := r.APILifecycleReplacement(); !repl.Empty() {
			msg += fmt.Sprintf("; use %s %s", repl.GroupVersion(), repl.Kind)
		}
	}
	return msg
}
