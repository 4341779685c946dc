package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/plugin"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/registry"
)

func (a *app) newPluginCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "install, list, or uninstall Helm plugins",
		Long:  "Manage client-side Helm plugins: they run as 'rudder NAME', as under Helm.",
	}
	cmd.AddCommand(
		a.newPluginInstallCmd(),
		a.newPluginListCmd(),
		a.newPluginUninstallCmd(),
		a.newPluginUpdateCmd(),
		a.newPluginPackageCmd(),
		a.newPluginVerifyCmd(),
	)
	return cmd
}

// pluginDirs are the folders of HELM_PLUGINS; plugins install into the first.
func (a *app) pluginDirs() []string { return filepath.SplitList(a.settings.PluginsDirectory) }

// installer installs into the first plugins folder and refuses plugin names that
// would shadow a built-in command of root.
func (a *app) installer(root *cobra.Command) *plugin.Installer {
	dir := ""
	if dirs := a.pluginDirs(); len(dirs) > 0 {
		dir = dirs[0]
	}
	return &plugin.Installer{Dir: dir, Reserved: func(name string) error { return reservedName(root, name) }}
}

// yieldingBuiltins are the built-in commands an installed plugin of the same name
// replaces: Rudder's diff gives way to helm-diff, which scripts written for Helm
// expect.
var yieldingBuiltins = map[string]bool{"diff": true}

// reservedName refuses a plugin name that would hide a built-in command.
func reservedName(root *cobra.Command, name string) error {
	if yieldingBuiltins[name] {
		return nil
	}
	for _, c := range append(root.Commands(), &cobra.Command{Use: "help"}, &cobra.Command{Use: "completion"}) {
		if c.Name() == name || c.HasAlias(name) {
			return fmt.Errorf("plugin %q: the name is taken by the built-in command 'rudder %s'; a plugin cannot replace it", name, c.Name())
		}
	}
	return nil
}

// pluginEnv is the environment plugins and their hooks run with: the process's,
// then everything `rudder env` prints.
func (a *app) pluginEnv() []string {
	env := os.Environ()
	for k, v := range a.settings.envVars(invokedPath()) {
		env = append(env, k+"="+v)
	}
	return env
}

// invokedPath is the path rudder was started by, as plugins see it in HELM_BIN.
func invokedPath() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0]
	}
	bin, _ := os.Executable()
	return bin
}

func (a *app) hookInvocation() plugin.Invocation {
	return plugin.Invocation{Env: a.pluginEnv(), Stdout: a.streams.Out, Stderr: a.streams.Err}
}

const pluginInstallLong = `Install a plugin from a local folder, a .tgz archive (a file or an http(s)
URL), an OCI registry (oci://HOST/REPO/NAME[:TAG|@DIGEST]), or a Git
repository (any other URL, file:// included).

A local folder is installed as a link to it, as Helm does ("development
mode"), so edits take effect at once. An archive is unpacked with the checks
Rudder applies to chart archives (no paths or links leaving the plugin, size
limits); with --verify, its .prov signature must check against --keyring.
An OCI artifact (artifact type application/vnd.helm.plugin.v1+json) holds the
archive as a layer titled NAME-VERSION.tgz, and its signature as
NAME-VERSION.tgz.prov; it installs into a folder named after the repository.
Without a tag or digest, --version (a tag or semver constraint) picks the tag,
the newest stable version when it is not given.
A plugin may not take the name of a built-in command, except diff: an installed
diff plugin (helm-diff) replaces Rudder's own diff.
`

func (a *app) newPluginInstallCmd() *cobra.Command {
	var (
		version string
		verify  bool
		keyring string
		reg     pluginRegistryFlags
	)
	cmd := &cobra.Command{
		Use:     "install [options] <path|url>",
		Short:   "install a Helm plugin",
		Long:    pluginInstallLong,
		Aliases: []string{"add"},
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			source := args[0]
			kind := plugin.Kind(source)
			var o plugin.InstallOptions
			o.Version = version
			out := a.streams.Out
			switch {
			case kind == plugin.SourceFolder:
				fmt.Fprint(out, "Installing plugin from local directory (development mode)\n")
			case verify && !plugin.Verifiable(kind):
				return errors.New("plugin source does not support verification. Use --verify=false to skip verification")
			case verify:
				o.Keyring = func() (openpgp.EntityList, error) { return provenance.LoadKeyring(keyring) }
				fmt.Fprint(out, "Verifying plugin signature...\n")
			default:
				fmt.Fprint(out, "WARNING: Skipping plugin signature verification\n")
			}
			in := a.installer(cmd.Root())
			if kind == plugin.SourceOCI {
				client, err := registry.New(reg.options(a.settings))
				if err != nil {
					return err
				}
				in.PullOCI = pullPlugin(client)
			}
			got, err := in.Install(cmd.Context(), source, o)
			if err != nil {
				return err
			}
			if got.Verified != nil {
				for _, id := range got.Verified.Identities() {
					fmt.Fprintf(out, "Signed by: %s\n", id)
				}
				fmt.Fprintf(out, "Using Key With Fingerprint: %s\n", got.Verified.Fingerprint())
				fmt.Fprintf(out, "Plugin Hash Verified: %s\n", got.Verified.FileHash)
			}
			if err := got.Hook(cmd.Context(), plugin.HookInstall, a.hookInvocation()); err != nil {
				return err
			}
			fmt.Fprintf(out, "Installed plugin: %s\n", got.Metadata.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&version, "version", "", "specify a version constraint. If this is not specified, the latest version is installed")
	f.BoolVar(&verify, "verify", true, "verify the plugin signature before installing")
	f.StringVar(&keyring, "keyring", defaultKeyring(a.settings), "location of public keys used for verification")
	reg.add(cmd)
	return cmd
}

// pluginRow is one line of `plugin list`.
type pluginRow struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Type       string `json:"type"`
	APIVersion string `json:"apiVersion"`
	Provenance string `json:"provenance"`
	Source     string `json:"source"`
}

// builtinDiffVersion is the helm-diff version Rudder's built-in diff stands in for.
const builtinDiffVersion = "3.9.14"

func (a *app) newPluginListCmd() *cobra.Command {
	var (
		typ    string
		output outputFormat
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list installed Helm plugins",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			found, err := plugin.Scan(a.pluginDirs())
			if err != nil {
				return err
			}
			a.reportBroken(found)
			rows := []pluginRow{}
			for _, p := range found.OfType(typ) {
				m := p.Metadata
				src := m.SourceURL
				if src == "" {
					src = "unknown"
				}
				rows = append(rows, pluginRow{m.Name, m.Version, m.Type, m.APIVersion, plugin.Provenance(p), src})
			}
			if builtin, _, err := cmd.Root().Find([]string{"diff"}); err == nil && builtin.Name() == "diff" && builtin.Annotations[pluginAnnotation] == "" &&
				(typ == "" || typ == plugin.TypeCLI) {
				if _, err := found.Named("diff", ""); err != nil {
					rows = append(rows, pluginRow{"diff", builtinDiffVersion, plugin.TypeCLI, "v1", "built-in", "built into rudder"})
				}
			}
			switch output {
			case formatJSON:
				return writeJSON(a.streams.Out, rows)
			case formatYAML:
				return writeYAML(a.streams.Out, rows)
			}
			t := &table{}
			t.addRow("NAME", "VERSION", "TYPE", "APIVERSION", "PROVENANCE", "SOURCE")
			for _, r := range rows {
				t.addRow(r.Name, r.Version, r.Type, r.APIVersion, r.Provenance, r.Source)
			}
			return t.write(a.streams.Out)
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "Plugin type")
	addOutputFlag(cmd, &output)
	return cmd
}

// reportBroken warns, as Helm does, of plugins whose manifest does not load.
func (a *app) reportBroken(found *plugin.Found) {
	for _, b := range found.Broken {
		a.log.Warn("failed to load plugin (ignoring)", "plugin_yaml", filepath.Join(b.Dir, plugin.FileName), "error", b.Err)
	}
}

func (a *app) newPluginUninstallCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "uninstall <plugin>...",
		Aliases:           []string{"rm", "remove"},
		Short:             "uninstall one or more Helm plugins",
		ValidArgsFunction: a.completePluginNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("please provide plugin name to uninstall")
			}
			return a.eachInstalled(args, func(p *plugin.Plugin) error {
				// The hook runs first, while the plugin's files are still there.
				if err := p.Hook(cmd.Context(), plugin.HookDelete, a.hookInvocation()); err != nil {
					return err
				}
				if err := plugin.Remove(filepath.Dir(p.Dir), p); err != nil {
					return err
				}
				fmt.Fprintf(a.streams.Out, "Uninstalled plugin: %s\n", p.Metadata.Name)
				return nil
			}, "uninstall")
		},
	}
}

func (a *app) newPluginUpdateCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "update <plugin>...",
		Aliases:           []string{"up"},
		Short:             "update one or more Helm plugins",
		ValidArgsFunction: a.completePluginNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("please provide plugin name to update")
			}
			in := a.installer(cmd.Root())
			return a.eachInstalled(args, func(p *plugin.Plugin) error {
				updated, err := in.Update(cmd.Context(), p)
				if err != nil {
					return err
				}
				if err := updated.Hook(cmd.Context(), plugin.HookUpdate, a.hookInvocation()); err != nil {
					return err
				}
				fmt.Fprintf(a.streams.Out, "Updated plugin: %s\n", p.Metadata.Name)
				return nil
			}, "update")
		},
	}
}

// eachInstalled applies do to the installed plugins named, going on past
// failures and returning them all, as Helm does.
func (a *app) eachInstalled(names []string, do func(*plugin.Plugin) error, verb string) error {
	dirs := a.pluginDirs()
	if len(dirs) == 0 {
		dirs = []string{""}
	}
	found, err := plugin.Scan(dirs[:1])
	if err != nil {
		return err
	}
	a.reportBroken(found)
	var errs []error
	for _, name := range names {
		p, err := found.Named(name, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := do(p); err != nil {
			errs = append(errs, fmt.Errorf("failed to %s plugin %s, got error (%w)", verb, name, err))
		}
	}
	return errors.Join(errs...)
}

func (a *app) completePluginNames(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	found, err := plugin.Scan(a.pluginDirs())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, p := range found.Plugins {
		if !contains(args, p.Metadata.Name) {
			short := ""
			if p.Metadata.CLI != nil {
				short = p.Metadata.CLI.ShortHelp
			}
			names = append(names, p.Metadata.Name+"\t"+short)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *app) newPluginPackageCmd() *cobra.Command {
	var (
		sign                     bool
		key, keyring, passphrase string
		destination              string
	)
	cmd := &cobra.Command{
		Use:   "package [PATH]",
		Short: "package a plugin directory into a plugin archive",
		Long: `Package a plugin folder into NAME-VERSION.tgz.

By default the archive is signed with a PGP key of --keyring (--key names it),
into NAME-VERSION.tgz.prov, so that 'plugin install --verify' and 'plugin
verify' can check it. Use --sign=false to skip signing.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var signer func(string) (string, error)
			if sign {
				ring, err := provenance.LoadKeyring(keyring)
				if err != nil {
					return fmt.Errorf("error reading from keyring: %w", err)
				}
				k, err := provenance.FindKey(ring, key)
				if err != nil {
					return fmt.Errorf("error reading from keyring: %w", err)
				}
				if err := provenance.Unlock(k, a.passphrase(passphrase)); err != nil {
					return err
				}
				signer = func(archive string) (string, error) { return plugin.Sign(archive, k) }
			} else {
				fmt.Fprint(a.streams.Out, "WARNING: Skipping plugin signing. This is not recommended for plugins intended for distribution.\n")
			}
			archive, _, err := plugin.Package(args[0], destination)
			if err != nil {
				return err
			}
			if signer != nil {
				prov, err := signer(archive)
				if err != nil {
					os.Remove(archive)
					return err
				}
				fmt.Fprintf(a.streams.Out, "Successfully signed. Signature written to: %s\n", prov)
			}
			fmt.Fprintf(a.streams.Out, "Successfully packaged plugin and saved it to: %s\n", archive)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&sign, "sign", true, "use a PGP private key to sign this plugin")
	f.StringVar(&key, "key", "", "name of the key to use when signing. Used if --sign is true")
	f.StringVar(&keyring, "keyring", defaultKeyring(a.settings), "location of a public keyring")
	f.StringVar(&passphrase, "passphrase-file", "", `location of a file which contains the passphrase for the signing key. Use "-" to read from stdin.`)
	f.StringVarP(&destination, "destination", "d", ".", "location to write the plugin tarball.")
	return cmd
}

func (a *app) newPluginVerifyCmd() *cobra.Command {
	var keyring string
	cmd := &cobra.Command{
		Use:   "verify [PATH]",
		Short: "verify that a plugin at the given path has been signed and is valid",
		Long:  "Check that a plugin archive has a valid provenance file (<archive>.prov), signed by a key of --keyring.",
		Args:  exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			ring, err := provenance.LoadKeyring(keyring)
			if err != nil {
				return err
			}
			v, err := plugin.Verify(args[0], ring)
			if err != nil {
				return err
			}
			for _, id := range v.Identities() {
				fmt.Fprintf(a.streams.Out, "Signed by: %s\n", id)
			}
			fmt.Fprintf(a.streams.Out, "Using Key With Fingerprint: %s\n", v.Fingerprint())
			fmt.Fprintf(a.streams.Out, "Plugin Hash Verified: %s\n", v.FileHash)
			return nil
		},
	}
	cmd.Flags().StringVar(&keyring, "keyring", defaultKeyring(a.settings), "location of public keys used for verification")
	return cmd
}
