package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
)

// WasmFile is the module of an extism/v1 plugin, in its folder.
const WasmFile = "plugin.wasm"

// defaultEntry is the function Helm calls in a Wasm plugin.
const defaultEntry = "helm_plugin_main"

// wasmCLIInput and wasmPostRenderInput are the JSON messages a Wasm plugin is
// called with; a post-renderer answers with wasmPostRenderOutput.
type wasmCLIInput struct {
	ExtraArgs []string `json:"extraArgs"`
}

type wasmPostRenderInput struct {
	Manifests string   `json:"manifests"`
	ExtraArgs []string `json:"extraArgs"`
}

type wasmPostRenderOutput struct {
	Manifests string `json:"manifests"`
}

// callWasm runs the plugin's entry function in-process under the limits of its
// manifest: memory pages, timeout, allowed hosts, and no file system but a
// temporary /tmp when it asks for one. Standard streams are the invocation's;
// env is the module's whole environment.
func (p *Plugin) callWasm(ctx context.Context, input any, inv Invocation, env map[string]string) ([]byte, error) {
	rc := p.Metadata.Extism
	wasm := filepath.Join(p.Dir, WasmFile)
	if _, err := os.Stat(wasm); err != nil {
		return nil, fmt.Errorf("wasm binary missing for extism/v1 plugin: %q", wasm)
	}
	paths := map[string]string{}
	if rc.FileSystem.CreateTempDir {
		tmp, err := os.MkdirTemp("", "rudder-plugin-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		paths[tmp] = "/tmp"
	}
	hosts := rc.AllowedHosts
	if hosts == nil {
		hosts = []string{}
	}
	manifest := extism.Manifest{
		Wasm: []extism.Wasm{extism.WasmFile{Path: wasm, Name: wasm}},
		Memory: &extism.ManifestMemory{MaxPages: rc.Memory.MaxPages,
			MaxHttpResponseBytes: rc.Memory.MaxHTTPResponseBytes, MaxVarBytes: rc.Memory.MaxVarBytes},
		Config: rc.Config, AllowedHosts: hosts, AllowedPaths: paths, Timeout: rc.Timeout,
	}
	if len(rc.HostFunctions) > 0 {
		return nil, fmt.Errorf("plugin requested host function %q not found", rc.HostFunctions[0])
	}
	mc := wazero.NewModuleConfig().WithSysWalltime()
	if inv.Stdin != nil {
		mc = mc.WithStdin(inv.Stdin)
	}
	mc = mc.WithStdout(orDiscard(inv.Stdout)).WithStderr(orDiscard(inv.Stderr))
	for k, v := range env {
		mc = mc.WithEnv(k, v)
	}
	rt := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if inv.WasmCache != "" {
		cache, err := wazero.NewCompilationCacheWithDir(inv.WasmCache)
		if err != nil {
			return nil, fmt.Errorf("failed to create wazero compilation cache: %w", err)
		}
		defer cache.Close(context.WithoutCancel(ctx))
		rt = rt.WithCompilationCache(cache)
	}
	cfg := extism.PluginConfig{ModuleConfig: mc, RuntimeConfig: rt, EnableWasi: true, EnableHttpResponseHeaders: true}
	pe, err := extism.NewPlugin(ctx, manifest, cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: failed to create the Wasm plugin: %w", p.Metadata.Name, err)
	}
	defer pe.Close(context.WithoutCancel(ctx))
	data, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	entry := rc.EntryFuncName
	if entry == "" {
		entry = defaultEntry
	}
	code, out, err := pe.CallWithContext(ctx, entry, data)
	if err != nil {
		// An error (a trap, a refused host call, a message the guest set)
		// wins over the exit code that comes with it, as under Helm.
		return nil, fmt.Errorf("plugin %q: %w", p.Metadata.Name, err)
	}
	if code != 0 {
		return nil, &ExitError{Name: p.Metadata.Name, Code: int(code)}
	}
	return out, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func (p *Plugin) runWasmCLI(ctx context.Context, inv Invocation) error {
	_, err := p.callWasm(ctx, wasmCLIInput{ExtraArgs: orEmpty(inv.Args)}, inv, p.env(inv))
	return err
}

func (p *Plugin) postRenderWasm(ctx context.Context, manifests *bytes.Buffer, inv Invocation) (*bytes.Buffer, error) {
	// As under Helm, a Wasm post-renderer runs with no environment at all.
	out, err := p.callWasm(ctx, wasmPostRenderInput{Manifests: manifests.String(), ExtraArgs: orEmpty(inv.Args)}, Invocation{Stderr: inv.Stderr, WasmCache: inv.WasmCache}, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: %w", p.Metadata.Name, err)
	}
	var msg wasmPostRenderOutput
	if err := json.Unmarshal(out, &msg); err != nil {
		return nil, fmt.Errorf("post-renderer %q: output is not a JSON message: %w", p.Metadata.Name, err)
	}
	if len(bytes.TrimSpace([]byte(msg.Manifests))) == 0 {
		return nil, errors.New("post-renderer " + fmt.Sprintf("%q", p.Metadata.Name) + " produced empty output")
	}
	return bytes.NewBufferString(msg.Manifests), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
