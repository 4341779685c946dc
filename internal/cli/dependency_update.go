package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rudderpm/rudder/internal/action"
)

const dependencyUpdateLong = `Update charts/ to match the dependencies of Chart.yaml.

Each dependency is resolved to the newest version its range accepts (from a
chart repository, an oci:// registry or a file:// folder), downloaded into
charts/, and the versions chosen are recorded in Chart.lock, so that
'dependency build' can fetch exactly the same ones later. Archives in charts/
of declared dependencies at other versions are removed; other files are kept.

The repositories of the dependencies are refreshed first, unless
--skip-refresh. With --verify every downloaded chart must pass verification
against --keyring.
`

func (a *app) newDependencyUpdateCmd() *cobra.Command {
	var o dependencyOptions
	cmd := &cobra.Command{
		Use:     "update CHART",
		Aliases: []string{"up"},
		Short:   "update charts/ based on the contents of Chart.yaml",
		Long:    dependencyUpdateLong,
		Args:    maximumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			deps, err := a.dependencies(&o, action.VerifyAlways)
			if err != nil {
				return err
			}
			return deps.Update(cmd.Context(), dependencyChartPath(args))
		},
	}
	o.addFlags(cmd.Flags(), a.settings)
	return cmd
}

// dependencyOptions are the flags of dependency update and build.
type dependencyOptions struct {
	chartPathOptions
	skipRefresh bool
}

func (o *dependencyOptions) addFlags(f *pflag.FlagSet, s *settings) {
	f.BoolVar(&o.Verify, "verify", false, "verify the packages against signatures")
	f.StringVar(&o.Keyring, "keyring", defaultKeyring(s), "keyring containing public keys")
	f.BoolVar(&o.skipRefresh, "skip-refresh", false, "do not refresh the local repository cache")
	f.StringVar(&o.Username, "username", "", "chart repository username where to locate the requested chart")
	f.StringVar(&o.Password, "password", "", "chart repository password where to locate the requested chart")
	f.StringVar(&o.CertFile, "cert-file", "", "identify HTTPS client using this SSL certificate file")
	f.StringVar(&o.KeyFile, "key-file", "", "identify HTTPS client using this SSL key file")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the chart download")
	f.BoolVar(&o.PlainHTTP, "plain-http", false, "use insecure HTTP connections for the chart download")
	f.StringVar(&o.CaFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
}

// dependencies builds the action from the flags; verify is the strategy
// --verify selects. Progress goes to standard output, as with Helm.
func (a *app) dependencies(o *dependencyOptions, verify action.Verification) (*action.Dependencies, error) {
	epoch, err := sourceDateEpoch(a.streams.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return nil, err
	}
	src, err := a.chartSource(&o.chartPathOptions)
	if err != nil {
		return nil, fmt.Errorf("missing registry client: %w", err)
	}
	d := &action.Dependencies{Source: src, SkipRefresh: o.skipRefresh, Keyring: o.Keyring, SourceDateEpoch: epoch,
		Progress: func(line string) { fmt.Fprintln(a.streams.Out, line) }, Warnings: a.warn}
	if o.Verify {
		d.Verify = verify
	}
	return d, nil
}

func dependencyChartPath(args []string) string {
	if len(args) > 0 {
		return filepath.Clean(args[0])
	}
	return "."
}
