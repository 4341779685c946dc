package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const pushLong = `Upload a chart archive to an OCI registry.

The chart lands at <remote>/<chart name>:<chart version>, with Helm's media
types, so Helm pulls what Rudder pushes and the reverse. A provenance file
beside the archive (<archive>.prov) is uploaded with it.

    rudder push mychart-0.1.0.tgz oci://registry.example.com/charts

Logins made with 'rudder registry login' are used; --username and --password
override them for one push.
`

func (a *app) newPushCmd() *cobra.Command {
	var o chartPathOptions
	cmd := &cobra.Command{
		Use:   "push [chart] [remote]",
		Short: "push a chart to remote",
		Long:  pushLong,
		Args:  minimumArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := a.registryClient(&o)
			if err != nil {
				return fmt.Errorf("missing registry client: %w", err)
			}
			res, err := action.Push{Registry: reg, Warnings: a.warn}.Run(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			printRegistryRef(a.streams.Out, "Pushed", res.Ref, res.ManifestDigest)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.CertFile, "cert-file", "", "identify registry client using this SSL certificate file")
	f.StringVar(&o.KeyFile, "key-file", "", "identify registry client using this SSL key file")
	f.StringVar(&o.CaFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the chart upload")
	f.BoolVar(&o.PlainHTTP, "plain-http", false, "use insecure HTTP connections for the chart upload")
	f.StringVar(&o.Username, "username", "", "chart repository username where to locate the requested chart")
	f.StringVar(&o.Password, "password", "", "chart repository password where to locate the requested chart")
	return cmd
}

// printRegistryRef reports a push or pull as Helm does ("Pushed: ref", "Digest:
// sha256:..."), with a note when the tag stands for a version with a "+".
func printRegistryRef(w io.Writer, verb, ref, digest string) {
	fmt.Fprintf(w, "%s: %s\nDigest: %s\n", verb, ref, digest)
	if strings.Contains(ref, "_") {
		fmt.Fprintf(w, "%s contains an underscore.\n%s\n", ref, underscoreNote)
	}
}

const underscoreNote = `
OCI tags cannot contain a plus sign (+), so the "+" of a chart version such as
1.0.0+build.1 is written as "_" in the tag when a chart is pushed, and turned
back into "+" when it is pulled.`
