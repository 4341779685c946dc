package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// repoListItem is one repository in `repo list -o json|yaml`.
type repoListItem struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (a *app) newRepoListCmd() *cobra.Command {
	var (
		format    outputFormat
		noHeaders bool
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list chart repositories",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			// As in Helm, a missing or unreadable repositories.yaml lists nothing.
			entries, _ := a.repositories().List()
			if format == formatTable {
				if len(entries) == 0 {
					fmt.Fprintln(a.streams.Err, "no repositories to show")
					return nil
				}
				var t table
				if !noHeaders {
					t.addRow("NAME", "URL")
				}
				for _, e := range entries {
					t.addRow(e.Name, e.URL)
				}
				return t.write(a.streams.Out)
			}
			items := make([]repoListItem, 0, len(entries))
			for _, e := range entries {
				items = append(items, repoListItem{Name: e.Name, URL: e.URL})
			}
			if format == formatJSON {
				return writeJSON(a.streams.Out, items)
			}
			return writeYAML(a.streams.Out, items)
		},
	}
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "suppress headers in the output")
	addOutputFlag(cmd, &format)
	return cmd
}
