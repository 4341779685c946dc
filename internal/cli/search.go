package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/repo"
)

const searchLong = `
Search provides the ability to search for Helm charts in the various places
they can be stored including the Artifact Hub and repositories you have added.
Use search subcommands to search different locations for charts.
`

func (a *app) newSearchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search [keyword]",
		Short: "search for a keyword in charts",
		Long:  searchLong,
	}
	cmd.AddCommand(a.newSearchRepoCmd(), a.newSearchHubCmd())
	return cmd
}

const searchRepoLong = `
Search reads through all of the repositories configured on the system, and
looks for matches. Search of these repositories uses the metadata stored on
the system.

It will display the latest stable versions of the charts found. If you
specify the --devel flag, the output will include pre-release versions.
If you want to search using a version constraint, use --version.

Examples:

    # Search for stable release versions matching the keyword "nginx"
    $ helm search repo nginx

    # Search for release versions matching the keyword "nginx", including pre-release versions
    $ helm search repo nginx --devel

    # Search for the latest stable release for nginx-ingress with a major version of 1
    $ helm search repo nginx-ingress --version ^1.0.0

Repositories are managed with 'helm repo' commands.
`

// searchRepoItem is one chart version in `search repo -o json|yaml`.
type searchRepoItem struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"app_version"`
	Description string `json:"description"`
}

func (a *app) newSearchRepoCmd() *cobra.Command {
	var (
		o            repo.SearchOptions
		maxColWidth  uint
		failOnNoHits bool
		format       outputFormat
	)
	cmd := &cobra.Command{
		Use:   "repo [keyword]",
		Short: "search repositories for a keyword in charts",
		Long:  searchRepoLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Term = strings.Join(args, " ")
			hits, notices, err := a.repositories().Search(cmd.Context(), o)
			log := a.log
			for _, n := range notices {
				if n.Err != nil {
					log.Warn("repo is corrupt or missing", "repo", n.Repo, "error", n.Err.Error())
				}
				a.printIndexWarnings(n.Source, n.Warnings)
			}
			if err != nil {
				return err
			}
			if len(hits) == 0 && failOnNoHits {
				return errors.New("no results found")
			}
			if format == formatTable {
				if len(hits) == 0 {
					_, err := fmt.Fprintln(a.streams.Out, "No results found")
					return err
				}
				t := table{maxWidth: int(min(maxColWidth, 1<<20))}
				t.addRow("NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION")
				for _, h := range hits {
					t.addRow(h.Name, h.Version.Version, h.Version.AppVersion, h.Version.Description)
				}
				return t.write(a.streams.Out)
			}
			items := make([]searchRepoItem, 0, len(hits))
			for _, h := range hits {
				items = append(items, searchRepoItem{Name: h.Name, Version: h.Version.Version,
					AppVersion: h.Version.AppVersion, Description: h.Version.Description})
			}
			if format == formatJSON {
				return writeJSON(a.streams.Out, items)
			}
			return writeYAML(a.streams.Out, items)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Regexp, "regexp", "r", false, "use regular expressions for searching repositories you have added")
	f.BoolVarP(&o.AllVersions, "versions", "l", false, "show the long listing, with each version of each chart on its own line, for repositories you have added")
	f.BoolVar(&o.Devel, "devel", false, "use development versions (alpha, beta, and release candidate releases), too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored")
	f.StringVar(&o.Constraint, "version", "", "search using semantic versioning constraints on repositories you have added")
	f.UintVar(&maxColWidth, "max-col-width", 50, "maximum column width for output table")
	f.BoolVar(&failOnNoHits, "fail-on-no-result", false, "search fails if no results are found")
	addOutputFlag(cmd, &format)
	return cmd
}
