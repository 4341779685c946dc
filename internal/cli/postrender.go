package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/plugin"
)

// postRendererFlags back --post-renderer and --post-renderer-args. The flag takes
// the name of an installed postrenderer/v1 plugin, not a path, as in Helm v4. Like
// Helm, the plugin is looked up as soon as the flag is parsed, so an unknown one is
// a usage error.
type postRendererFlags struct {
	pluginDirs string // the plugins directory setting (a path list)
	wasmCache  string // where compiled Wasm plugins are kept
	name       string
	args       []string
	plugin     *plugin.PostRenderer
}

func (p *postRendererFlags) lookup() error {
	if p.name == "" {
		return nil
	}
	pl, err := plugin.FindPostRenderer(filepath.SplitList(p.pluginDirs), p.name)
	if err != nil {
		return err
	}
	pl.Args, pl.Env, pl.WasmCache = p.args, os.Environ(), p.wasmCache
	p.plugin = pl
	return nil
}

// renderer returns the post-renderer to use, or nil.
func (p *postRendererFlags) renderer() action.PostRenderer {
	if p.plugin == nil {
		return nil
	}
	return p.plugin
}

type postRendererNameValue struct{ p *postRendererFlags }

func (v postRendererNameValue) String() string { return v.p.name }
func (v postRendererNameValue) Type() string   { return "postRendererString" }
func (v postRendererNameValue) Set(s string) error {
	if s == "" {
		return nil
	}
	if v.p.name != "" {
		return errors.New("cannot specify --post-renderer flag more than once")
	}
	v.p.name = s
	return v.p.lookup()
}

type postRendererArgsValue struct{ p *postRendererFlags }

func (v postRendererArgsValue) String() string { return "[" + strings.Join(v.p.args, ",") + "]" }
func (v postRendererArgsValue) Type() string   { return "postRendererArgsSlice" }
func (v postRendererArgsValue) Set(s string) error {
	v.p.args = append(v.p.args, s)
	return v.p.lookup()
}
