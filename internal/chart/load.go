package chart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/warn"
)

// MaxChartSize bounds the total size of a chart's files once decompressed.
const MaxChartSize int64 = 100 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ErrNoChartYAML is returned when a directory or archive has no Chart.yaml at its root.
var ErrNoChartYAML = errors.New("Chart.yaml file is missing") //nolint:staticcheck // Helm's wording

// Load loads a chart from a directory or a gzipped tar archive.
func Load(name string) (*Chart, error) { return Limits{}.Load(name) }

// LoadFile loads a chart archive (.tgz) from disk.
func LoadFile(name string) (*Chart, error) { return Limits{}.LoadFile(name) }

// LoadArchive loads a chart from a gzipped tar stream whose members sit under one top folder.
func LoadArchive(r io.Reader) (*Chart, error) { return Limits{}.LoadArchive(r) }

// LoadDir loads a chart from a directory, honouring its .helmignore and following
// symbolic links.
func LoadDir(dir string) (*Chart, error) { return Limits{}.LoadDir(dir) }

// LoadMapped loads a chart as Load does, except that from a directory the files of
// its crds/ folders (and its subcharts') are mapped into memory rather than read:
// commands that render without printing CRDs never touch them. It is for short-lived,
// read-only uses such as template, show and lint: the mappings last as long as the
// process, and a file shortened meanwhile faults when read (set
// runtime/debug.SetPanicOnFault to turn that into a panic).
func LoadMapped(name string) (*Chart, error) { return Limits{}.LoadMapped(name) }

// LoadFS loads a chart whose Chart.yaml sits at the root of fsys.
func LoadFS(fsys fs.FS) (*Chart, error) { return Limits{}.LoadFS(fsys) }

// LoadFiles builds a chart from its files, named relative to the chart root.
func LoadFiles(files []*File) (*Chart, error) { return Limits{}.LoadFiles(files) }

// Load loads a chart from a directory or a gzipped tar archive within the limits.
func (l Limits) Load(name string) (*Chart, error) { return l.load(name, false) }

// LoadMapped is LoadMapped within the limits.
func (l Limits) LoadMapped(name string) (*Chart, error) { return l.load(name, true) }

// LoadFile loads a chart archive (.tgz) from disk within the limits.
func (l Limits) LoadFile(name string) (*Chart, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("file '%s' cannot be read: %w", name, err)
	}
	if !bytes.HasPrefix(head[:n], []byte("\x1f\x8b\x08")) {
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
			return nil, fmt.Errorf("file '%s' seems to be a YAML file, but expected a gzipped archive", name)
		}
		// Helm sniffs a 512-byte buffer, zero-padded past a short file's end.
		return nil, fmt.Errorf("file '%s' does not appear to be a gzipped archive; got '%s'", name, sniffContentType(head))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	c, err := l.LoadArchive(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, checkAPIVersion(c)
}

// LoadArchive loads a chart from a gzipped tar stream within the limits.
func (l Limits) LoadArchive(r io.Reader) (*Chart, error) { return loadArchive(r, l.budget()) }

func loadArchive(r io.Reader, b *budget) (*Chart, error) {
	files, err := readArchive(r, b)
	if err != nil {
		return nil, err
	}
	c, err := loadFiles(files, b)
	if c != nil {
		keepArchiveOrder(c)
	}
	return c, err
}

// keepArchiveOrder marks c and its subcharts as read from an archive: saved
// again, their files keep the archive's order, as Helm writes them.
func keepArchiveOrder(c *Chart) {
	c.archiveOrder = true
	for _, d := range c.dependencies {
		if d != nil {
			keepArchiveOrder(d)
		}
	}
}

// LoadDir loads a chart from a directory within the limits.
func (l Limits) LoadDir(dir string) (*Chart, error) { return l.loadDir(dir, false) }

// LoadFS loads a chart whose Chart.yaml sits at the root of fsys, within the limits.
func (l Limits) LoadFS(fsys fs.FS) (*Chart, error) {
	w := dirWalker{fsys: fsys, budget: l.budget()}
	return w.load()
}

// LoadFiles builds a chart from its files within the limits: the files themselves
// were read already, so only nested subchart archives spend the budget.
func (l Limits) LoadFiles(files []*File) (*Chart, error) { return loadFiles(files, l.budget()) }

func (l Limits) load(name string, mapCRDs bool) (*Chart, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return l.loadDir(name, mapCRDs)
	}
	return l.LoadFile(name)
}

func (l Limits) loadDir(dir string, mapCRDs bool) (*Chart, error) {
	if err := detectChartDir(dir); err != nil {
		return nil, err
	}
	w := dirWalker{fsys: os.DirFS(dir), budget: l.budget()}
	if mapCRDs {
		w.osDir = dir
	}
	c, err := w.load()
	if err != nil {
		return c, err
	}
	return c, checkAPIVersion(c)
}

// detectChartDir checks that dir has a Chart.yaml before anything is read, as
// Helm's loader does, and words the error as Helm's.
func detectChartDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	name := filepath.Join(abs, "Chart.yaml")
	f, err := os.Open(name)
	if err != nil {
		return noChartError{path: name, err: err}
	}
	return f.Close()
}

// noChartError is a chart folder without Chart.yaml; it is ErrNoChartYAML.
type noChartError struct {
	path string
	err  error
}

func (e noChartError) Error() string {
	return fmt.Sprintf("unable to detect chart at %s: %v", e.path, e.err)
}
func (e noChartError) Unwrap() []error { return []error{ErrNoChartYAML, e.err} }

// ErrUnsupportedAPIVersion is returned when a chart's apiVersion is none Rudder knows.
var ErrUnsupportedAPIVersion = errors.New("unsupported chart version")

// checkAPIVersion refuses a top chart whose apiVersion is unknown, as Helm's loader does
// before anything else. Subcharts are not checked: Helm loads them all as v2 charts.
func checkAPIVersion(c *Chart) error {
	switch c.Metadata.APIVersion {
	case APIVersionV1, APIVersionV2, APIVersionV3:
		return nil
	}
	return fmt.Errorf("%w: apiVersion %q", ErrUnsupportedAPIVersion, c.Metadata.APIVersion)
}

func (w *dirWalker) load() (*Chart, error) {
	fsys := w.fsys
	rules := DefaultIgnoreRules()
	if data, err := fs.ReadFile(fsys, IgnoreFile); err == nil {
		if rules, err = ParseIgnore(bytes.NewReader(data)); err != nil {
			return nil, err
		}
		rules.addDefaults()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	w.rules = rules
	if err := w.walk(".", false); err != nil {
		return nil, err
	}
	return loadFiles(w.files, w.budget)
}

type dirWalker struct {
	fsys   fs.FS
	rules  *IgnoreRules
	budget *budget
	files  []*File
	// osDir, when set, is fsys's directory: CRD files there are mapped, not read.
	osDir string
}

// crdFile matches the files of a chart's crds/ folder, or of a subchart's.
var crdFile = regexp.MustCompile(`^(charts/[^/]+/)*crds/`)

// walk visits dir's entries in lexical order, following symbolic links as Helm does;
// linked says a link was followed on the way to dir.
func (w *dirWalker) walk(dir string, linked bool) error {
	if err := checkNesting(dir, 0); err != nil {
		if linked {
			return fmt.Errorf("%w (through a symbolic link: a loop?)", err)
		}
		return err
	}
	entries, err := fs.ReadDir(w.fsys, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		fi, err := fs.Stat(w.fsys, name) // follows symbolic links
		if err != nil {
			return fmt.Errorf("error reading %s: %w", name, err)
		}
		if fi.IsDir() {
			if w.rules.Ignore(name, true) {
				continue
			}
			if err := w.walk(name, linked || e.Type()&fs.ModeSymlink != 0); err != nil {
				return err
			}
			continue
		}
		if w.rules.Ignore(name, false) {
			continue
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("cannot load irregular file %s as it has file mode type bits set", name)
		}
		if fi.Size() > w.budget.left {
			return w.tooLarge(name)
		}
		data, err := w.read(name)
		if err != nil {
			return fmt.Errorf("error reading %s: %w", name, err)
		}
		if !w.budget.take(int64(len(data))) {
			return w.tooLarge(name)
		}
		w.files = append(w.files, &File{Name: name, ModTime: fi.ModTime(), Data: bytes.TrimPrefix(data, utf8BOM)})
	}
	return nil
}

func (w *dirWalker) tooLarge(name string) error {
	return fmt.Errorf("error reading %s: chart exceeds maximum decompressed size of %d bytes: %w", name, w.budget.MaxSize, ErrTooLarge)
}

// read returns a file's content, mapped when it is a CRD file under osDir.
func (w *dirWalker) read(name string) ([]byte, error) {
	if w.osDir != "" && crdFile.MatchString(name) {
		if data, err := mapFile(filepath.Join(w.osDir, filepath.FromSlash(name))); err == nil {
			return data, nil
		}
	}
	return fs.ReadFile(w.fsys, name)
}

// loadFiles builds a chart from its files, named relative to the chart root; nested
// subchart archives spend b.
func loadFiles(files []*File, b *budget) (*Chart, error) {
	c := &Chart{}
	for _, f := range files {
		if err := checkNesting(path.Dir(f.Name), b.depth); err != nil {
			return c, err
		}
		c.Raw = append(c.Raw, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
		if f.Name == "Chart.yaml" {
			c.Metadata = &Metadata{}
			if err := yaml.Unmarshal(f.Data, c.Metadata); err != nil {
				return c, fmt.Errorf("cannot load Chart.yaml: %w", err)
			}
			if c.Metadata.APIVersion == "" {
				c.Metadata.APIVersion = APIVersionV1
			}
			c.ModTime = f.ModTime
		}
	}

	subcharts := map[string][]*File{}
	for _, f := range files {
		switch {
		case f.Name == "Chart.yaml":
		case f.Name == "Chart.lock":
			c.Lock = &Lock{}
			if err := yaml.Unmarshal(f.Data, c.Lock); err != nil {
				return c, fmt.Errorf("cannot load Chart.lock: %w", err)
			}
		case f.Name == "values.yaml":
			vals, err := ParseValues(f.Data)
			if err != nil {
				return c, fmt.Errorf("cannot load values.yaml: %w", err)
			}
			c.Values = vals
		case f.Name == "values.schema.json":
			c.Schema = f.Data
			c.SchemaModTime = f.ModTime
		case f.Name == "requirements.yaml":
			if c.Metadata == nil {
				c.Metadata = &Metadata{}
			}
			if c.Metadata.APIVersion != APIVersionV1 {
				c.LoadWarnings = append(c.LoadWarnings, legacyRequirements)
			}
			if err := yaml.Unmarshal(f.Data, c.Metadata); err != nil {
				return c, fmt.Errorf("cannot load requirements.yaml: %w", err)
			}
			if c.Metadata.APIVersion == APIVersionV1 {
				c.Files = append(c.Files, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
			}
		case f.Name == "requirements.lock":
			c.Lock = &Lock{}
			if err := yaml.Unmarshal(f.Data, c.Lock); err != nil {
				return c, fmt.Errorf("cannot load requirements.lock: %w", err)
			}
			if c.Metadata == nil {
				c.Metadata = &Metadata{}
			}
			if c.Metadata.APIVersion != APIVersionV1 {
				c.LoadWarnings = append(c.LoadWarnings, legacyRequirementsLock)
			}
			if c.Metadata.APIVersion == APIVersionV1 {
				c.Files = append(c.Files, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
			}
		case strings.HasPrefix(f.Name, "templates/"):
			c.Templates = append(c.Templates, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
		case strings.HasPrefix(f.Name, "charts/"):
			if path.Ext(f.Name) == ".prov" {
				c.Files = append(c.Files, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
				continue
			}
			rest := strings.TrimPrefix(f.Name, "charts/")
			sub, _, _ := strings.Cut(rest, "/")
			subcharts[sub] = append(subcharts[sub], &File{Name: rest, ModTime: f.ModTime, Data: f.Data})
		default:
			c.Files = append(c.Files, &File{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
		}
	}

	if c.Metadata == nil {
		return c, ErrNoChartYAML
	}
	if err := c.Validate(); err != nil {
		return c, err
	}

	// Helm visits subcharts in map order; Rudder sorts them so loading is deterministic.
	for _, name := range slices.Sorted(maps.Keys(subcharts)) {
		if strings.IndexAny(name, "_.") == 0 {
			continue
		}
		sub, err := loadSubchart(name, subcharts[name], b)
		if err != nil {
			return c, fmt.Errorf("error unpacking subchart %s in %s: %w", name, c.Name(), err)
		}
		c.LoadWarnings = append(c.LoadWarnings, sub.LoadWarnings...)
		c.AddDependency(sub)
	}
	return c, nil
}

// The warnings for Helm 2's dependency files in a chart of a later API version.
// Helm logs them through Go's standard logger, which its slog set-up turns into
// info-level lines; these are its messages.
var (
	legacyRequirements     = warn.Info(`Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml.`)
	legacyRequirementsLock = warn.Info(`Warning: Dependency locking is handled in Chart.lock since apiVersion "v2". We recommend migrating to Chart.lock.`)
)

func loadSubchart(name string, files []*File, b *budget) (*Chart, error) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > MaxChartNesting { // an archive: the names within it start again
		return nil, fmt.Errorf("charts nested more than %d deep", MaxChartNesting)
	}
	if path.Ext(name) == ".tgz" {
		if files[0].Name != name {
			return nil, fmt.Errorf("expected %s, got %s", name, files[0].Name)
		}
		return loadArchive(bytes.NewReader(files[0].Data), b)
	}
	inner := make([]*File, 0, len(files))
	for _, f := range files {
		_, rest, ok := strings.Cut(f.Name, "/")
		if !ok {
			continue
		}
		inner = append(inner, &File{Name: rest, ModTime: f.ModTime, Data: f.Data})
	}
	return loadFiles(inner, b)
}

// ParseValues reads a values file: YAML, possibly several documents, merged in order.
func ParseValues(data []byte) (map[string]any, error) {
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data[:len(data):len(data)], '\n')
	}
	vals := map[string]any{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return vals, nil
		}
		if err != nil {
			return nil, fmt.Errorf("error reading yaml document: %w", err)
		}
		cur, err := unmarshalValues(doc)
		if err != nil {
			return nil, fmt.Errorf("cannot unmarshal yaml document: %w", err)
		}
		vals = MergeValues(vals, cur)
	}
}

// MergeValues returns a new map with b over a: where both hold a map the two
// are merged recursively, otherwise b's value wins (null included). Inputs are
// not modified, though unmerged nested maps are shared.
func MergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	maps.Copy(out, a)
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = MergeValues(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// sniffContentType names what a file that is not a gzip archive looks like, in the
// words of HTTP content sniffing for the common cases: empty, text or binary.
func sniffContentType(head []byte) string {
	if len(head) == 0 {
		return "text/plain; charset=utf-8"
	}
	for _, b := range head {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b {
			return "application/octet-stream"
		}
	}
	return "text/plain; charset=utf-8"
}
