package kube

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func object(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return u
}

// A Service as the server keeps it after Rudder applied the desired one below:
// defaults added (protocol, targetPort, type, clusterIP), another manager's label.
const liveService = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n",
 "labels":{"gen":"1","team":"x"},
 "managedFields":[
  {"manager":"helm","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":
   {"f:metadata":{"f:labels":{"f:gen":{}}},"f:spec":{"f:selector":{},"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}}}}},
  {"manager":"other","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:team":{}}}}}]},
 "spec":{"selector":{"app":"a"},"ports":[{"port":80,"protocol":"TCP","targetPort":80}],"type":"ClusterIP","clusterIP":"10.0.0.1"}}`

func TestAppliedAlready(t *testing.T) {
	live := object(t, liveService)
	for _, c := range []struct {
		name    string
		desired string
		want    bool
	}{
		{"same, server defaults aside", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, true},
		{"a null is absent", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"},"annotations":null},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, true},
		{"a value changed", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"2"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, false},
		{"an atomic map changed", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"b"},"ports":[{"port":80}]}}`, false},
		{"a label dropped", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n"},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, false},
		{"a field added with the live value", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}],"type":"ClusterIP"}}`, false},
		{"another manager's field set", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1","team":"x"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, false},
		{"a list element added", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80},{"port":81}]}}`, false},
		{"a key changed", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80,"protocol":"UDP"}]}}`, false},
		{"another API version", `{"apiVersion":"v2","kind":"Service","metadata":{"name":"s","namespace":"n","labels":{"gen":"1"}},
			"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`, false},
	} {
		if got := appliedAlready(object(t, c.desired), live, "helm"); got != c.want {
			t.Errorf("%s: appliedAlready = %v, want %v", c.name, got, c.want)
		}
		if appliedAlready(object(t, c.desired), live, "someone") {
			t.Errorf("%s: applied already by a manager with no entry", c.name)
		}
	}
}
