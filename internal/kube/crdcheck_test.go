package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCRDProblems(t *testing.T) {
	crd := func(scope string, versions string, stored string) *unstructured.Unstructured {
		return fixture(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  group: example.com
  scope: `+scope+`
  names: {plural: things, kind: Thing}
  versions:
`+versions+`
status:
  storedVersions: [`+stored+`]
`)
	}
	version := func(name, served, props, required string) string {
		return `  - name: ` + name + `
    served: ` + served + `
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [` + required + `]
            properties:
` + props
	}
	const size = "              size: {type: integer}\n"
	thing := fixture(t, `apiVersion: example.com/v1
kind: Thing
metadata:
  name: t
  namespace: ns
  managedFields:
  - {manager: kubectl, apiVersion: example.com/v1beta1, operation: Apply}
spec:
  size: 3
  tags: [a, b]
`)
	objects := map[string][]*unstructured.Unstructured{"v1": {thing}}
	live := crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", size, ""), "v1")
	tests := []struct {
		name    string
		desired *unstructured.Unstructured
		want    []string
	}{
		{"same", live, nil},
		{"optional field added", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", size+"              color: {type: string}\n", ""), ""), nil},
		{"scope", crd("Cluster", version("v1beta1", "true", size, "")+version("v1", "true", size, ""), ""), []string{"spec.scope: changes from Namespaced to Cluster"}},
		{"stored version removed", crd("Namespaced", version("v1beta1", "true", size, "")+version("v2", "true", size, ""), ""),
			[]string{"spec.versions[v1]: removes version v1, which is in status.storedVersions"}},
		{"used version unserved", crd("Namespaced", version("v1beta1", "false", size, "")+version("v1", "true", size, ""), ""),
			[]string{"spec.versions[v1beta1]: stops serving version v1beta1, which objects in the cluster still use: Thing/ns/t (by kubectl)"}},
		{"required", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", size+"              owner: {type: string}\n", "owner"), ""),
			[]string{"spec.versions[v1].schema: existing objects would violate the new schema: Thing/ns/t: spec.owner: required field missing"}},
		{"type narrowed", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", "              size: {type: string}\n", ""), ""),
			[]string{"Thing/ns/t: spec.size: integer, want string"}},
		{"enum narrowed", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", "              size: {type: integer, enum: [1, 2]}\n", ""), ""),
			[]string{"Thing/ns/t: spec.size: 3 is not one of [1 2]"}},
		{"item enum", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", size+"              tags: {type: array, items: {type: string, enum: [a]}}\n", ""), ""),
			[]string{"Thing/ns/t: spec.tags[1]: b is not one of [a]"}},
		{"enum widened", crd("Namespaced", version("v1beta1", "true", size, "")+version("v1", "true", "              size: {type: integer, enum: [1, 2, 3]}\n", ""), ""), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := crdProblems(live, tt.desired, objects)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if s := got[i].String(); !strings.Contains(s, w) || !strings.HasPrefix(s, "CustomResourceDefinition/things.example.com: ") {
					t.Errorf("problem %q, want %q", s, w)
				}
			}
		})
	}
}
