package cli

import (
	"github.com/spf13/cobra"
)

func (a *app) newRegistryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "login to or logout from a registry",
		Long: `Log in to and out of OCI registries.

Logins are kept in the Docker config file format at $HELM_REGISTRY_CONFIG
(by default registry/config.json in Helm's configuration folder), where Helm
keeps them too; logins of 'docker login' are used as a fallback.`,
	}
	cmd.AddCommand(a.newRegistryLoginCmd(), a.newRegistryLogoutCmd())
	return cmd
}
