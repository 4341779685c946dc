package manifest

import (
	"fmt"
	"log/slog"
	"maps"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/warn"
)

// Head is the part of a Kubernetes object the sorter reads.
type Head struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind,omitempty"`
	Metadata   *HeadMetadata `json:"metadata,omitempty"`
}

// HeadMetadata is the part of an object's metadata the sorter reads.
type HeadMetadata struct {
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// Manifest is one rendered object that is not a hook.
type Manifest struct {
	// Name is the template it came from (mychart/templates/deployment.yaml).
	Name    string
	Content string
	Head    *Head
	// Plain is the head as yaml.v2 reads it, when the document has one (see
	// PlainHead); nil otherwise.
	Plain *PlainHead
}

// Sort splits rendered templates (path to output) into hooks and manifests, each
// sorted by kind in the given order; documents of one kind keep their template order.
// Partials (base name starting with "_") and blank outputs are skipped. A document that
// is not valid YAML fails the sort with the template's name. A hook annotated with an
// event Helm does not know is left out, with a warning in Helm's words.
func Sort(files map[string]string, order KindOrder) ([]*release.Hook, []Manifest, []warn.Warning, error) {
	type doc struct {
		source, content string
		head            Head
		plain           *PlainHead
		err             error
	}
	var docs []*doc
	for _, name := range slices.Sorted(maps.Keys(files)) {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		for _, d := range Split(content) {
			docs = append(docs, &doc{source: name, content: d})
		}
	}
	// Parsing is most of the cost for big charts; documents are independent. One
	// goroutine per core takes them in turn: a goroutine per document would grow
	// a fresh stack to the parser's depth each time.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(docs)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(docs); i = int(next.Add(1)) - 1 {
				d := docs[i]
				d.plain, d.err = decodeHeads(d.content, &d.head)
			}
		})
	}
	wg.Wait()

	var hooks []*release.Hook
	var manifests []Manifest
	var warnings []warn.Warning
	for _, d := range docs {
		if d.err != nil {
			return hooks, manifests, warnings, fmt.Errorf("YAML parse error on %s: %w", d.source, d.err)
		}
		if d.head.Metadata == nil || !hasKey(d.head.Metadata.Annotations, release.HookAnnotation) {
			manifests = append(manifests, Manifest{Name: d.source, Content: d.content, Head: &d.head, Plain: d.plain})
			continue
		}
		events := d.head.Metadata.Annotations[release.HookAnnotation]
		h, ok := newHook(d.source, d.content, &d.head, events)
		if !ok {
			warnings = append(warnings, warn.Info("skipping unknown hooks", slog.String("hookTypes", events)))
			continue
		}
		hooks = append(hooks, h)
	}
	slices.SortStableFunc(hooks, func(a, b *release.Hook) int { return order.Compare(a.Kind, b.Kind) })
	slices.SortStableFunc(manifests, func(a, b Manifest) int { return order.Compare(a.Head.Kind, b.Head.Kind) })
	return hooks, manifests, warnings, nil
}

func newHook(path, doc string, head *Head, events string) (*release.Hook, bool) {
	ann := head.Metadata.Annotations
	weight, err := strconv.Atoi(ann[release.HookWeightAnnotation])
	if err != nil {
		weight = 0
	}
	h := &release.Hook{
		Name:              head.Metadata.Name,
		Kind:              head.Kind,
		Path:              path,
		Manifest:          doc,
		Events:            []release.HookEvent{},
		Weight:            weight,
		DeletePolicies:    []release.HookDeletePolicy{},
		OutputLogPolicies: []release.HookOutputLogPolicy{},
	}
	for _, e := range strings.Split(events, ",") {
		ev, ok := release.ParseHookEvent(strings.ToLower(strings.TrimSpace(e)))
		if !ok {
			return nil, false
		}
		h.Events = append(h.Events, ev)
	}
	for _, p := range annotationList(ann, release.HookDeleteAnnotation) {
		h.DeletePolicies = append(h.DeletePolicies, release.HookDeletePolicy(p))
	}
	for _, p := range annotationList(ann, release.HookOutputLogAnnotation) {
		h.OutputLogPolicies = append(h.OutputLogPolicies, release.HookOutputLogPolicy(p))
	}
	return h, true
}

func annotationList(ann map[string]string, key string) []string {
	v, ok := ann[key]
	if !ok {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		out = append(out, strings.ToLower(strings.TrimSpace(p)))
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
