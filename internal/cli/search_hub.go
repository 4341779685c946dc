package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/repo"
)

const searchHubLong = `
Search for charts in the Artifact Hub or your own hub instance (--endpoint).

Artifact Hub is a web-based application that enables finding, installing, and
publishing packages and configurations for CNCF projects, including publicly
available distributed charts. The search answers with each chart's page on the
hub, its latest version and description.
`

// hubItem is one chart in `search hub -o json|yaml`, with Helm's field names.
type hubItem struct {
	URL         string      `json:"url"`
	Version     string      `json:"version"`
	AppVersion  string      `json:"app_version"`
	Description string      `json:"description"`
	Repository  hubItemRepo `json:"repository"`
}

type hubItemRepo struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

func (a *app) newSearchHubCmd() *cobra.Command {
	var (
		endpoint     string
		maxColWidth  uint
		listRepoURL  bool
		failOnNoHits bool
		format       outputFormat
	)
	cmd := &cobra.Command{
		Use:   "hub [KEYWORD]",
		Short: "search for charts in the Artifact Hub or your own hub instance",
		Long:  searchHubLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			charts, err := repo.SearchHub(cmd.Context(), endpoint, strings.Join(args, " "), repo.ClientOptions{UserAgent: "Helm/4.3.1"})
			if err != nil {
				a.log.Debug("search failed", "error", err.Error())
				return fmt.Errorf("unable to perform search against %q", endpoint)
			}
			if len(charts) == 0 && failOnNoHits {
				return errors.New("no results found")
			}
			if format == formatTable {
				if len(charts) == 0 {
					_, err := fmt.Fprintln(a.streams.Out, "No results found")
					return err
				}
				t := table{maxWidth: int(min(maxColWidth, 1<<20))}
				if listRepoURL {
					t.addRow("URL", "CHART VERSION", "APP VERSION", "DESCRIPTION", "REPO URL")
				} else {
					t.addRow("URL", "CHART VERSION", "APP VERSION", "DESCRIPTION")
				}
				for _, c := range charts {
					if listRepoURL {
						t.addRow(c.URL, c.Version, c.AppVersion, c.Description, c.RepoURL)
					} else {
						t.addRow(c.URL, c.Version, c.AppVersion, c.Description)
					}
				}
				return t.write(a.streams.Out)
			}
			items := make([]hubItem, 0, len(charts))
			for _, c := range charts {
				items = append(items, hubItem{URL: c.URL, Version: c.Version, AppVersion: c.AppVersion,
					Description: c.Description, Repository: hubItemRepo{URL: c.RepoURL, Name: c.RepoName}})
			}
			if format == formatJSON {
				return writeJSON(a.streams.Out, items)
			}
			return writeYAML(a.streams.Out, items)
		},
	}
	f := cmd.Flags()
	f.StringVar(&endpoint, "endpoint", "https://hub.helm.sh", "Hub instance to query for charts")
	f.UintVar(&maxColWidth, "max-col-width", 50, "maximum column width for output table")
	f.BoolVar(&listRepoURL, "list-repo-url", false, "print charts repository URL")
	f.BoolVar(&failOnNoHits, "fail-on-no-result", false, "search fails if no results are found")
	addOutputFlag(cmd, &format)
	return cmd
}
