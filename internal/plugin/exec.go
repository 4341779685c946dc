package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Invocation is how a plugin is run: the zero value runs it with no extra
// arguments, an environment holding only the plugin's own variables, no input,
// and its output discarded.
type Invocation struct {
	// Args follow the plugin's own arguments.
	Args []string
	// Env is the environment (KEY=value), to which HELM_PLUGIN_NAME and
	// HELM_PLUGIN_DIR are added.
	Env            []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// WasmCache is where compiled Wasm modules are kept between runs; "" compiles
	// a Wasm plugin each time it runs.
	WasmCache string
}

// ExitError is the error for a plugin command that ran and failed.
type ExitError struct {
	Name string
	// Code is the command's exit status; 128+N when signal N ended it.
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("plugin %q exited with error", e.Name) }

// signalCause is how the caller says which signal cancelled the context: a cause
// with a Signal method is passed on to the plugin's process.
type signalCause interface{ Signal() os.Signal }

// stopGrace is how long a plugin has after the signal before it is killed.
const stopGrace = 10 * time.Second

func (p *Plugin) env(inv Invocation) map[string]string {
	env := envMap(inv.Env)
	env["HELM_PLUGIN_NAME"] = p.Metadata.Name
	env["HELM_PLUGIN_DIR"] = p.Dir
	return env
}

func (p *Plugin) subprocess() (*SubprocessConfig, error) {
	if p.Metadata.Subprocess == nil {
		return nil, fmt.Errorf("plugin %q: runtime %q cannot run here", p.Metadata.Name, p.Metadata.Runtime)
	}
	return p.Metadata.Subprocess, nil
}

// run starts the command and waits for it. A cancelled context passes its signal
// (SIGTERM if none) on to the process, which is killed if it does not end soon.
func (p *Plugin) run(ctx context.Context, cmd *exec.Cmd) error {
	cmd.Cancel = func() error {
		var sig os.Signal = syscall.SIGTERM
		var sc signalCause
		if errors.As(context.Cause(ctx), &sc) {
			sig = sc.Signal()
		}
		return cmd.Process.Signal(sig)
	}
	cmd.WaitDelay = stopGrace
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &ExitError{Name: p.Metadata.Name, Code: code}
	}
	return err
}

// Run runs a CLI plugin with the invocation's arguments, environment and streams.
func (p *Plugin) Run(ctx context.Context, inv Invocation) error {
	if p.Metadata.Runtime == RuntimeExtism {
		return p.runWasmCLI(ctx, inv)
	}
	sc, err := p.subprocess()
	if err != nil {
		return err
	}
	env := p.env(inv)
	main, args, err := prepareCommand(sc.PlatformCommand, true, inv.Args, env)
	if err != nil {
		return fmt.Errorf("failed to prepare plugin command: %w", err)
	}
	cmd := exec.CommandContext(ctx, main, args...)
	cmd.Env = envList(env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inv.Stdin, inv.Stdout, inv.Stderr
	return p.run(ctx, cmd)
}

// Hook runs the plugin's command for an event (HookInstall, HookUpdate,
// HookDelete), if it has one. Invocation.Args are not used.
func (p *Plugin) Hook(ctx context.Context, event string, inv Invocation) error {
	sc := p.Metadata.Subprocess
	if sc == nil || len(sc.PlatformHooks[event]) == 0 {
		return nil
	}
	env := p.env(inv)
	main, args, err := prepareCommand(sc.PlatformHooks[event], !sc.rawHooks, nil, env)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, main, args...)
	cmd.Env = envList(env)
	cmd.Stdout, cmd.Stderr = inv.Stdout, inv.Stderr
	cmd.Dir = p.Dir
	if err := p.run(ctx, cmd); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("plugin %s hook for %q exited with error", event, p.Metadata.Name)
		}
		return err
	}
	return nil
}

// PostRender sends the manifests through a postrenderer/v1 plugin; Invocation.Stdin
// and Stdout are not used.
func (p *Plugin) PostRender(ctx context.Context, manifests *bytes.Buffer, inv Invocation) (*bytes.Buffer, error) {
	if p.Metadata.Runtime == RuntimeExtism {
		return p.postRenderWasm(ctx, manifests, inv)
	}
	sc, err := p.subprocess()
	if err != nil {
		return nil, err
	}
	env := p.env(inv)
	main, args, err := prepareCommand(sc.PlatformCommand, true, inv.Args, env)
	if err != nil {
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: failed to prepare plugin command: %w", p.Metadata.Name, err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, main, args...)
	cmd.Env = envList(env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = manifests, &out, &stderr
	if inv.Stderr != nil {
		cmd.Stderr = inv.Stderr
	}
	if err := p.run(ctx, cmd); err != nil {
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: %w", p.Metadata.Name, err)
	}
	if len(bytes.TrimSpace(out.Bytes())) == 0 {
		return nil, fmt.Errorf("post-renderer %q produced empty output", p.Metadata.Name)
	}
	return &out, nil
}

// GetterOptions are the connection settings a getter plugin is told about; the zero
// value sends none.
type GetterOptions struct {
	CertFile, KeyFile, CAFile string
	Username, Password        string
	PassCredentialsAll        bool
}

// maxFetch bounds what a getter plugin may return.
const maxFetch = 1 << 30

// Fetch has a getter plugin fetch href, whose scheme is one of its protocols, and
// returns what it printed. Invocation.Stderr receives its messages.
func (p *Plugin) Fetch(ctx context.Context, href, scheme string, o GetterOptions, inv Invocation) ([]byte, error) {
	sc, err := p.subprocess()
	if err != nil {
		return nil, err
	}
	var cmds []PlatformCommand
	for _, pc := range sc.ProtocolCommands {
		for _, s := range pc.Protocols {
			if s == scheme && cmds == nil {
				cmds = pc.PlatformCommand
			}
		}
	}
	if cmds == nil {
		// A v1 getter without protocolCommands runs its own command.
		cmds = sc.PlatformCommand
	}
	if cmds == nil {
		return nil, fmt.Errorf("no downloader found for protocol %q", scheme)
	}
	env := p.env(inv)
	env["HELM_PLUGIN_USERNAME"] = o.Username
	env["HELM_PLUGIN_PASSWORD"] = o.Password
	env["HELM_PLUGIN_PASS_CREDENTIALS_ALL"] = strconv.FormatBool(o.PassCredentialsAll)
	main, args, err := prepareCommand(cmds, false, nil, env)
	if err != nil {
		return nil, fmt.Errorf("failed to prepare commands for protocol %q: %w", scheme, err)
	}
	if !filepath.IsAbs(main) {
		main = filepath.Join(p.Dir, main)
	}
	args = append(args, o.CertFile, o.KeyFile, o.CAFile, href)
	out := &limitedBuffer{max: maxFetch}
	cmd := exec.CommandContext(ctx, main, args...)
	cmd.Env = envList(env)
	cmd.Stdout, cmd.Stderr = out, inv.Stderr
	if err := p.run(ctx, cmd); err != nil {
		if out.over {
			return nil, fmt.Errorf("plugin %q: %s: output larger than %d bytes", p.Metadata.Name, href, maxFetch)
		}
		return nil, err
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps at most max bytes and fails writes beyond.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.over = true
		return 0, errors.New("output too large")
	}
	return b.Buffer.Write(p)
}
