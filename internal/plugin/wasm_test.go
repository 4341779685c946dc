package plugin

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	guestOnce sync.Once
	guestWasm []byte
	guestErr  error
)

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
	yaml := "apiVersion: v1\nname: " + name + "\ntype: " + typ + "\nruntime: extism/v1\nversion: 0.1.0\nruntimeConfig:\n  memory:\n    maxPages: 1000\n  timeout: 60000\n"
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

func TestWasmPostRenderer(t *testing.T) {
	dir := t.TempDir()
	writeWasmPlugin(t, dir, "wasmpost", TypePostRenderer)
	pr, err := FindPostRenderer([]string{dir}, "wasmpost")
	if err != nil {
		t.Fatal(err)
	}
	pr.Args = []string{"x"}
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
