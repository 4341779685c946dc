package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Wasm plugins through the CLI: a cli/v1 plugin runs as rudder NAME, a
// postrenderer/v1 one through --post-renderer. The module is the plugin package's
// test guest, built with GOOS=wasip1.
func TestWasmPluginsThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Wasm module (GOOS=wasip1): skipped under -short")
	}
	dir := t.TempDir()
	wasm := filepath.Join(dir, "guest.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, ".")
	build.Dir = "../plugin/testdata/wasmguest"
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the Wasm guest: %v\n%s", err, out)
	}
	data, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	u := newUser(t)
	plugins := filepath.Join(dir, "plugins")
	u.env["HELM_PLUGINS"] = plugins
	for name, typ := range map[string]string{"wasmcli": "cli/v1", "wasmpost": "postrenderer/v1"} {
		pdir := filepath.Join(plugins, name)
		os.MkdirAll(pdir, 0o755)
		os.WriteFile(filepath.Join(pdir, "plugin.yaml"), []byte("apiVersion: v1\nname: "+name+"\ntype: "+typ+"\nruntime: extism/v1\nversion: 0.1.0\nruntimeConfig:\n  memory:\n    maxPages: 1000\n"), 0o644)
		os.WriteFile(filepath.Join(pdir, "plugin.wasm"), data, 0o644)
	}
	if out := u.ok("wasmcli", "a", "--namespace", "ns", "b"); out != "hello from wasm: a b (namespace ns)\n" {
		t.Errorf("rudder wasmcli: %q", out)
	}
	if _, errOut, code := u.run("", "wasmcli", "fail"); code != 3 || !strings.Contains(errOut, `Error: plugin "wasmcli" exited with error`) {
		t.Errorf("failing Wasm plugin: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Join(u.home(), ".cache", "helm", "wazero-build")); len(entries) == 0 {
		t.Error("no compiled module kept in $HELM_CACHE_HOME/wazero-build")
	}
	chart := u.newChart(dir, "demo", "0.1.0")
	out := u.ok("template", "x", chart, "--post-renderer", "wasmpost", "--post-renderer-args", "arg1")
	if !strings.Contains(out, "# post-rendered in wasm arg1\n") || !strings.Contains(out, "kind: Deployment") {
		t.Errorf("template --post-renderer wasmpost:\n%s", out)
	}
}
