package cli

import (
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const verifyLong = `Check that a chart archive has a valid provenance file.

The provenance file (<archive>.prov, as 'package --sign' writes it) must be
signed by a key of --keyring and name the archive with its SHA-256, so a chart
changed after signing, or signed by someone else, is refused.

    rudder verify mychart-0.1.0.tgz --keyring ~/.gnupg/pubring.gpg

install, upgrade, pull and dependency update take --verify to run the same
check on the charts they fetch.
`

func (a *app) newVerifyCmd() *cobra.Command {
	var keyring string
	cmd := &cobra.Command{
		Use:   "verify PATH",
		Short: "verify that a chart at the given path has been signed and is valid",
		Long:  verifyLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := action.VerifyChart(cmd.Context(), args[0], keyring)
			if err != nil {
				return err
			}
			printVerification(a.streams.Out, v)
			return nil
		},
	}
	cmd.Flags().StringVar(&keyring, "keyring", defaultKeyring(a.settings), "keyring containing public keys")
	return cmd
}
