package cli

import (
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const repoIndexLong = `
Read the current directory, generate an index file based on the charts found
and write the result to 'index.yaml' in the current directory.

This tool is used for creating an 'index.yaml' file for a chart repository. To
set an absolute URL to the charts, use '--url' flag.

To merge the generated index with an existing index file, use the '--merge'
flag. In this case, the charts found in the current directory will be merged
into the index passed in with --merge, with local charts taking priority over
existing charts.
`

func (a *app) newRepoIndexCmd() *cobra.Command {
	var o action.RepoIndex
	cmd := &cobra.Command{
		Use:   "index [DIR]",
		Short: "generate an index file given a directory containing packaged charts",
		Long:  repoIndexLong,
		Args:  exactArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Warnings = a.warn
			return o.Run(cmd.Context(), args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "url of chart repository")
	f.StringVar(&o.Merge, "merge", "", "merge the generated index into the given index")
	f.BoolVar(&o.JSON, "json", false, "output in JSON format")
	return cmd
}
