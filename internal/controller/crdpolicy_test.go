package controller

import (
	"errors"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
)

// Flux's CRD policies map onto the use case's: unset is Create on install and
// on upgrade (as helm-controller v1.4.0 runs them), CreateReplace updates
// existing CRDs, and crds wins over the deprecated skipCRDs.
func TestCRDPolicies(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		install                  *InstallSpec
		upgrade                  *UpgradeSpec
		wantInstall, wantUpgrade action.CRDPolicy
	}{
		{"unset", nil, nil, action.CRDsInstall, action.CRDsInstall},
		{"create", &InstallSpec{CRDs: "Create"}, &UpgradeSpec{CRDs: "Create"}, action.CRDsInstall, action.CRDsInstall},
		{"create-replace", &InstallSpec{CRDs: "CreateReplace"}, &UpgradeSpec{CRDs: "CreateReplace"}, action.CRDsUpgrade, action.CRDsUpgrade},
		{"skip", &InstallSpec{CRDs: "Skip"}, &UpgradeSpec{CRDs: "Skip"}, action.CRDsSkip, action.CRDsSkip},
		{"skipCRDs", &InstallSpec{SkipCRDs: true}, nil, action.CRDsSkip, action.CRDsInstall},
		{"crds over skipCRDs", &InstallSpec{SkipCRDs: true, CRDs: "CreateReplace"}, nil, action.CRDsUpgrade, action.CRDsInstall},
		{"upgrade only", nil, &UpgradeSpec{CRDs: "CreateReplace"}, action.CRDsInstall, action.CRDsUpgrade},
	} {
		hr := &HelmRelease{Spec: HelmReleaseSpec{Install: tc.install, Upgrade: tc.upgrade}}
		got, err := hr.crdPolicies()
		if err != nil || got.install != tc.wantInstall || got.upgrade != tc.wantUpgrade {
			t.Errorf("%s: got %+v, %v; want install %s, upgrade %s", tc.name, got, err, tc.wantInstall, tc.wantUpgrade)
		}
	}
	for _, tc := range []struct {
		hr   *HelmRelease
		want string
	}{
		{&HelmRelease{Spec: HelmReleaseSpec{Install: &InstallSpec{CRDs: "Replace"}}},
			`spec.install.crds: invalid policy "Replace": want Skip, Create or CreateReplace`},
		{&HelmRelease{Spec: HelmReleaseSpec{Upgrade: &UpgradeSpec{CRDs: "createreplace"}}},
			`spec.upgrade.crds: invalid policy "createreplace": want Skip, Create or CreateReplace`},
	} {
		_, err := tc.hr.crdPolicies()
		if !errors.Is(err, errSpec) || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an invalid spec error with %q", err, tc.want)
		}
	}
}
