package internal_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rudderpm/rudder/"

// layer ranks Rudder's packages: a package may import only packages of a lower rank,
// or of its own rank when the rule below allows it.
var layers = map[string]int{
	// warn is the vocabulary of warnings every layer returns: it imports nothing of ours.
	"internal/warn": -1,
	// startup holds the collector off while packages initialise: cmd/rudder alone imports it.
	"internal/startup": -1,
	"internal/chart":   0, "internal/values": 0, "internal/manifest": 0, "internal/release": 0, "internal/scaffold": 0, "internal/diff": 0,
	"internal/engine": 1, "internal/kubetypes": 1, "internal/tlsconf": 1, "internal/atomicfile": 1,
	"internal/kube": 2, "internal/storage": 2, "internal/repo": 2, "internal/registry": 2, "internal/provenance": 2, "internal/plugin": 2, "internal/secrets": 2,
	"internal/action": 3, "internal/lint": 3,
	// control declares what the CLI needs to drive the controller without linking
	// it (controller-runtime): the CLI and the controller both import it.
	"internal/controller/control": 3,
	"internal/cli":                4, "internal/controller": 4,
	"cmd/rudder": 5, "cmd/rudder-controller": 5,
}

// sameLayerOK lists the imports allowed between packages of one layer.
var sameLayerOK = map[string][]string{
	"internal/values":   {"internal/chart"},
	"internal/manifest": {"internal/release"},
	"internal/release":  {"internal/chart"},
	"internal/scaffold": {"internal/chart"},
	"internal/action":   {"internal/lint"},
	"internal/lint":     {"internal/action"},
	// The repository server stores provenance files and must read what they
	// sign; provenance owns that format and imports no other adapter.
	"internal/repo":   {"internal/provenance"},
	"internal/plugin": {"internal/provenance"},
}

// pure packages are the model: no client-go, no network.
var pure = []string{"internal/warn", "internal/diff", "internal/chart", "internal/values", "internal/manifest", "internal/release", "internal/scaffold", "internal/engine"}

// layerOf names the layer of pkg: the longest entry of layers that is pkg or a
// folder holding it.
func layerOf(pkg string) (string, bool) {
	rel := strings.TrimPrefix(pkg, module)
	best := ""
	for l := range layers {
		if (rel == l || strings.HasPrefix(rel, l+"/")) && len(l) > len(best) {
			best = l
		}
	}
	return best, best != ""
}

func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "github.com/rudderpm/rudder/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Deps       []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from, ok := layerOf(p.ImportPath)
		if !ok {
			continue
		}
		checked++
		// A program that links startup collects no garbage until it calls
		// startup.Resume: only the rudder command, whose main does, may import it.
		if from != "cmd/rudder" && contains(p.Imports, module+"internal/startup") {
			t.Errorf("%s imports internal/startup: only cmd/rudder may (it turns the garbage collector off until main resumes it)", p.ImportPath)
		}
		for _, imp := range p.Imports {
			to, ok := layerOf(imp)
			if !ok || to == from {
				continue
			}
			switch {
			case layers[to] < layers[from]:
			case layers[to] == layers[from] && contains(sameLayerOK[from], to):
			default:
				t.Errorf("%s imports %s: imports must point down the layers (see DESIGN.md)", p.ImportPath, imp)
			}
		}
		if contains(pure, from) {
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, "k8s.io/client-go") || dep == "net/http" {
					t.Errorf("%s depends on %s: model and engine packages stay off the network and client-go", p.ImportPath, dep)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; is the layer table out of date?", checked)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
