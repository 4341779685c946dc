package cli

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/repo"
)

const repoLong = `
This command consists of multiple subcommands to interact with chart repositories.

It can be used to add, remove, list, and index chart repositories.
`

func (a *app) newRepoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo add|remove|list|index|update [ARGS]",
		Short: "add, list, remove, update, and index chart repositories",
		Long:  repoLong,
		Args:  noArgs,
	}
	cmd.AddCommand(
		a.newRepoAddCmd(),
		a.newRepoListCmd(),
		a.newRepoRemoveCmd(),
		a.newRepoIndexCmd(),
		a.newRepoUpdateCmd(),
	)
	return cmd
}

// repositories is the repository manager over the configured paths.
func (a *app) repositories() action.Repositories {
	return action.Repositories{Config: a.settings.RepositoryConfig, Cache: a.settings.RepositoryCache, Schemes: a.schemes()}
}

// printIndexWarnings reports the index entries that were skipped while loading the
// index of source, as Helm logs them.
func (a *app) printIndexWarnings(source string, warnings []repo.IndexWarning) {
	if len(warnings) == 0 {
		return
	}
	log := a.log
	for _, w := range warnings {
		if errors.Is(w.Err, repo.ErrEmptyEntry) {
			log.Warn("skipping loading invalid entry for chart: empty entry", "name", w.Chart, "source", source)
			continue
		}
		log.Warn("skipping loading invalid entry for chart", "name", w.Chart, "version", w.Version, "source", source, "error", fmt.Sprint(w.Err))
	}
}

// completeRepoNames offers the configured repositories not already named.
func (a *app) completeRepoNames(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	entries, _ := a.repositories().List()
	var out []string
	for _, e := range entries {
		if !slices.Contains(args, e.Name) {
			out = append(out, e.Name+"\t"+e.URL)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
