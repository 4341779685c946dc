package plugin

import (
	"bytes"
	"context"
	"fmt"
)

// errNoWasm is returned for Wasm plugins until the runtime is built in.
func (p *Plugin) errNoWasm() error {
	return fmt.Errorf("plugin %q: unsupported plugin runtime type: %q", p.Metadata.Name, p.Metadata.Runtime)
}

func (p *Plugin) runWasmCLI(context.Context, Invocation) error { return p.errNoWasm() }

func (p *Plugin) postRenderWasm(context.Context, *bytes.Buffer, Invocation) (*bytes.Buffer, error) {
	return nil, p.errNoWasm()
}
