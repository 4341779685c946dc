package controller

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/values"
)

// defaultValuesKey is the key valuesFrom reads when valuesKey is not given.
const defaultValuesKey = "values.yaml"

// composeValues merges a HelmRelease's values as Flux does: base (the chart's
// valuesFiles, if any) first, then each valuesFrom reference in order, then
// spec.values; maps merge, anything else replaces. The ConfigMaps and Secrets
// are read in the HelmRelease's namespace.
func composeValues(ctx context.Context, r client.Reader, namespace string, refs []ValuesReference, inline, base map[string]any) (map[string]any, error) {
	out := values.DeepCopy(base)
	if out == nil {
		out = map[string]any{}
	}
	for _, ref := range refs {
		data, err := referencedValues(ctx, r, namespace, ref)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		what := fmt.Sprintf("key '%s' of %s/%s/%s", valuesKey(ref), ref.Kind, namespace, ref.Name)
		if ref.TargetPath != "" {
			if err := values.ParseSet(ref.TargetPath+"="+string(data), out); err != nil {
				return nil, fmt.Errorf("%s: cannot set it at target path '%s': %w", what, ref.TargetPath, err)
			}
			continue
		}
		vals, err := chart.ParseValues(data)
		if err != nil {
			return nil, fmt.Errorf("%s is not a YAML map of values: %w", what, err)
		}
		out, _ = values.MergeTables(vals, out)
	}
	if len(inline) > 0 {
		out, _ = values.MergeTables(values.DeepCopy(inline), out)
	}
	return out, nil
}

func valuesKey(ref ValuesReference) string {
	if ref.ValuesKey != "" {
		return ref.ValuesKey
	}
	return defaultValuesKey
}

// referencedValues reads the key a valuesFrom reference names; nil without an
// error when the reference is optional and what it names is missing.
func referencedValues(ctx context.Context, r client.Reader, namespace string, ref ValuesReference) ([]byte, error) {
	key := valuesKey(ref)
	name := types.NamespacedName{Namespace: namespace, Name: ref.Name}
	var (
		data  []byte
		found bool
		err   error
	)
	switch ref.Kind {
	case "ConfigMap":
		var cm corev1.ConfigMap
		if err = r.Get(ctx, name, &cm); err == nil {
			var s string
			if s, found = cm.Data[key]; found {
				data = []byte(s)
			} else {
				data, found = cm.BinaryData[key]
			}
		}
	case "Secret":
		var s corev1.Secret
		if err = r.Get(ctx, name, &s); err == nil {
			data, found = s.Data[key]
		}
	default:
		return nil, fmt.Errorf("valuesFrom kind '%s' of '%s' is not supported: want ConfigMap or Secret", ref.Kind, ref.Name)
	}
	what := fmt.Sprintf("%s/%s/%s", ref.Kind, namespace, ref.Name)
	switch {
	case apierrors.IsNotFound(err):
		if ref.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: not found", what)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", what, err)
	case !found:
		if ref.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: missing key '%s'", what, key)
	}
	return data, nil
}

// errSpec marks errors in what a HelmRelease asks for that only a change of the
// HelmRelease can fix: reconciling again would fail the same way.
var errSpec = errors.New("invalid spec")

func parseValues(data []byte) (map[string]any, error) { return chart.ParseValues(data) }

// mergeValues merges top over base: maps merge, anything else in top wins.
func mergeValues(top, base map[string]any) map[string]any {
	if base == nil {
		return top
	}
	out, _ := values.MergeTables(top, base)
	return out
}
