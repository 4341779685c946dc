package cli

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"
)

func (a *app) newEnvCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: "rudder client environment information",
		Long:  "Env prints out all the environment information in use by Rudder, with Helm's variable names.",
		Args:  maximumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vars := a.settings.envVars(a.invokedPath())
			if len(args) == 1 {
				fmt.Fprintln(a.streams.Out, vars[args[0]])
				return nil
			}
			for _, k := range slices.Sorted(maps.Keys(vars)) {
				fmt.Fprintf(a.streams.Out, "%s=%q\n", k, vars[k])
			}
			return nil
		},
	}
}
