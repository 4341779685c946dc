package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) newRegistryLogoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout [host]",
		Short: "logout from a registry",
		Long:  "Remove the credentials stored for a registry.",
		Args:  minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := a.registryClient(nil)
			if err != nil {
				return err
			}
			if err := reg.Logout(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "Removing login credentials for %s\n", args[0])
			return nil
		},
	}
}
