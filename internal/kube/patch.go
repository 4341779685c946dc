package kube

import (
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// clientSidePatch computes the patch that takes live to target, as Helm 3 did:
//
//   - kinds client-go knows (built-in types): a three-way strategic merge patch from
//     original (the previous revision's object) to target, over live, so that fields
//     removed from the chart are removed and fields others set are kept;
//   - other kinds (custom resources): a JSON merge patch from original to target, or,
//     with threeWay, a three-way JSON merge patch over live.
//
// original nil means the object was not in the previous revision: live stands in for
// it. An empty patch is "{}".
func clientSidePatch(original, target, live *unstructured.Unstructured, gvk schema.GroupVersionKind, threeWay bool) ([]byte, types.PatchType, error) {
	if original == nil {
		original = live
	}
	oldData, err := json.Marshal(original.Object)
	if err != nil {
		return nil, "", fmt.Errorf("serializing current configuration: %w", err)
	}
	newData, err := json.Marshal(target.Object)
	if err != nil {
		return nil, "", fmt.Errorf("serializing target configuration: %w", err)
	}
	liveData, err := json.Marshal(live.Object)
	if err != nil {
		return nil, "", fmt.Errorf("serializing live configuration: %w", err)
	}

	if typed, err := kubetypes.Scheme().New(gvk); err == nil {
		meta, err := strategicpatch.NewPatchMetaFromStruct(typed)
		if err != nil {
			return nil, "", fmt.Errorf("unable to create patch metadata from object: %w", err)
		}
		patch, err := strategicpatch.CreateThreeWayMergePatch(oldData, newData, liveData, meta, true)
		return patch, types.StrategicMergePatchType, err
	}
	if threeWay {
		patch, err := jsonmergepatch.CreateThreeWayJSONMergePatch(oldData, newData, liveData,
			mergepatch.RequireKeyUnchanged("apiVersion"),
			mergepatch.RequireKeyUnchanged("kind"),
			mergepatch.RequireMetadataKeyUnchanged("name"))
		if err != nil && mergepatch.IsPreconditionFailed(err) {
			err = fmt.Errorf("%w: at least one field was changed: apiVersion, kind or name", err)
		}
		return patch, types.MergePatchType, err
	}
	patch, err := jsonpatch.CreateMergePatch(oldData, newData)
	return patch, types.MergePatchType, err
}

// emptyPatch tells whether a patch changes nothing.
func emptyPatch(p []byte) bool {
	s := string(p)
	return s == "" || s == "{}" || s == "null"
}
