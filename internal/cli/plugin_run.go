package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/plugin"
)

// pluginAnnotation marks a command that runs a plugin; its value is the plugin's name.
const pluginAnnotation = "rudder.plugin"

// needsPlugins tells whether the command line may reach a plugin: an unknown
// command, help, shell completion, or a built-in that yields to a plugin. Other
// commands never read the plugins folder, so plugins cost them nothing.
func needsPlugins(root *cobra.Command, args []string) bool {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return true
	}
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root {
		return true
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Parent() == root && (c.Name() == "help" || c.Name() == "completion" || yieldingBuiltins[c.Name()]) {
			return true
		}
	}
	return false
}

// loadPlugins adds the installed CLI plugins to root as commands, when the
// command line may need them (HELM_NO_PLUGINS=1 turns this off, as in Helm).
func (a *app) loadPlugins(root *cobra.Command, args []string) {
	if a.streams.Getenv("HELM_NO_PLUGINS") == "1" || !needsPlugins(root, args) {
		return
	}
	found, err := plugin.Scan(a.pluginDirs())
	if err != nil {
		a.log.Error("failed to load plugins", "error", err)
		return
	}
	completing := len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd || args[0] == "completion")
	for _, p := range found.OfType(plugin.TypeCLI) {
		name := p.Metadata.Name
		if existing, _, err := root.Find([]string{name}); err == nil && existing != root {
			if !yieldingBuiltins[name] || existing.Annotations[pluginAnnotation] != "" {
				a.log.Error("failed to load plugins: name conflicts", "name", name)
				continue
			}
			root.RemoveCommand(existing)
		}
		c := a.newPluginRunCmd(p)
		root.AddCommand(c)
		if completing {
			loadPluginCompletion(a, c, p)
		}
	}
}

func (a *app) newPluginRunCmd(p *plugin.Plugin) *cobra.Command {
	m := p.Metadata
	cfg := m.CLI
	if cfg == nil {
		cfg = &plugin.CLIConfig{}
	}
	use, short := cfg.Usage, cfg.ShortHelp
	if use == "" {
		use = m.Name
	}
	if short == "" {
		short = fmt.Sprintf("the %q plugin", m.Name)
	}
	return &cobra.Command{
		Use:                use,
		Short:              short,
		Long:               cfg.LongHelp,
		Annotations:        map[string]string{pluginAnnotation: m.Name},
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := readGlobalFlags(cmd.Root(), args); err != nil {
				return err
			}
			known, unknown := splitPluginArgs(args)
			if err := cmd.Parent().ParseFlags(known); err != nil {
				return err
			}
			if cfg.IgnoreFlags {
				unknown = nil
			}
			// Signals reach the plugin; rudder waits for it to end.
			release := a.cleanup.hold()
			defer release()
			err := p.Run(cmd.Context(), plugin.Invocation{
				Args: unknown, Env: a.pluginEnv(), WasmCache: a.settings.cachePath("wazero-build"),
				Stdin: a.streams.In, Stdout: a.streams.Out, Stderr: a.streams.Err,
			})
			var ee *plugin.ExitError
			if errors.As(err, &ee) {
				return &exitError{code: ee.Code, err: err}
			}
			return err
		},
	}
}

// readGlobalFlags sets the global flags found anywhere in args, as Helm reads
// them before it runs a plugin (the plugin still gets those not taken out by
// splitPluginArgs).
func readGlobalFlags(root *cobra.Command, args []string) error {
	fs := pflag.NewFlagSet("global", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	fs.AddFlagSet(root.PersistentFlags())
	if err := fs.Parse(args); err != nil && !errors.Is(err, pflag.ErrHelp) {
		return err
	}
	return nil
}

// pluginGlobalFlags are the global flags taking a value that rudder reads before
// running a plugin, as Helm does; --debug is the one without a value. Everything
// else goes to the plugin.
var pluginGlobalFlags = []string{"--kube-context", "--namespace", "-n", "--kubeconfig", "--kube-apiserver", "--kube-token",
	"--kube-as-user", "--kube-as-group", "--kube-ca-file", "--registry-config", "--repository-cache", "--repository-config",
	"--kube-insecure-skip-tls-verify", "--kube-tls-server-name"}

// splitPluginArgs separates the global flags rudder reads (known) from the rest,
// which the plugin gets.
func splitPluginArgs(args []string) (known, unknown []string) {
	known, unknown = []string{}, []string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--debug":
			known = append(known, a)
		case contains(pluginGlobalFlags, a):
			known = append(known, a)
			if i+1 < len(args) {
				i++
				known = append(known, args[i])
			}
		case hasFlagPrefix(a):
			known = append(known, a)
		default:
			unknown = append(unknown, a)
		}
	}
	return known, unknown
}

func hasFlagPrefix(a string) bool {
	for _, f := range pluginGlobalFlags {
		if strings.HasPrefix(a, f+"=") {
			return true
		}
	}
	return false
}

// pluginCompletion is a plugin's completion.yaml.
type pluginCompletion struct {
	Name      string             `json:"name"`
	ValidArgs []string           `json:"validArgs"`
	Flags     []string           `json:"flags"`
	Commands  []pluginCompletion `json:"commands"`
}

// loadPluginCompletion gives a plugin's command the completions its
// completion.yaml describes, and dynamic completion through its plugin.complete
// executable where that file stops.
func loadPluginCompletion(a *app, c *cobra.Command, p *plugin.Plugin) {
	spec := &pluginCompletion{}
	if data, err := os.ReadFile(filepath.Join(p.Dir, "completion.yaml")); err == nil {
		if err := yaml.Unmarshal(data, spec); err != nil {
			spec = &pluginCompletion{}
		}
	}
	spec.Name = c.Use
	addPluginCompletion(a, p, c, spec)
}

func addPluginCompletion(a *app, p *plugin.Plugin, c *cobra.Command, spec *pluginCompletion) {
	if spec.Name == "" {
		return
	}
	c.Use = spec.Name
	c.ValidArgs = spec.ValidArgs
	if spec.Commands == nil {
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return a.dynamicPluginCompletion(p, cmd, args, toComplete)
		}
	}
	var shorts, longs []string
	for _, f := range spec.Flags {
		if len(f) == 1 {
			shorts = append(shorts, f)
		} else {
			longs = append(longs, f)
		}
	}
	fs := c.Flags()
	for i := 0; i < max(len(shorts), len(longs)); i++ {
		switch {
		case i < len(shorts) && i < len(longs):
			fs.BoolP(longs[i], shorts[i], false, "")
		case i < len(longs):
			fs.Bool(longs[i], false, "")
		default:
			fs.BoolP(shorts[i], shorts[i], false, "")
		}
	}
	for i := range spec.Commands {
		sub := &cobra.Command{DisableFlagParsing: true, Run: func(*cobra.Command, []string) {}}
		c.AddCommand(sub)
		addPluginCompletion(a, p, sub, &spec.Commands[i])
	}
}

// dynamicPluginCompletion asks the plugin's plugin.complete executable; its last
// line may be ":N", a cobra completion directive.
func (a *app) dynamicPluginCompletion(p *plugin.Plugin, cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	known, unknown := splitPluginArgs(args)
	if err := cmd.Root().ParseFlags(known); err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	argv := strings.Split(cmd.CommandPath(), " ")[2:]
	if p.Metadata.CLI == nil || !p.Metadata.CLI.IgnoreFlags {
		argv = append(append(argv, unknown...), toComplete)
	}
	completer := &plugin.Plugin{Dir: p.Dir, Metadata: &plugin.Metadata{
		Name: p.Metadata.Name, Runtime: plugin.RuntimeSubprocess,
		Subprocess: &plugin.SubprocessConfig{PlatformCommand: []plugin.PlatformCommand{{Command: filepath.Join(p.Dir, "plugin.complete")}}},
	}}
	var buf bytes.Buffer
	if err := completer.Run(cmd.Context(), plugin.Invocation{Args: argv, Env: a.pluginEnv(), Stdout: &buf, Stderr: &buf}); err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var comps []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if line != "" {
			comps = append(comps, line)
		}
	}
	directive := cobra.ShellCompDirectiveDefault
	if n := len(comps); n > 0 && len(comps[n-1]) > 1 && comps[n-1][0] == ':' {
		if d, err := strconv.Atoi(comps[n-1][1:]); err == nil {
			directive, comps = cobra.ShellCompDirective(d), comps[:n-1]
		}
	}
	return comps, directive
}
