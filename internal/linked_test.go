package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// unlinked lists, by import path prefix, what the rudder program must not link:
// the controller's runtime and metrics, whose package initialisation every
// command would pay for (issue 19). The rudder-controller program links them;
// `rudder controller run` hands over to it.
var unlinked = []string{"sigs.k8s.io/controller-runtime", "github.com/prometheus/", module + "internal/controller"}

// allowedUnder are the packages below an unlinked prefix that rudder may link.
var allowedUnder = []string{module + "internal/controller/control"}

func TestRudderLinksNoController(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/rudderpm/rudder/cmd/rudder").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("cmd/rudder has only %d dependencies; is go list right?", len(deps))
	}
	for _, u := range unlinked {
		var linked []string
		for _, dep := range deps {
			if (dep == u || strings.HasPrefix(dep, strings.TrimSuffix(u, "/")+"/")) && !contains(allowedUnder, dep) {
				linked = append(linked, dep)
			}
		}
		if len(linked) > 0 {
			t.Errorf("cmd/rudder links %d packages of %s (%s, ...): the controller belongs to cmd/rudder-controller; go list -deps shows who pulls them in", len(linked), u, linked[0])
		}
	}
}
