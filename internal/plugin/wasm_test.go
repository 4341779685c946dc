package plugin

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	guestOnce sync.Once
	guestWasm []byte
	guestErr  error
)

// wasmCache is the compilation cache of the Wasm tests that do not test the
// cache, so that they compile the guest once.
var wasmCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rudder-wasm-cache-")
	if err != nil {
		panic(err)
	}
	wasmCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wasmGuest builds testdata/wasmguest with Go's wasip1 target, once per test run.
func wasmGuest(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Wasm module (GOOS=wasip1): skipped under -short")
	}
	guestOnce.Do(func() {
		out := filepath.Join(os.TempDir(), "rudder-wasmguest-test.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
		cmd.Dir = "testdata/wasmguest"
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			guestErr = errors.New(string(msg))
			return
		}
		guestWasm, guestErr = os.ReadFile(out)
		os.Remove(out)
	})
	if guestErr != nil {
		t.Fatalf("building the Wasm guest: %v", guestErr)
	}
	return guestWasm
}

func writeWasmPlugin(t *testing.T, dir, name, typ string) *Plugin {
	t.Helper()
	rc := "  timeout: 60000\n"
	if typ == TypePostRenderer {
		rc += "  config:\n    mode: post\n"
	}
	return writeWasmPluginWith(t, dir, name, typ, rc)
}

// writeWasmPluginWith writes the test guest as a plugin whose runtimeConfig
// holds runtimeConfig (YAML lines indented by two spaces) after its memory limit.
func writeWasmPluginWith(t *testing.T, dir, name, typ, runtimeConfig string) *Plugin {
	t.Helper()
	yaml := "apiVersion: v1\nname: " + name + "\ntype: " + typ + "\nruntime: extism/v1\nversion: 0.1.0\nruntimeConfig:\n  memory:\n    maxPages: 1000\n" + runtimeConfig
	writePlugin(t, dir, name, yaml, nil)
	if err := os.WriteFile(filepath.Join(dir, name, WasmFile), wasmGuest(t), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Scan([]string{dir})
	if err != nil || len(f.Broken) > 0 {
		t.Fatalf("scan: %v %v", err, f.Broken)
	}
	p, err := f.Named(name, typ)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A Wasm CLI plugin runs in-process with its arguments, environment and standard
// output, and its exit code comes back as an ExitError.
func TestWasmCLIPlugin(t *testing.T) {
	p := writeWasmPlugin(t, t.TempDir(), "wasmcli", TypeCLI)
	var out bytes.Buffer
	cache := t.TempDir()
	err := p.Run(t.Context(), Invocation{Args: []string{"a", "b"}, Env: []string{"HELM_NAMESPACE=ns"}, Stdout: &out, WasmCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "hello from wasm: a b (namespace ns)\n" {
		t.Errorf("output %q", got)
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 {
		t.Error("nothing kept in the compilation cache")
	}
	err = p.Run(t.Context(), Invocation{Args: []string{"fail"}, Stdout: &out, WasmCache: cache})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("failing plugin: %v", err)
	}
}

// A Wasm post-renderer gets the manifests and arguments, and, as under Helm, no
// environment.
func TestWasmPostRenderer(t *testing.T) {
	dir := t.TempDir()
	writeWasmPlugin(t, dir, "wasmpost", TypePostRenderer)
	pr, err := FindPostRenderer([]string{dir}, "wasmpost")
	if err != nil {
		t.Fatal(err)
	}
	pr.Args, pr.Env = []string{"x"}, []string{"HELM_NAMESPACE=ns", "SECRET=s3cret"}
	out, err := pr.Run(t.Context(), bytes.NewBufferString("kind: ConfigMap\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "kind: ConfigMap\n# post-rendered in wasm x\n" {
		t.Errorf("output %q", got)
	}
}

// A manifest's limits hold: a module that may not have the memory it needs does
// not run.
func TestWasmMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	p := writeWasmPlugin(t, dir, "wasmcli", TypeCLI)
	p.Metadata.Extism.Memory.MaxPages = 2
	err := p.Run(t.Context(), Invocation{})
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("2 pages of memory: err = %v", err)
	}
}

// Helm v4.3.1 registers no host functions: a plugin that asks for any does not
// run, with Helm's message; an empty list is no request.
func TestWasmHostFunctions(t *testing.T) {
	dir := t.TempDir()
	p := writeWasmPluginWith(t, dir, "wasmcli", TypeCLI, "  hostFunctions:\n  - kube_get\n  - log\n")
	var out bytes.Buffer
	err := p.Run(t.Context(), Invocation{Args: []string{"x"}, Stdout: &out, WasmCache: wasmCache})
	if err == nil || err.Error() != `plugin requested host function "kube_get" not found` {
		t.Errorf("err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("the plugin ran: %q", out.String())
	}
	p = writeWasmPluginWith(t, t.TempDir(), "wasmcli", TypeCLI, "  hostFunctions: []\n")
	if err := p.Run(t.Context(), Invocation{Args: []string{"x"}, Stdout: &out, WasmCache: wasmCache}); err != nil || out.String() != "hello from wasm: x (namespace )\n" {
		t.Errorf("empty hostFunctions: %v, %q", err, out.String())
	}
}

// As under Helm, a plugin reaches the hosts of allowedHosts only, and sees the
// response headers (EnableHttpResponseHeaders).
func TestWasmHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// No body: with no memory.maxHttpResponseBytes in the manifest, Extism
		// (under Helm too) allows a response body of 0 bytes.
		w.Header().Set("X-Test", "seen")
	}))
	defer srv.Close()
	p := writeWasmPluginWith(t, t.TempDir(), "wasmcli", TypeCLI, "  allowedHosts:\n  - 127.0.0.1\n")
	var out bytes.Buffer
	if err := p.Run(t.Context(), Invocation{Args: []string{"headers", srv.URL}, Stdout: &out, WasmCache: wasmCache}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "x-test header: seen\n" {
		t.Errorf("output %q", got)
	}
	p = writeWasmPluginWith(t, t.TempDir(), "wasmcli", TypeCLI, "  allowedHosts:\n  - example.com\n")
	err := p.Run(t.Context(), Invocation{Args: []string{"headers", srv.URL}, Stdout: &out, WasmCache: wasmCache})
	if err == nil || !strings.Contains(err.Error(), "HTTP request to '"+srv.URL+"' is not allowed") {
		t.Errorf("a host not allowed: err = %v", err)
	}
}

// A manifest's timeout (milliseconds) stops a plugin that runs too long.
func TestWasmTimeout(t *testing.T) {
	p := writeWasmPluginWith(t, t.TempDir(), "wasmcli", TypeCLI, "  timeout: 200\n")
	// The test's own deadline, far beyond the manifest's, only keeps a
	// plugin that ignores the manifest from spinning forever.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := p.Run(ctx, Invocation{Args: []string{"spin"}, WasmCache: wasmCache})
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "deadline exceeded") || took > 10*time.Second {
		t.Errorf("spinning plugin: err = %v after %v", err, took)
	}
}
