package controller

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// spec.test decodes as Flux writes it; filters become the use case's name
// filters, the test timeout falls back to spec.timeout, and an action's
// remediation.ignoreTestFailures overrides test.ignoreFailures.
func TestTestSpec(t *testing.T) {
	var hr HelmRelease
	doc := `{"spec":{"timeout":"2m","test":{"enable":true,"ignoreFailures":true,"filters":[{"name":"a"},{"name":"b","exclude":true}]},
		"upgrade":{"remediation":{"retries":1,"ignoreTestFailures":false}}}}`
	if err := json.Unmarshal([]byte(doc), &hr); err != nil {
		t.Fatal(err)
	}
	if !hr.testsEnabled() {
		t.Fatal("tests are not enabled")
	}
	o := hr.testOptions()
	if o.Timeout != 2*time.Minute || !reflect.DeepEqual(o.Include, []string{"a"}) || !reflect.DeepEqual(o.Exclude, []string{"b"}) {
		t.Errorf("options = %+v", o)
	}
	if !hr.ignoresTestFailures("install") {
		t.Error("after install, test.ignoreFailures is not followed")
	}
	if hr.ignoresTestFailures("upgrade") {
		t.Error("after upgrade, upgrade.remediation.ignoreTestFailures does not override test.ignoreFailures")
	}
	hr.Spec.Test.Enable = false
	if hr.testsEnabled() {
		t.Error("enable: false runs tests")
	}
}
