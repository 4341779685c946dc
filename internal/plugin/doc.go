// Package plugin finds, installs and runs Helm plugins: Helm 3's plugin.yaml and
// Helm 4's versioned one (apiVersion v1), of the types cli/v1, getter/v1 and
// postrenderer/v1, run as subprocesses or, for runtime extism/v1, as Wasm modules
// in-process (wazero, no cgo) under the limits their manifest sets.
//
//	found, err := plugin.Scan(filepath.SplitList(pluginsDir))
//	p, err := found.Named("unittest", plugin.TypeCLI)
//	err = p.Run(ctx, plugin.Invocation{Args: args, Env: env, Stdout: os.Stdout})
//
// It reads no environment and prints nothing itself: the caller gives the
// plugin's environment and streams.
package plugin
