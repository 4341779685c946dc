package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const repoUpdateLong = `
Update gets the latest information about charts from the respective chart repositories.
Information is cached locally, where it is used by commands like 'helm search'.

You can optionally specify a list of repositories you want to update.
	$ helm repo update <repo_name> ...
To update all the repositories, use 'helm repo update'.
`

func (a *app) newRepoUpdateCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:               "update [REPO1 [REPO2 ...]]",
		Aliases:           []string{"up"},
		Short:             "update information of available charts locally from chart repositories",
		Long:              repoUpdateLong,
		ValidArgsFunction: a.completeRepoNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := a.repositories()
			r.Timeout = timeout
			out := a.streams.Out
			var failed []string
			// Results are printed as they come, in no particular order, as Helm does.
			_, err := r.Update(cmd.Context(), args, action.UpdateOptions{
				Started: func(int) {
					fmt.Fprintln(out, "Hang tight while we grab the latest from your chart repositories...")
				},
				Done: func(u action.UpdateResult) {
					if u.Err != nil {
						fmt.Fprintf(out, "...Unable to get an update from the %q chart repository (%s):\n\t%s\n", u.Entry.Name, u.Entry.URL, u.Err)
						failed = append(failed, u.Entry.URL)
						return
					}
					a.printIndexWarnings(u.Entry.URL, u.Warnings)
					fmt.Fprintf(out, "...Successfully got an update from the %q chart repository\n", u.Entry.Name)
				},
			})
			if err != nil {
				return err
			}
			if len(failed) > 0 {
				return fmt.Errorf("failed to update the following repositories: %s", failed)
			}
			fmt.Fprintln(out, "Update Complete. ⎈Happy Helming!⎈")
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 120*time.Second, "time to wait for the index file download to complete")
	return cmd
}
