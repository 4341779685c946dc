package cli

import (
	"fmt"
	"runtime/debug"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/engine"
)

// rudderVersion is Rudder's own version, set at build time with
// -ldflags "-X github.com/rudderpm/rudder/internal/cli.rudderVersion=1.2.3".
var rudderVersion = "0.1.0-dev"

// gitCommit is the commit Rudder was built from, set at build time or read from the
// Go build information.
var gitCommit = ""

// buildInfo is what `rudder version` reports. Version is the Helm release Rudder is
// compatible with, carrying Rudder's own version as semver build metadata
// (v4.3.1+rudder.0.1.0), so scripts comparing Helm versions keep working.
func buildInfo() engine.BuildInfo {
	b := engine.DefaultBuildInfo()
	b.Version = engine.HelmVersion + "+rudder." + rudderVersion
	b.GitCommit = gitCommit
	if b.GitCommit == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					b.GitCommit = s.Value
				case "vcs.modified":
					b.GitTreeState = map[string]string{"true": "dirty", "false": "clean"}[s.Value]
				}
			}
		}
	}
	return b
}

func (a *app) newVersionCmd() *cobra.Command {
	var short bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "print the client version information",
		Long: `Show the version for Rudder.

This prints the Helm version Rudder is compatible with, with Rudder's own version as
build metadata:
- Version is the semantic version: v4.3.1+rudder.<rudder version>.
- GitCommit is the commit Rudder was built from.
- GitTreeState is "clean" if there were no local changes when it was built.
- GoVersion is the version of Go used to compile Rudder.
- KubeClientVersion is the Kubernetes version of the client libraries.

With --template, the output is rendered from that Go template; its fields are
.Version, .GitCommit, .GitTreeState, .GoVersion and .KubeClientVersion.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := buildInfo()
			out := a.streams.Out
			switch {
			case tmpl != "":
				t, err := template.New("version").Parse(tmpl)
				if err != nil {
					return err
				}
				return t.Execute(out, v)
			case short:
				s := v.Version
				if len(v.GitCommit) >= 7 {
					s += ".g" + v.GitCommit[:7]
				}
				fmt.Fprintln(out, s)
			default:
				fmt.Fprintf(out, "version.BuildInfo{Version:%q, GitCommit:%q, GitTreeState:%q, GoVersion:%q, KubeClientVersion:%q}\n",
					v.Version, v.GitCommit, v.GitTreeState, v.GoVersion, v.KubeClientVersion)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&short, "short", false, "print the version number")
	f.StringVar(&tmpl, "template", "", "template for version string format")
	return cmd
}
