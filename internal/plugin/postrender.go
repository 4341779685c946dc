package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/Masterminds/semver/v3"
	goyaml "sigs.k8s.io/yaml/goyaml.v3"
)

// PostRendererType is the type of post-renderer plugins, as Helm v4 names it.
const PostRendererType = "postrenderer/v1"

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// pluginFile is the part of a plugin.yaml (apiVersion v1) a post-renderer needs.
type pluginFile struct {
	APIVersion    string         `yaml:"apiVersion"`
	Name          string         `yaml:"name"`
	Type          string         `yaml:"type"`
	Runtime       string         `yaml:"runtime"`
	Version       string         `yaml:"version"`
	SourceURL     string         `yaml:"sourceURL,omitempty"`
	Config        map[string]any `yaml:"config"`
	RuntimeConfig struct {
		PlatformCommand []platformCommand `yaml:"platformCommand"`
		PlatformHooks   map[string]any    `yaml:"platformHooks"`
		ProtocolCmds    []any             `yaml:"protocolCommands,omitempty"`
	} `yaml:"runtimeConfig"`
}

type platformCommand struct {
	OS      string   `yaml:"os"`
	Arch    string   `yaml:"arch"`
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
}

// PostRenderer runs a subprocess post-renderer plugin: the manifests on its
// standard input, the result on its standard output.
type PostRenderer struct {
	// Name and Dir are the plugin's name and folder.
	Name, Dir string
	// Args are passed to the plugin's command after its own.
	Args []string
	// Env is the plugin's environment, to which HELM_PLUGIN_NAME and
	// HELM_PLUGIN_DIR are added; nil gives it only those.
	Env []string

	commands []platformCommand
}

// FindPostRenderer looks through the plugin folders, in order, for a plugin of
// the post-renderer type with the given name. Plugins that do not load are skipped, as
// Helm does; two plugins of one folder with the same name are an error.
func FindPostRenderer(dirs []string, name string) (*PostRenderer, error) {
	for _, dir := range dirs {
		matches, err := filepath.Glob(filepath.Join(dir, "*", "plugin.yaml"))
		if err != nil {
			return nil, fmt.Errorf("failed to search for plugins in %q: %w", dir, err)
		}
		var found *PostRenderer
		seen := map[string]string{}
		for _, m := range matches {
			pf, err := readPluginFile(m)
			if err != nil {
				continue
			}
			pdir := filepath.Dir(m)
			if prev, ok := seen[pf.Name]; ok {
				return nil, fmt.Errorf("two plugins claim the name %q at %q and %q", pf.Name, prev, pdir)
			}
			seen[pf.Name] = pdir
			if found == nil && pf.Name == name && pf.Type == PostRendererType {
				found = &PostRenderer{Name: pf.Name, Dir: pdir, commands: pf.RuntimeConfig.PlatformCommand}
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, fmt.Errorf("plugin: {Name:%s Type:%s} not found", name, PostRendererType)
}

// readPluginFile reads and checks a plugin.yaml. Only apiVersion v1 plugins with the
// subprocess runtime are understood; others do not load.
func readPluginFile(path string) (*pluginFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pf pluginFile
	dec := goyaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return nil, err
	}
	switch {
	case pf.APIVersion != "v1":
		return nil, fmt.Errorf("plugin apiVersion %q", pf.APIVersion)
	case !namePattern.MatchString(pf.Name):
		return nil, errors.New("invalid plugin name")
	case pf.Version == "":
		return nil, errors.New("plugin version is required")
	case pf.Type == "" || pf.Runtime == "":
		return nil, errors.New("plugin type and runtime are required")
	case pf.Runtime != "subprocess":
		return nil, fmt.Errorf("unsupported plugin runtime type: %q", pf.Runtime)
	}
	if _, err := semver.StrictNewVersion(pf.Version); err != nil {
		return nil, fmt.Errorf("invalid plugin version %q: must be valid semver", pf.Version)
	}
	return &pf, nil
}

// command picks the platform command as Helm does: an exact OS and architecture
// match wins, then the first OS match without an architecture, then the first entry
// with neither.
func (p *PostRenderer) command() ([]string, []string) {
	var cmd, args []string
	found, foundOS := false, false
	for _, c := range p.commands {
		if strings.EqualFold(c.OS, runtime.GOOS) && strings.EqualFold(c.Arch, runtime.GOARCH) {
			return strings.Split(c.Command, " "), c.Args
		}
		if (c.OS != "" && !strings.EqualFold(c.OS, runtime.GOOS)) || c.Arch != "" {
			continue
		}
		if !foundOS && c.OS != "" {
			cmd, args, found, foundOS = strings.Split(c.Command, " "), c.Args, true, true
		} else if !found {
			cmd, args, found = strings.Split(c.Command, " "), c.Args, true
		}
	}
	return cmd, args
}

// Run sends the manifests through the plugin's command.
func (p *PostRenderer) Run(ctx context.Context, in *bytes.Buffer) (*bytes.Buffer, error) {
	env := map[string]string{}
	for _, kv := range p.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env["HELM_PLUGIN_NAME"] = p.Name
	env["HELM_PLUGIN_DIR"] = p.Dir
	expand := func(s string) string { return os.Expand(s, func(k string) string { return env[k] }) }

	parts, baseArgs := p.command()
	if len(parts) == 0 || parts[0] == "" {
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: failed to prepare plugin command: no plugin command is applicable", p.Name)
	}
	var args []string
	for _, a := range append(parts[1:], baseArgs...) {
		args = append(args, expand(a))
	}
	args = append(args, p.Args...)

	cmd := exec.CommandContext(ctx, expand(parts[0]), args...)
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &stderr
	cmd.Env = make([]string, 0, len(env))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("plugin %q exited with error", p.Name)
		}
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: %w", p.Name, err)
	}
	if len(bytes.TrimSpace(out.Bytes())) == 0 {
		return nil, fmt.Errorf("post-renderer %q produced empty output", p.Name)
	}
	return &out, nil
}
