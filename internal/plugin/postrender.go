package plugin

import (
	"bytes"
	"context"
)

// PostRenderer is a postrenderer/v1 plugin ready to run, with the caller's
// arguments and environment.
type PostRenderer struct {
	*Plugin
	// Args are passed to the plugin's command after its own.
	Args []string
	// Env is a subprocess plugin's environment, to which HELM_PLUGIN_NAME and
	// HELM_PLUGIN_DIR are added; nil gives it only those. A Wasm plugin gets
	// no environment, as under Helm.
	Env []string
	// WasmCache is where a compiled Wasm post-renderer is kept ("" for nowhere).
	WasmCache string
}

// FindPostRenderer looks through the plugin folders, in order, for a
// postrenderer/v1 plugin with the given name. Plugins that do not load are
// skipped, as Helm does; two plugins of one folder with the same name are an
// error.
func FindPostRenderer(dirs []string, name string) (*PostRenderer, error) {
	f, err := Scan(dirs)
	if err != nil {
		return nil, err
	}
	p, err := f.Named(name, TypePostRenderer)
	if err != nil {
		return nil, err
	}
	return &PostRenderer{Plugin: p}, nil
}

// Run sends the manifests through the plugin.
func (r *PostRenderer) Run(ctx context.Context, in *bytes.Buffer) (*bytes.Buffer, error) {
	return r.PostRender(ctx, in, Invocation{Args: r.Args, Env: r.Env, WasmCache: r.WasmCache})
}
