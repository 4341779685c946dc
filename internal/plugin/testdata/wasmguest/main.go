//go:build wasip1

// Command wasmguest is a Wasm plugin for the tests, built with GOOS=wasip1
// -buildmode=c-shared: as a cli/v1 plugin (HELM_PLUGIN_NAME wasmcli) it greets on
// standard output and exits 3 when its first argument is "fail"; as a
// postrenderer/v1 plugin it appends a comment to the manifests. It speaks Extism's
// kernel ABI directly.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

//go:wasmimport extism:host/env input_length
func inputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func inputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env alloc
func alloc(n uint64) uint64

//go:wasmimport extism:host/env store_u8
func storeU8(offset uint64, v uint32)

//go:wasmimport extism:host/env output_set
func outputSet(offset, n uint64)

func input() []byte {
	b := make([]byte, inputLength())
	for i := range b {
		b[i] = byte(inputLoadU8(uint64(i)))
	}
	return b
}

func output(b []byte) {
	off := alloc(uint64(len(b)))
	for i, c := range b {
		storeU8(off+uint64(i), uint32(c))
	}
	outputSet(off, uint64(len(b)))
}

//go:wasmexport helm_plugin_main
func helmPluginMain() int32 {
	var in struct {
		Manifests string   `json:"manifests"`
		ExtraArgs []string `json:"extraArgs"`
	}
	if err := json.Unmarshal(input(), &in); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		return 1
	}
	if os.Getenv("HELM_PLUGIN_NAME") == "wasmpost" {
		out, _ := json.Marshal(map[string]string{"manifests": in.Manifests + "# post-rendered in wasm " + strings.Join(in.ExtraArgs, " ") + "\n"})
		output(out)
		return 0
	}
	fmt.Printf("hello from wasm: %s (namespace %s)\n", strings.Join(in.ExtraArgs, " "), os.Getenv("HELM_NAMESPACE"))
	if len(in.ExtraArgs) > 0 && in.ExtraArgs[0] == "fail" {
		return 3
	}
	return 0
}

func main() {}
