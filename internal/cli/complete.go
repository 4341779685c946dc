package cli

// Dynamic shell completion, answered through cobra's hidden __complete command
// as Helm v4.3.1 answers it: release names, revisions, namespaces, kubeconfig
// contexts, repositories, repo/chart references, chart versions and output
// formats (addOutputFlag registers those). addCompletions attaches the functions to the commands by their path,
// once the command tree is built.

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kubetypes"
	"github.com/rudderpm/rudder/internal/repo"
)

type completeFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// addCompletions attaches dynamic completion to the commands under root.
func (a *app) addCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("namespace", a.compNamespaces)
	_ = root.RegisterFlagCompletionFunc("kube-context", a.compContexts)
	colors := fixedComp("never", "auto", "always")
	_ = root.RegisterFlagCompletionFunc("color", colors)
	_ = root.RegisterFlagCompletionFunc("colour", colors)

	oneRelease := func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) != 0 {
			return noMoreArgs()
		}
		return a.compReleases(ctxOf(c), nil)
	}
	revisionFlag := func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return a.compRevisions(ctxOf(c), args[0])
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	walkCommands(root, func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
		switch path {
		case "status", "history", "test", "get all", "get hooks", "get manifest", "get metadata", "get notes", "get values":
			c.ValidArgsFunction = oneRelease
			if c.Flags().Lookup("revision") != nil {
				_ = c.RegisterFlagCompletionFunc("revision", revisionFlag)
			}
		case "uninstall":
			c.ValidArgsFunction = func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				return a.compReleases(ctxOf(c), args)
			}
		case "rollback":
			c.ValidArgsFunction = func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				switch len(args) {
				case 0:
					return a.compReleases(ctxOf(c), nil)
				case 1:
					return a.compRevisions(ctxOf(c), args[0])
				}
				return noMoreArgs()
			}
		case "upgrade":
			c.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				switch len(args) {
				case 0:
					return a.compReleases(ctxOf(c), nil)
				case 1:
					return a.compCharts(toComplete, true)
				}
				return noMoreArgs()
			}
			_ = c.RegisterFlagCompletionFunc("version", a.compVersionAt(func(*cobra.Command) int { return 2 }))
		case "install", "template":
			required := func(c *cobra.Command) int {
				if g, _ := c.Flags().GetBool("generate-name"); g {
					return 0
				}
				return 1
			}
			c.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) == required(c) {
					return a.compCharts(toComplete, true)
				}
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			_ = c.RegisterFlagCompletionFunc("version", a.compVersionAt(func(c *cobra.Command) int { return required(c) + 1 }))
		case "pull", "show all", "show chart", "show readme", "show values", "show crds":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) != 0 {
					return noMoreArgs()
				}
				return a.compCharts(toComplete, false)
			}
			_ = c.RegisterFlagCompletionFunc("version", a.compVersionAt(func(*cobra.Command) int { return 1 }))
		case "repo remove", "repo update":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				return a.compRepos(args), cobra.ShellCompDirectiveNoFileComp
			}
		case "env":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) != 0 {
					return noMoreArgs()
				}
				return slices.Sorted(maps.Keys(a.settings.envVars(""))), cobra.ShellCompDirectiveNoFileComp
			}
		}
	})
}

// ctxOf is the command's context; Background before one is set.
func ctxOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// walkCommands calls fn on c and every command below it.
func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

func fixedComp(choices ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return choices, cobra.ShellCompDirectiveNoFileComp
	}
}

// noMoreArgs says, as active help, that the command takes no more arguments.
func noMoreArgs() ([]string, cobra.ShellCompDirective) {
	return cobra.AppendActiveHelp(nil, "This command does not take any more arguments (but may accept flags)."), cobra.ShellCompDirectiveNoFileComp
}

// compReleases lists the releases of the namespace, whatever their state, but
// those in skip: "name<TAB>chart-version -> status". Shells filter by prefix.
func (a *app) compReleases(ctx context.Context, skip []string) ([]string, cobra.ShellCompDirective) {
	store, err := a.releases(a.settings.Namespace())
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	rels, err := action.List{Releases: store, Options: action.ListOptions{States: action.ListAll}}.Run(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var choices []string
	for _, r := range rels {
		if slices.Contains(skip, r.Name) {
			continue
		}
		name, version := "", ""
		if r.Chart != nil && r.Chart.Metadata != nil {
			name, version = r.Chart.Metadata.Name, r.Chart.Metadata.Version
		}
		choices = append(choices, fmt.Sprintf("%s\t%s-%s -> %s", r.Name, name, version, r.Info.Status))
	}
	return choices, cobra.ShellCompDirectiveNoFileComp
}

// compRevisions lists a release's revisions: "N<TAB>App: v, Chart: name-version".
func (a *app) compRevisions(ctx context.Context, name string) ([]string, cobra.ShellCompDirective) {
	store, err := a.releases(a.settings.Namespace())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	revs, err := action.History{Releases: store}.Run(ctx, name)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var choices []string
	for _, r := range revs {
		app, chartName, version := "", "", ""
		if r.Chart != nil && r.Chart.Metadata != nil {
			app, chartName, version = r.Chart.Metadata.AppVersion, r.Chart.Metadata.Name, r.Chart.Metadata.Version
		}
		choices = append(choices, fmt.Sprintf("%s\tApp: %s, Chart: %s-%s", strconv.Itoa(r.Version), app, chartName, version))
	}
	return choices, cobra.ShellCompDirectiveNoFileComp
}

// compNamespaces lists the cluster's namespaces.
func (a *app) compNamespaces(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	kc, err := a.kubeClient()
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	list, err := kubetypes.Namespaces(kc.CoreV1()).List(ctxOf(c), metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// compContexts lists the kubeconfig's contexts, the cluster of each as its description.
func (a *app) compContexts(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	cfg, err := a.settings.kubeConfigLoader().RawConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var choices []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Contexts)) {
		choices = append(choices, name)
	}
	return choices, cobra.ShellCompDirectiveNoFileComp
}

// compRepos lists the configured repositories but those in skip: "name<TAB>URL".
func (a *app) compRepos(skip []string) []string {
	f, err := repo.LoadFile(a.settings.RepositoryConfig)
	if err != nil {
		return nil
	}
	var choices []string
	for _, e := range f.Repositories {
		if !slices.Contains(skip, e.Name) {
			choices = append(choices, e.Name+"\t"+e.URL)
		}
	}
	return choices
}

// compCharts completes a chart reference: a repository's name, then its charts
// (repo/chart), URL prefixes, and with files, local paths.
func (a *app) compCharts(toComplete string, files bool) ([]string, cobra.ShellCompDirective) {
	var choices []string
	noSpace, noFile := false, false
	for _, r := range a.compRepos(nil) {
		name, desc, _ := strings.Cut(r, "\t")
		if strings.HasPrefix(toComplete, name+"/") {
			choices = append(choices, a.compChartsOfRepo(name)...)
			noSpace = false
			break
		}
		if strings.HasPrefix(name, toComplete) {
			choices = append(choices, name+"/\t"+desc)
			noSpace = true
		}
	}
	for _, p := range []string{"oci://\tChart OCI prefix", "https://\tChart URL prefix", "http://\tChart URL prefix", "file://\tChart local URL prefix"} {
		prefix, _, _ := strings.Cut(p, "\t")
		switch {
		case strings.HasPrefix(toComplete, prefix):
			noFile, noSpace = true, true
		case strings.HasPrefix(p, toComplete):
			choices = append(choices, p)
			noSpace = true
		}
	}
	if files && len(choices) > 0 && toComplete != "" {
		if entries, err := os.ReadDir("."); err == nil {
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), toComplete) {
					choices = append(choices, e.Name())
				}
			}
		}
	}
	if files && toComplete == "" {
		choices = append(choices, "./\tRelative path prefix to local chart", "/\tAbsolute path prefix to local chart")
	}
	directive := cobra.ShellCompDirectiveDefault
	if noFile || !files {
		directive |= cobra.ShellCompDirectiveNoFileComp
	}
	if noSpace {
		directive |= cobra.ShellCompDirectiveNoSpace
	}
	return choices, directive
}

// compChartsOfRepo lists a repository's charts as repo/chart, from its cache.
func (a *app) compChartsOfRepo(name string) []string {
	c, _, err := repo.LoadCache(a.settings.RepositoryCache, name)
	if err != nil {
		return []string{}
	}
	names, err := c.Names()
	if err != nil {
		return []string{}
	}
	refs := make([]string, 0, len(names))
	for _, n := range names {
		refs = append(refs, name+"/"+n)
	}
	return refs
}

// compVersionAt completes --version from the cached index of the repo/chart
// reference that is argument number n (from 1) when exactly n are given.
func (a *app) compVersionAt(n func(*cobra.Command) int) completeFunc {
	return func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		k := n(c)
		if len(args) != k {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.compVersions(args[k-1]), cobra.ShellCompDirectiveNoFileComp
	}
}

// compVersions lists the versions of repo/chart: "version<TAB>App: a, Created: date".
func (a *app) compVersions(ref string) []string {
	parts := strings.Split(ref, "/")
	if len(parts) != 2 {
		return nil
	}
	c, _, err := repo.LoadCache(a.settings.RepositoryCache, parts[0])
	if err != nil {
		return nil
	}
	ch, err := c.Chart(parts[1])
	if err != nil || ch == nil {
		return nil
	}
	var choices []string
	for _, v := range ch.Versions {
		desc := ""
		if v.AppVersion != "" {
			desc = "App: " + v.AppVersion + ", "
		}
		desc += "Created: " + v.Created.UTC().Format("January 2, 2006") + " "
		if v.Deprecated() {
			desc += "(deprecated)"
		}
		choices = append(choices, v.Version+"\t"+desc)
	}
	return choices
}
