//go:build wasip1

// Command wasmguest is a Wasm plugin for the tests, built with GOOS=wasip1
// -buildmode=c-shared. Its runtimeConfig.config "mode" chooses what it is:
//   - "" (a cli/v1 plugin): it greets on standard output and exits 3 when its
//     first argument is "fail"; "headers URL" fetches URL through the host and
//     prints the response's X-Test header as the host hands it back; "spin"
//     never returns.
//   - "post" (a postrenderer/v1 plugin): it appends a comment to the manifests,
//     and another when it has any environment variables.
//   - "echo": it answers with its input message, as it is.
//
// It speaks Extism's kernel ABI directly.
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

//go:wasmimport extism:host/env length
func length(offset uint64) uint64

//go:wasmimport extism:host/env load_u8
func loadU8(offset uint64) uint32

//go:wasmimport extism:host/env http_request
func httpRequest(request, body uint64) uint64

//go:wasmimport extism:host/env http_headers
func httpHeaders() uint64

//go:wasmimport extism:host/env config_get
func configGet(key uint64) uint64

// config is the manifest's runtimeConfig.config value of key ("" when unset).
func config(key string) string {
	off := configGet(store([]byte(key)))
	if off == 0 {
		return ""
	}
	return string(load(off))
}

func input() []byte {
	b := make([]byte, inputLength())
	for i := range b {
		b[i] = byte(inputLoadU8(uint64(i)))
	}
	return b
}

// store copies b into Extism's memory and returns its offset.
func store(b []byte) uint64 {
	off := alloc(uint64(len(b)))
	for i, c := range b {
		storeU8(off+uint64(i), uint32(c))
	}
	return off
}

// load copies the block at offset out of Extism's memory.
func load(offset uint64) []byte {
	b := make([]byte, length(offset))
	for i := range b {
		b[i] = byte(loadU8(offset + uint64(i)))
	}
	return b
}

func output(b []byte) {
	outputSet(store(b), uint64(len(b)))
}

// headers fetches url through the host and prints the response headers the
// host hands back, or "no headers".
func headers(url string) {
	req, _ := json.Marshal(map[string]string{"url": url, "method": "GET"})
	httpRequest(store(req), 0)
	off := httpHeaders()
	if off == 0 {
		fmt.Println("no headers")
		return
	}
	var h map[string]string
	if err := json.Unmarshal(load(off), &h); err != nil {
		fmt.Println("bad headers:", err)
		return
	}
	fmt.Println("x-test header:", h["x-test"])
}

//go:wasmexport helm_plugin_main
func helmPluginMain() int32 {
	var in struct {
		Manifests string   `json:"manifests"`
		ExtraArgs []string `json:"extraArgs"`
	}
	raw := input()
	if config("mode") == "echo" {
		output(raw)
		return 0
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		return 1
	}
	if config("mode") == "post" {
		note := "# post-rendered in wasm " + strings.Join(in.ExtraArgs, " ") + "\n"
		if n := len(os.Environ()); n > 0 {
			note += fmt.Sprintf("# with %d environment variables\n", n)
		}
		out, _ := json.Marshal(map[string]string{"manifests": in.Manifests + note})
		output(out)
		return 0
	}
	if len(in.ExtraArgs) == 1 && in.ExtraArgs[0] == "spin" {
		for {
		}
	}
	if len(in.ExtraArgs) == 2 && in.ExtraArgs[0] == "headers" {
		headers(in.ExtraArgs[1])
		return 0
	}
	fmt.Printf("hello from wasm: %s (namespace %s)\n", strings.Join(in.ExtraArgs, " "), os.Getenv("HELM_NAMESPACE"))
	if len(in.ExtraArgs) > 0 && in.ExtraArgs[0] == "fail" {
		return 3
	}
	return 0
}

func main() {}
