package cli

import (
	"strings"
	"testing"
)

// TestDeployChart checks that deploy/rudder-controller lints and renders, that
// its image is the one the values name (no image is published: the user
// builds one), that --default-service-account follows its value, and that the
// controller may impersonate the service accounts HelmReleases name.
func TestDeployChart(t *testing.T) {
	const chart = "../../deploy/rudder-controller"
	env := map[string]string{"HOME": t.TempDir()}
	if out, errOut, code := runWithStdin(t, nil, env, "lint", chart); code != 0 {
		t.Fatalf("rudder lint %s: exit %d\n%s%s", chart, code, out, errOut)
	}
	out, errOut, code := runWithStdin(t, nil, env, "template", "ctl", chart, "-n", "flux-system",
		"--set", "image.repository=registry.example/rudder,image.tag=dev,defaultServiceAccount=deployer,rbac.clusterAdmin=false")
	if code != 0 {
		t.Fatalf("rudder template %s: exit %d\n%s", chart, code, errOut)
	}
	for _, want := range []string{`image: "registry.example/rudder:dev"`, "- --default-service-account=deployer",
		"resources: [serviceaccounts]\n  verbs: [get, impersonate]"} {
		if !strings.Contains(out, want) {
			t.Errorf("rudder template %s does not render %q:\n%s", chart, want, out)
		}
	}
	if strings.Contains(out, "cluster-admin") {
		t.Error("rbac.clusterAdmin=false still binds cluster-admin")
	}
	out, _, code = runWithStdin(t, nil, env, "template", "ctl", chart)
	if code != 0 || strings.Contains(out, "--default-service-account") {
		t.Errorf("by default the chart renders (exit %d) without --default-service-account:\n%s", code, out)
	}
}
