// Package plugin finds and runs Helm plugins. For now it knows post-renderers:
// subprocess plugins of type postrenderer/v1 (plugin.yaml apiVersion v1) that
// take the rendered manifests on standard input and print them rewritten.
//
//	pr, err := plugin.FindPostRenderer(filepath.SplitList(pluginsDir), "kustomize")
//	pr.Args, pr.Env = args, os.Environ()
//	out, err := pr.Run(ctx, manifests)
//
// It reads no environment itself: the caller gives the plugin's.
package plugin
