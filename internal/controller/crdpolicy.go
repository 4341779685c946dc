package controller

import (
	"fmt"

	"github.com/rudderpm/rudder/internal/action"
)

// Flux's CRD policies, as spec.install.crds and spec.upgrade.crds name them.
const (
	// crdsSkip leaves the chart's crds/ alone.
	crdsSkip = "Skip"
	// crdsCreate creates the CRDs that do not exist and leaves the others.
	crdsCreate = "Create"
	// crdsCreateReplace also updates the CRDs that exist (never deletes one).
	crdsCreateReplace = "CreateReplace"
)

// crdPolicies are the use case's CRD policies for a HelmRelease's install and
// upgrade.
type crdPolicies struct {
	install, upgrade action.CRDPolicy
}

// crdPolicies reads spec.install.crds and spec.upgrade.crds. Unset, both are
// Create, as helm-controller v1.4.0 runs them: its documentation gives Skip as
// the default for upgrades, but its code creates the CRDs a new chart version
// adds (and leaves existing ones alone either way). The deprecated
// spec.install.skipCRDs counts only when spec.install.crds is unset. A value
// Flux's own CRD would refuse is an errSpec.
func (hr *HelmRelease) crdPolicies() (crdPolicies, error) {
	var p crdPolicies
	var install, upgrade string
	skip := false
	if s := hr.Spec.Install; s != nil {
		install, skip = s.CRDs, s.SkipCRDs
	}
	if s := hr.Spec.Upgrade; s != nil {
		upgrade = s.CRDs
	}
	if install == "" && skip {
		install = crdsSkip
	}
	var err error
	if p.install, err = crdPolicy(install); err != nil {
		return p, fmt.Errorf("%w: spec.install.crds: %w", errSpec, err)
	}
	if p.upgrade, err = crdPolicy(upgrade); err != nil {
		return p, fmt.Errorf("%w: spec.upgrade.crds: %w", errSpec, err)
	}
	return p, nil
}

// crdPolicy maps a Flux CRD policy onto the use case's: CreateReplace updates
// existing CRDs through action.CRDsUpgrade, whose preflight refuses changes
// that would lose data or break clients (the release then fails with the
// preflight's findings) and which waits until the CRDs are served.
func crdPolicy(flux string) (action.CRDPolicy, error) {
	switch flux {
	case "", crdsCreate:
		return action.CRDsInstall, nil
	case crdsSkip:
		return action.CRDsSkip, nil
	case crdsCreateReplace:
		return action.CRDsUpgrade, nil
	}
	return "", fmt.Errorf("invalid policy %q: want %s, %s or %s", flux, crdsSkip, crdsCreate, crdsCreateReplace)
}
