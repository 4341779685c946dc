package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/provenance"
)

const pullLong = `Download a chart from a repository or registry, and optionally unpack it.

A chart is named as everywhere else: repo/chart (a repository added with
'repo add'), a chart URL, a name with --repo URL, or oci://host/path/chart
(with :tag or @sha256:digest, or --version). This is useful to inspect,
modify or repackage a chart, or to check its signature without installing it.

With --untar the chart is unpacked into a folder named after it, inside
--untardir (relative to --destination), and the archive is not kept.

With --verify the chart must have a provenance file that passes verification
against --keyring; otherwise nothing is saved. --prov fetches the provenance
file, when there is one, without checking it.
`

func (a *app) newPullCmd() *cobra.Command {
	var (
		o    chartPathOptions
		pull action.Pull
		prv  bool
	)
	cmd := &cobra.Command{
		Use:     "pull [chart URL | repo/chartname] [...]",
		Short:   "download a chart from a repository and (optionally) unpack it in local directory",
		Aliases: []string{"fetch"},
		Long:    pullLong,
		Args:    minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := a.chartSource(&o)
			if err != nil {
				return fmt.Errorf("missing registry client: %w", err)
			}
			pull.Source = src
			for _, ref := range args {
				req := o.request(ref)
				req.Prov = prv
				res, err := pull.Run(cmd.Context(), req)
				if err != nil {
					return err
				}
				if lc := res.Located; lc.OCIRef != "" {
					printRegistryRef(a.streams.Out, "Pulled", lc.OCIRef, lc.ManifestDigest)
				}
				if v := res.Located.Verification; v != nil {
					printVerification(a.streams.Out, v)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Devel, "devel", false, "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored.")
	f.BoolVar(&pull.Untar, "untar", false, "if set to true, will untar the chart after downloading it")
	f.BoolVar(&prv, "prov", false, "fetch the provenance file, but don't perform verification")
	f.StringVar(&pull.UntarDir, "untardir", ".", "if untar is specified, this flag specifies the name of the directory into which the chart is expanded")
	f.StringVarP(&pull.DestDir, "destination", "d", ".", "location to write the chart. If this and untardir are specified, untardir is appended to this")
	o.addFlags(f, a.settings)
	return cmd
}

// printVerification reports a good signature as Helm does.
func printVerification(w io.Writer, v *provenance.Verification) {
	for _, id := range v.Identities() {
		fmt.Fprintf(w, "Signed by: %s\n", id)
	}
	fmt.Fprintf(w, "Using Key With Fingerprint: %s\n", v.Fingerprint())
	fmt.Fprintf(w, "Chart Hash Verified: %s\n", v.FileHash)
}
