package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) newRepoRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "remove [REPO1 [REPO2 ...]]",
		Aliases:           []string{"rm"},
		Short:             "remove one or more chart repositories",
		Args:              minimumArgs(1),
		ValidArgsFunction: a.completeRepoNames,
		RunE: func(_ *cobra.Command, args []string) error {
			return a.repositories().Remove(args, func(name string) {
				fmt.Fprintf(a.streams.Out, "%q has been removed from your repositories\n", name)
			})
		},
	}
}
