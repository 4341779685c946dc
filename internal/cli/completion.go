package cli

import (
	"github.com/spf13/cobra"
)

const completionLong = `Generate autocompletion scripts for Rudder for the specified shell.

To load completions in the current bash session:

    source <(rudder completion bash)

To load them in every new zsh session, put the script in your $fpath:

    rudder completion zsh > "${fpath[1]}/_rudder"

For fish:

    rudder completion fish > ~/.config/fish/completions/rudder.fish

For PowerShell:

    rudder completion powershell | Out-String | Invoke-Expression
`

func (a *app) newCompletionCmd() *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion",
		Short: "generate autocompletion scripts for the specified shell",
		Long:  completionLong,
		Args:  noArgs,
	}
	shells := []struct {
		name string
		gen  func(root *cobra.Command) error
	}{
		{"bash", func(r *cobra.Command) error { return r.GenBashCompletionV2(a.streams.Out, !noDesc) }},
		{"zsh", func(r *cobra.Command) error {
			if noDesc {
				return r.GenZshCompletionNoDesc(a.streams.Out)
			}
			return r.GenZshCompletion(a.streams.Out)
		}},
		{"fish", func(r *cobra.Command) error { return r.GenFishCompletion(a.streams.Out, !noDesc) }},
		{"powershell", func(r *cobra.Command) error {
			if noDesc {
				return r.GenPowerShellCompletion(a.streams.Out)
			}
			return r.GenPowerShellCompletionWithDesc(a.streams.Out)
		}},
	}
	for _, sh := range shells {
		cmd.AddCommand(&cobra.Command{
			Use:   sh.name,
			Short: "generate autocompletion script for " + sh.name,
			Args:  noArgs,
			RunE:  func(c *cobra.Command, _ []string) error { return sh.gen(c.Root()) },
		})
	}
	cmd.PersistentFlags().BoolVar(&noDesc, "no-descriptions", false, "disable completion descriptions")
	return cmd
}
