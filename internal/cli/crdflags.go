package cli

import (
	"github.com/spf13/pflag"

	"github.com/rudderpm/rudder/internal/action"
)

// crdsValue is --crds: install (Helm's rule, the default), upgrade or skip.
type crdsValue struct{ p *action.CRDPolicy }

func (v crdsValue) String() string {
	if *v.p == "" {
		return string(action.CRDsInstall)
	}
	return string(*v.p)
}
func (v crdsValue) Type() string { return "string" }
func (v crdsValue) Set(s string) error {
	p, err := action.ParseCRDPolicy(s)
	if err != nil {
		return err
	}
	*v.p = p
	return nil
}

// addCRDFlags adds --crds and --force-crd-upgrade (install, upgrade, rollback).
func addCRDFlags(f *pflag.FlagSet, policy *action.CRDPolicy, force *bool) {
	f.Var(crdsValue{policy}, "crds", "what to do with the chart's crds/: 'install' creates missing CRDs (as Helm), 'upgrade' also updates existing ones after a safety check and waits until they are established, 'skip' leaves them")
	f.BoolVar(force, "force-crd-upgrade", false, "with --crds=upgrade, apply CRD changes the safety check refuses (removed stored or used versions, scope changes, schemas existing objects violate), with a warning")
}
