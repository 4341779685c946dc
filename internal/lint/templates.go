package lint

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/values"
	"github.com/rudderpm/rudder/internal/warn"
)

const templatesDir = "templates/"

// lintReleaseName is .Release.Name while linting.
const lintReleaseName = "test-release"

// object is the part of a rendered Kubernetes object the template rules look at.
// Other fields are ignored, but a document that is not YAML still fails to decode.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string
	Metadata   objectMeta
}

type objectMeta struct {
	Namespace string
	Name      string
}

// templates renders the chart in lint mode and checks each of the top chart's
// templates and every object they produce.
func (l *linter) templates(ctx context.Context, o Options) {
	fi, err := l.stat(strings.TrimSuffix(templatesDir, "/"))
	if errors.Is(err, fs.ErrNotExist) {
		l.check(Warning, templatesDir, errors.New("directory does not exist"))
		return
	}
	if err == nil && !fi.IsDir() {
		err = errors.New("not a directory")
	}
	if !l.check(Error, templatesDir, err) {
		return
	}

	ch, err := l.load()
	if !l.check(Error, templatesDir, err) {
		return
	}

	caps := engine.DefaultCapabilities()
	if o.KubeVersion != nil {
		caps.KubeVersion = *o.KubeVersion
	}
	// Like Helm, lint says nothing when dependencies or values cannot be processed.
	ws, err := values.ProcessDependencies(ch, o.Values)
	l.warn(ws...)
	if err != nil {
		return
	}
	vals, ws, err := values.Coalesce(ch, o.Values)
	l.warn(ws...)
	if err != nil {
		return
	}
	// Helm's lint coalesces a second time, with the coalesced values as user values:
	// defaults that a user's null removed come back. Do the same, for the same results.
	vals, ws, err = values.Coalesce(ch, vals)
	l.warn(ws...)
	if err != nil {
		return
	}
	if !o.SkipSchemaValidation {
		if err := values.ValidateAgainstSchema(ch, vals); err != nil {
			l.check(Error, templatesDir, fmt.Errorf("%s\n%w", values.SchemaErrorPrefix, err))
			return
		}
	}
	top := engine.RenderValues(ch, vals, engine.Release{Name: lintReleaseName, Namespace: o.Namespace}, caps)
	rendered, err := engine.Engine{LintMode: true, Warn: func(w warn.Warning) { l.warn(w) }, MaxRenderSize: o.MaxRenderSize}.Render(ctx, ch, top)
	if !l.check(Error, templatesDir, err) {
		return
	}

	for _, tpl := range ch.Templates {
		name := tpl.Name
		l.check(Error, name, checkExtension(name))
		if !isYAMLFile(name) {
			continue
		}
		content := rendered[path.Join(ch.Name(), name)]
		if strings.TrimSpace(content) == "" {
			continue
		}
		l.check(Warning, name, checkTopIndent(content))

		dec := k8syaml.NewYAMLOrJSONDecoder(strings.NewReader(content), 4096)
		for {
			var obj *object
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			// A file that is not YAML fails every later check too: stop at the first.
			if !l.check(Error, name, yamlError(err)) {
				return
			}
			if obj == nil {
				continue
			}
			// Only warnings: charts may target clusters older or newer than ours.
			l.check(Warning, name, checkObjectName(obj))
			l.check(Warning, name, checkDeprecation(obj, caps.KubeVersion))
			l.check(Error, name, checkSelector(obj, content))
			l.check(Error, name, checkListAnnotations(obj, content))
		}
	}
	l.sequencing(ch, rendered)
}

// sequencing checks the order --wait=ordered would follow (HIP-0025): cycles,
// unknown groups and subcharts, malformed annotations and readiness
// expressions, and a readiness expression given without its pair.
func (l *linter) sequencing(ch *chart.Chart, rendered map[string]string) {
	files := make(map[string]string, len(rendered))
	for name, content := range rendered {
		if path.Base(name) != "NOTES.txt" {
			files[name] = content
		}
	}
	_, ms, _, err := manifest.Sort(files, manifest.InstallOrder)
	if err != nil {
		return // the YAML rules above say what is wrong
	}
	_, ws, err := action.Sequence(ch, ms)
	l.check(Error, templatesDir, err)
	for _, w := range ws {
		l.check(Error, templatesDir, errors.New(w.Msg))
	}
}

var allowedExtensions = []string{".yaml", ".yml", ".tpl", ".txt"}

func checkExtension(name string) error {
	ext := path.Ext(name)
	if slices.Contains(allowedExtensions, ext) {
		return nil
	}
	return fmt.Errorf("file extension '%s' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt", ext)
}

func isYAMLFile(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// checkTopIndent reports a document whose first non-blank line is indented, usually a
// template that emits stray white space; YAML parsers disagree about such documents.
func checkTopIndent(content string) error {
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			return fmt.Errorf("document starts with an illegal indent: %q, which may cause parsing problems", line)
		}
		return nil
	}
	return sc.Err()
}

func yamlError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("unable to parse YAML: %w", withHelmTypes(err))
}

// checkSelector requires workload controllers to carry a label selector.
func checkSelector(obj *object, content string) error {
	switch obj.Kind {
	case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet":
		if !strings.Contains(content, "matchLabels") && !strings.Contains(content, "matchExpressions") {
			return fmt.Errorf("a %s must contain matchLabels or matchExpressions, and %q does not", obj.Kind, obj.Metadata.Name)
		}
	}
	return nil
}

// checkListAnnotations reports resource policies on the items of a List, which Helm
// never reads.
func checkListAnnotations(obj *object, content string) error {
	if obj.Kind != "List" {
		return nil
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Annotations map[string]string
			}
		}
	}
	if err := yaml.Unmarshal([]byte(content), &list); err != nil {
		return fmt.Errorf("unable to parse YAML: %w", err)
	}
	for _, item := range list.Items {
		if _, ok := item.Metadata.Annotations["helm.sh/resource-policy"]; ok {
			return errors.New("annotation 'helm.sh/resource-policy' within List objects are ignored")
		}
	}
	return nil
}
