package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// unlinked lists, by import path prefix, what the rudder program must not link,
// and why: package initialisation every command would pay for (issue 19).
var unlinked = []struct{ prefix, why string }{
	// The controller's runtime and metrics: the rudder-controller program links
	// them; `rudder controller run` hands over to it.
	{"sigs.k8s.io/controller-runtime", "the controller belongs to cmd/rudder-controller"},
	{"github.com/prometheus/", "the controller belongs to cmd/rudder-controller"},
	{module + "internal/controller", "the controller belongs to cmd/rudder-controller"},
	// client-go's scheme registers every built-in type in init, and its typed
	// clients, discovery and REST mappers import it: internal/kubetypes builds
	// the scheme on first use and kube discovers over REST.
	{"k8s.io/client-go/kubernetes", "the built-in types are registered on first use by internal/kubetypes"},
	{"k8s.io/client-go/discovery", "kube discovers over REST, without client-go's scheme"},
	{"k8s.io/client-go/restmapper", "kube maps kinds with its own discovery, without client-go's scheme"},
}

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
			if (dep == u.prefix || strings.HasPrefix(dep, strings.TrimSuffix(u.prefix, "/")+"/")) && !contains(allowedUnder, dep) {
				linked = append(linked, dep)
			}
		}
		if len(linked) > 0 {
			t.Errorf("cmd/rudder links %d packages of %s (%s, ...): %s; go list -deps shows who pulls them in", len(linked), u.prefix, linked[0], u.why)
		}
	}
}
