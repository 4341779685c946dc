package action

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
)

// sourceAnnotation carries each document's template through the post-renderer, so its
// output can be split back by source. Helm uses the same annotation.
const sourceAnnotation = "postrenderer.helm.sh/postrender-filename"

// postRender sends the rendered templates through the post-renderer as one stream of
// documents, each annotated with its template, and splits the result back by template.
// Documents the post-renderer adds without the annotation are named
// generated-by-postrender-N.yaml. A post-renderer that is also a kio.Filter is
// given the parsed documents instead, which saves writing and parsing the stream
// twice. With skipHooks, hook documents go around the post-renderer and back
// into their templates unchanged.
func postRender(ctx context.Context, pr PostRenderer, files map[string]string, skipHooks bool) (map[string]string, error) {
	nodes, err := annotateSources(files)
	if err != nil {
		return nil, fmt.Errorf("error merging manifests: %w", err)
	}
	var hooks []*kyaml.RNode
	if skipHooks {
		nodes, hooks = splitHooks(nodes)
	}
	if f, ok := pr.(kio.Filter); ok {
		if nodes, err = f.Filter(nodes); err != nil {
			return nil, fmt.Errorf("error while running post render on files: %w", err)
		}
	} else {
		in, err := kio.StringAll(nodes)
		if err != nil {
			return nil, fmt.Errorf("error merging manifests: %w", err)
		}
		out, err := pr.Run(ctx, bytes.NewBufferString(in))
		if err != nil {
			return nil, fmt.Errorf("error while running post render on files: %w", err)
		}
		if nodes, err = kio.ParseAll(out.String()); err != nil {
			return nil, fmt.Errorf("error while parsing post rendered output: error parsing YAML: %w", err)
		}
	}
	split, err := splitBySource(append(nodes, hooks...))
	if err != nil {
		return nil, fmt.Errorf("error while parsing post rendered output: %w", err)
	}
	return split, nil
}

// filterStream runs a post-renderer that is a kio.Filter on a stream of
// manifests, as its Run: the stream is parsed, filtered and written again. Its
// errors start with name.
func filterStream(name string, f kio.Filter, in *bytes.Buffer) (*bytes.Buffer, error) {
	nodes, err := kio.ParseAll(in.String())
	if err != nil {
		return nil, fmt.Errorf("%s: rendered manifests: %w", name, err)
	}
	if nodes, err = f.Filter(nodes); err != nil {
		return nil, err
	}
	out, err := kio.StringAll(nodes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return bytes.NewBufferString(out), nil
}

func annotateSources(files map[string]string) ([]*kyaml.RNode, error) {
	var nodes []*kyaml.RNode
	for _, name := range sortedKeys(files) {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		for _, doc := range manifest.Split(content) {
			parsed, err := kio.ParseAll(doc)
			if err != nil {
				return nil, fmt.Errorf("parsing %s: %w", name, err)
			}
			for _, n := range parsed {
				if err := n.PipeE(kyaml.SetAnnotation(sourceAnnotation, name)); err != nil {
					return nil, fmt.Errorf("annotating %s: %w", name, err)
				}
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, nil
}

// splitHooks parts documents into those without and those with a helm.sh/hook
// annotation, each in their order.
func splitHooks(nodes []*kyaml.RNode) (objects, hooks []*kyaml.RNode) {
	for _, n := range nodes {
		if _, hook := n.GetAnnotations(release.HookAnnotation)[release.HookAnnotation]; hook {
			hooks = append(hooks, n)
		} else {
			objects = append(objects, n)
		}
	}
	return objects, hooks
}

func splitBySource(nodes []*kyaml.RNode) (map[string]string, error) {
	bySource := map[string][]*kyaml.RNode{}
	for i, n := range nodes {
		meta, err := n.GetMeta()
		if err != nil {
			return nil, fmt.Errorf("getting metadata: %w", err)
		}
		name := meta.Annotations[sourceAnnotation]
		if name == "" {
			name = fmt.Sprintf("generated-by-postrender-%d.yaml", i)
		}
		if err := n.PipeE(kyaml.ClearAnnotation(sourceAnnotation)); err != nil {
			return nil, fmt.Errorf("clearing source annotation: %w", err)
		}
		bySource[name] = append(bySource[name], n)
	}
	out := make(map[string]string, len(bySource))
	for name, docs := range bySource {
		s, err := kio.StringAll(docs)
		if err != nil {
			return nil, fmt.Errorf("re-writing %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
}
