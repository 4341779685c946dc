package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeWasmPlugins installs the plugin package's test guest, built with
// GOOS=wasip1, into plugins under each name of types, with its type; wasmpost
// post-renders, wasmecho answers with its input.
func writeWasmPlugins(t *testing.T, plugins string, types map[string]string) {
	t.Helper()
	wasm := filepath.Join(t.TempDir(), "guest.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, ".")
	build.Dir = "../plugin/testdata/wasmguest"
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the Wasm guest: %v\n%s", err, out)
	}
	data := readFile(t, wasm)
	for name, typ := range types {
		config := ""
		switch name {
		case "wasmecho":
			config = "  config:\n    mode: echo\n"
		case "wasmpost":
			config = "  config:\n    mode: post\n"
		}
		writeFiles(t, filepath.Join(plugins, name), map[string]string{
			"plugin.yaml": "apiVersion: v1\nname: " + name + "\ntype: " + typ + "\nruntime: extism/v1\nversion: 0.1.0\nruntimeConfig:\n  memory:\n    maxPages: 1000\n" + config,
			"plugin.wasm": string(data),
		})
	}
}

// Wasm plugins through the CLI: a cli/v1 plugin runs as rudder NAME, a
// postrenderer/v1 one through --post-renderer. The module is the plugin package's
// test guest, built with GOOS=wasip1.
func TestWasmPluginsThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Wasm module (GOOS=wasip1): skipped under -short")
	}
	dir := t.TempDir()
	u := newUser(t)
	plugins := filepath.Join(dir, "plugins")
	u.env["HELM_PLUGINS"] = plugins
	writeWasmPlugins(t, plugins, map[string]string{"wasmcli": "cli/v1", "wasmpost": "postrenderer/v1"})
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

// TestWasmPostRendererMessageAgainstHelm shows what Helm v4.3.1 sends a Wasm
// post-renderer: its message's manifests field is a *bytes.Buffer, which
// encoding/json writes as {} (the manifests never reach the module) and reads
// back only from a JSON object, as an empty buffer. So a module that answers
// with its own input ("wasmecho") gets "produced empty output" from Helm, and a
// module that answers with manifests as a string ("wasmpost") fails under Helm.
// Rudder sends and reads manifests as a JSON string, so both work under Rudder.
func TestWasmPostRendererMessageAgainstHelm(t *testing.T) {
	helm := peerTool(t, "helm")
	rudder, rudderEnv := rudderBin(t)
	dir := t.TempDir()
	plugins := filepath.Join(dir, "plugins")
	writeWasmPlugins(t, plugins, map[string]string{"wasmecho": "postrenderer/v1", "wasmpost": "postrenderer/v1"})
	chart := newUser(t).newChart(dir, "demo", "0.1.0")
	env := []string{"HOME=" + dir, "HELM_PLUGINS=" + plugins, "HELM_CACHE_HOME=" + filepath.Join(dir, "cache")}

	h := runCLI(t, env, helm, "template", "x", chart, "--post-renderer", "wasmecho")
	if h.code != 1 || !strings.Contains(h.stderr, `post-renderer "wasmecho" produced empty output`) {
		t.Errorf("helm with wasmecho: exit %d\n%s", h.code, h.stderr)
	}
	if h := runCLI(t, env, helm, "template", "x", chart, "--post-renderer", "wasmpost"); h.code != 1 {
		t.Errorf("helm with wasmpost: exit %d\n%s", h.code, h.stderr)
	}

	env = append(env, rudderEnv...)
	echo := runCLI(t, env, rudder, "template", "x", chart, "--post-renderer", "wasmecho")
	if echo.code != 0 || !strings.Contains(echo.stdout, "kind: Deployment") {
		t.Errorf("rudder with wasmecho: exit %d\n%s%s", echo.code, echo.stdout, echo.stderr)
	}
	r := runCLI(t, env, rudder, "template", "x", chart, "--post-renderer", "wasmpost", "--post-renderer-args", "a")
	if r.code != 0 || !strings.Contains(r.stdout, "# post-rendered in wasm a\n") || strings.Replace(r.stdout, "# post-rendered in wasm a\n", "", 1) != echo.stdout {
		t.Errorf("rudder with wasmpost: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
