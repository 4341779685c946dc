package storage

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/release"
)

// The fixtures in testdata/helm are release records that Helm 4.3.1 wrote
// (testdata/generate.sh), one story per driver: install keel with labels,
// helm test, upgrade with another label and client-side apply, roll back to
// revision 1, uninstall keeping history; and install keel-broken, which fails.

// helmFixture is one record Helm wrote and what it must decode to.
type helmFixture struct {
	name        string
	version     int
	status      release.Status
	description string // a prefix of it
	applyMethod release.ApplyMethod
	config      map[string]any
	labels      map[string]string
	rollback    int
	deleted     bool
	greeting    string
	// hookPhases is the phase of each hook's last run, "" for never run.
	hookPhases map[string]release.HookPhase
}

var helmFixtures = []helmFixture{{
	name: "keel", version: 1, status: release.StatusSuperseded, description: "Install complete",
	applyMethod: release.ApplyMethodServerSide,
	config:      map[string]any{"greeting": "hi"}, greeting: "hi",
	labels:     map[string]string{"team": "storage", "tier": "gold"},
	hookPhases: map[string]release.HookPhase{"keel-keel-hook": "Succeeded", "keel-keel-test": "Succeeded"},
}, {
	name: "keel", version: 2, status: release.StatusSuperseded, description: "Upgrade complete",
	applyMethod: release.ApplyMethodClientSide,
	config:      map[string]any{"greeting": "hello"}, greeting: "hello",
	labels:     map[string]string{"team": "storage", "tier": "silver"},
	hookPhases: map[string]release.HookPhase{"keel-keel-hook": "Succeeded", "keel-keel-test": ""},
}, {
	name: "keel", version: 3, status: release.StatusUninstalled, description: "Uninstallation complete",
	applyMethod: release.ApplyMethodServerSide, rollback: 1, deleted: true,
	config: map[string]any{"greeting": "hi"}, greeting: "hi",
	labels: map[string]string{"team": "storage", "tier": "gold"},
	// A rollback copies the hooks of the revision it goes back to, test runs included.
	hookPhases: map[string]release.HookPhase{"keel-keel-hook": "Succeeded", "keel-keel-test": "Succeeded"},
}, {
	name: "keel-broken", version: 1, status: release.StatusFailed, description: `Release "keel-broken" failed: `,
	applyMethod: release.ApplyMethodServerSide,
	config:      map[string]any{"extraName": "Not_A_Name"}, greeting: "ahoy",
	hookPhases: map[string]release.HookPhase{"keel-broken-keel-hook": "", "keel-broken-keel-test": ""},
}}

// helmRecord is a fixture as read from its file.
type helmRecord struct {
	path    string
	kind    string
	secret  *corev1.Secret
	cm      *corev1.ConfigMap
	labels  map[string]string
	payload []byte
}

func readHelmRecord(t *testing.T, driver string, f helmFixture) helmRecord {
	t.Helper()
	path := filepath.Join("testdata", "helm", driver, Key(f.name, f.version)+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := helmRecord{path: path}
	switch driver {
	case "secret":
		r.kind, r.secret = "Secret", &corev1.Secret{}
		if err := yaml.UnmarshalStrict(data, r.secret); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r.labels, r.payload = r.secret.Labels, r.secret.Data[payloadKey]
		if r.secret.Name != Key(f.name, f.version) {
			t.Errorf("%s: Secret named %s", path, r.secret.Name)
		}
	case "configmap":
		r.kind, r.cm = "ConfigMap", &corev1.ConfigMap{}
		if err := yaml.UnmarshalStrict(data, r.cm); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r.labels, r.payload = r.cm.Labels, []byte(r.cm.Data[payloadKey])
	}
	return r
}

func (r helmRecord) object() *kubeObject {
	if r.secret != nil {
		obj := fromSecret(r.secret)
		return &obj
	}
	obj := fromConfigMap(r.cm)
	return &obj
}

func TestHelmFixturesDecode(t *testing.T) {
	for _, driver := range []string{"secret", "configmap"} {
		for _, f := range helmFixtures {
			t.Run(driver+"/"+Key(f.name, f.version), func(t *testing.T) {
				r := readHelmRecord(t, driver, f)
				d := &kubeDriver{api: kubeAPIOf(r.kind)}
				rel, err := d.decode(t.Context(), r.object())
				if err != nil {
					t.Fatal(err)
				}
				checkFixtureRelease(t, driver, f, rel)
				checkFixtureLabels(t, f, r.labels)
			})
		}
	}
}

func kubeAPIOf(kind string) kubeAPI {
	if kind == "Secret" {
		return secretAPI{}
	}
	return configMapAPI{}
}

func checkFixtureRelease(t *testing.T, driver string, f helmFixture, rel *release.Release) {
	t.Helper()
	if rel.Name != f.name || rel.Version != f.version || rel.Namespace != "fixtures-"+driver {
		t.Errorf("release %s/%s v%d, want fixtures-%s/%s v%d", rel.Namespace, rel.Name, rel.Version, driver, f.name, f.version)
	}
	if !maps.Equal(rel.Labels, f.labels) {
		t.Errorf("user labels %v, want %v", rel.Labels, f.labels)
	}
	if rel.ApplyMethod != string(f.applyMethod) {
		t.Errorf("apply_method %q, want %q", rel.ApplyMethod, f.applyMethod)
	}
	if !reflect.DeepEqual(rel.Config, f.config) {
		t.Errorf("config %v, want %v", rel.Config, f.config)
	}

	info := rel.Info
	if info.Status != f.status || !strings.HasPrefix(info.Description, f.description) {
		t.Errorf("info: %s %q, want %s %q...", info.Status, info.Description, f.status, f.description)
	}
	if info.RollbackRevision != f.rollback {
		t.Errorf("rollback_revision %d, want %d", info.RollbackRevision, f.rollback)
	}
	if info.FirstDeployed.IsZero() || info.LastDeployed.Before(info.FirstDeployed) {
		t.Errorf("deployed first %v, last %v", info.FirstDeployed, info.LastDeployed)
	}
	if f.version == 1 && !info.LastDeployed.Equal(info.FirstDeployed) {
		t.Errorf("revision 1 deployed first %v and last %v", info.FirstDeployed, info.LastDeployed)
	}
	if info.FirstDeployed.Location() != time.UTC || info.FirstDeployed.Nanosecond() == 0 {
		t.Errorf("first_deployed %v: want UTC with nanoseconds, as Helm writes", info.FirstDeployed)
	}
	if got := !info.Deleted.IsZero(); got != f.deleted {
		t.Errorf("deleted %v, want set=%v", info.Deleted, f.deleted)
	}
	wantNotes := f.name + " says " + f.greeting + " at revision "
	if !strings.HasPrefix(info.Notes, wantNotes) {
		t.Errorf("notes %q, want %q...", info.Notes, wantNotes)
	}

	for _, want := range []string{
		"# Source: keel/templates/configmap.yaml\n", "name: " + f.name + "-keel\n",
		"greeting: " + strconv.Quote(f.greeting) + "\n", "# Source: keel/charts/hull/templates/configmap.yaml\n",
	} {
		if !strings.Contains(rel.Manifest, want) {
			t.Errorf("manifest lacks %q:\n%s", want, rel.Manifest)
		}
	}
	if strings.Contains(rel.Manifest, "helm.sh/hook") {
		t.Error("manifest holds a hook")
	}

	phases := map[string]release.HookPhase{}
	for _, h := range rel.Hooks {
		phases[h.Name] = h.LastRun.Phase
		if (h.LastRun.Phase == "") != h.LastRun.StartedAt.IsZero() || h.LastRun.StartedAt.After(h.LastRun.CompletedAt) && !h.LastRun.CompletedAt.IsZero() {
			t.Errorf("hook %s last run %+v", h.Name, h.LastRun)
		}
		switch h.Kind {
		case "ConfigMap":
			if h.Path != "keel/templates/hook.yaml" || h.Weight != 5 ||
				!slices.Equal(h.Events, []release.HookEvent{release.HookPostInstall, release.HookPostUpgrade, release.HookPostRollback}) ||
				!slices.Equal(h.DeletePolicies, []release.HookDeletePolicy{release.HookBeforeHookCreation}) ||
				!strings.Contains(h.Manifest, "name: "+f.name+"-keel-hook") {
				t.Errorf("hook %s: %+v", h.Name, h)
			}
		case "Pod":
			if h.Path != "keel/templates/tests/test-greeting.yaml" || h.Weight != 0 ||
				!slices.Equal(h.Events, []release.HookEvent{release.HookTest}) ||
				!slices.Equal(h.DeletePolicies, []release.HookDeletePolicy{release.HookSucceeded, release.HookFailed}) ||
				!slices.Equal(h.OutputLogPolicies, []release.HookOutputLogPolicy{release.HookOutputOnFailed}) {
				t.Errorf("hook %s: %+v", h.Name, h)
			}
		default:
			t.Errorf("hook %s of kind %s", h.Name, h.Kind)
		}
	}
	if !maps.Equal(phases, f.hookPhases) {
		t.Errorf("hook phases %v, want %v", phases, f.hookPhases)
	}

	c := rel.Chart
	if c == nil || c.Metadata == nil {
		t.Fatal("no chart")
	}
	md := c.Metadata
	if md.Name != "keel" || md.Version != "0.1.0" || md.AppVersion != "1.16.0" || md.APIVersion != "v2" ||
		md.Type != "application" || md.KubeVersion != ">=1.20.0-0" || md.Home != "https://example.com/keel" ||
		!slices.Equal(md.Keywords, []string{"fixture", "storage"}) || md.Annotations["example.com/purpose"] != "fixtures" ||
		len(md.Maintainers) != 1 || md.Maintainers[0].Email != "rudder@example.com" {
		t.Errorf("chart metadata %+v", md)
	}
	if len(md.Dependencies) != 1 || md.Dependencies[0].Name != "hull" || md.Dependencies[0].Repository != "file://../hull" ||
		md.Dependencies[0].Condition != "hull.enabled" || !md.Dependencies[0].Enabled {
		t.Errorf("chart dependencies %+v", md.Dependencies)
	}
	if c.Lock == nil || c.Lock.Generated.IsZero() || !strings.HasPrefix(c.Lock.Digest, "sha256:") ||
		len(c.Lock.Dependencies) != 1 || c.Lock.Dependencies[0].Version != "0.2.0" {
		t.Errorf("chart lock %+v", c.Lock)
	}
	var templates []string
	for _, f := range c.Templates {
		templates = append(templates, f.Name)
		if len(f.Data) == 0 || f.ModTime.IsZero() {
			t.Errorf("template %s: %d bytes, modtime %v", f.Name, len(f.Data), f.ModTime)
		}
	}
	if want := []string{"templates/NOTES.txt", "templates/_helpers.tpl", "templates/configmap.yaml",
		"templates/extra.yaml", "templates/hook.yaml", "templates/tests/test-greeting.yaml"}; !slices.Equal(templates, want) {
		t.Errorf("templates %v, want %v", templates, want)
	}
	var files []string
	for _, f := range c.Files {
		files = append(files, f.Name)
	}
	if want := []string{"README.md", "files/motd.txt"}; !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	var schema map[string]any
	if err := json.Unmarshal(c.Schema, &schema); err != nil || schema["type"] != "object" || c.SchemaModTime.IsZero() {
		t.Errorf("schema %q (%v), modtime %v", c.Schema, err, c.SchemaModTime)
	}
	if c.Values["greeting"] != "ahoy" || c.ModTime.IsZero() {
		t.Errorf("chart values %v, modtime %v", c.Values, c.ModTime)
	}
}

func checkFixtureLabels(t *testing.T, f helmFixture, lbs map[string]string) {
	t.Helper()
	want := maps.Clone(f.labels)
	if want == nil {
		want = map[string]string{}
	}
	want["name"], want["owner"], want["status"], want["version"] = f.name, "helm", string(f.status), strconv.Itoa(f.version)
	want["modifiedAt"] = lbs["modifiedAt"]
	if _, err := strconv.ParseInt(lbs["modifiedAt"], 10, 64); err != nil {
		t.Errorf("modifiedAt %q: %v", lbs["modifiedAt"], err)
	}
	// Helm sets createdAt when it creates a record and drops it when it next
	// updates the record, which it always does; so its records lack it.
	if !maps.Equal(lbs, want) {
		t.Errorf("object labels %v, want %v", lbs, want)
	}
}

// TestHelmFixturesRoundTrip checks that Rudder encodes what it decoded from
// Helm's records to the very same bytes: the JSON, and the gzipped, base64
// payload.
func TestHelmFixturesRoundTrip(t *testing.T) {
	for _, driver := range []string{"secret", "configmap"} {
		for _, f := range helmFixtures {
			t.Run(driver+"/"+Key(f.name, f.version), func(t *testing.T) {
				r := readHelmRecord(t, driver, f)
				helmJSON, err := decodePayload(r.payload)
				if err != nil {
					t.Fatal(err)
				}
				rel, err := decodeRelease(r.payload)
				if err != nil {
					t.Fatal(err)
				}
				rudderJSON, err := json.Marshal(rel)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rudderJSON, helmJSON) {
					t.Errorf("re-encoded JSON differs from Helm's: %s", jsonDiff(helmJSON, rudderJSON))
				}
				payload, err := encodeRelease(rel)
				if err != nil {
					t.Fatal(err)
				}
				if payload != string(r.payload) {
					t.Errorf("re-encoded payload (%d bytes) differs from Helm's (%d bytes)", len(payload), len(r.payload))
				}
			})
		}
	}
}

// jsonDiff says where two JSON documents part: the first differing byte, and
// whether they are equal as values (so the difference is only order or form).
func jsonDiff(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	var a, b any
	_ = json.Unmarshal(want, &a)
	_ = json.Unmarshal(got, &b)
	from := max(0, i-60)
	return "equal as values: " + strconv.FormatBool(reflect.DeepEqual(a, b)) +
		"; from byte " + strconv.Itoa(i) + "\nhelm:   " + string(want[from:min(len(want), i+60)]) +
		"\nrudder: " + string(got[from:min(len(got), i+60)])
}

// TestRudderWritesHelmRecords makes the record Rudder writes for each release
// that Helm wrote, at the same time, and checks it is Helm's object: the same
// name, type, labels and data, byte for byte.
func TestRudderWritesHelmRecords(t *testing.T) {
	for _, driver := range []string{"secret", "configmap"} {
		for _, f := range helmFixtures {
			t.Run(driver+"/"+Key(f.name, f.version), func(t *testing.T) {
				r := readHelmRecord(t, driver, f)
				helmObj := r.object()
				rel, err := (&kubeDriver{api: kubeAPIOf(r.kind)}).decode(t.Context(), helmObj)
				if err != nil {
					t.Fatal(err)
				}
				modified, err := strconv.ParseInt(r.labels["modifiedAt"], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				// Helm's last write of the record was an update, at modifiedAt.
				d := &kubeDriver{api: kubeAPIOf(r.kind), namespace: helmObj.meta.Namespace,
					opts: DriverOptions{Now: func() time.Time { return time.Unix(modified, 0) }}}
				rec, err := d.encode(d.namespace, rel, recordLabels(rel, d.opts.now(), true))
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.chunks) > 0 || rec.head.meta.Annotations != nil {
					t.Errorf("a small record was chunked: %d chunks, annotations %v", len(rec.chunks), rec.head.meta.Annotations)
				}
				obj := rec.head
				if obj.meta.Name != helmObj.meta.Name || obj.meta.Namespace != helmObj.meta.Namespace {
					t.Errorf("object %s/%s, Helm's %s/%s", obj.meta.Namespace, obj.meta.Name, helmObj.meta.Namespace, helmObj.meta.Name)
				}
				if !maps.Equal(obj.meta.Labels, helmObj.meta.Labels) {
					t.Errorf("labels %v, Helm's %v", obj.meta.Labels, helmObj.meta.Labels)
				}
				switch driver {
				case "secret":
					s := toSecret(obj)
					if s.Type != r.secret.Type || s.Type != "helm.sh/release.v1" {
						t.Errorf("Secret type %q, Helm's %q", s.Type, r.secret.Type)
					}
					if !reflect.DeepEqual(s.Data, r.secret.Data) || s.StringData != nil || s.Immutable != nil {
						t.Error("Secret data differs from Helm's")
					}
				case "configmap":
					cm := toConfigMap(obj)
					if !reflect.DeepEqual(cm.Data, r.cm.Data) || cm.BinaryData != nil || cm.Immutable != nil {
						t.Error("ConfigMap data differs from Helm's")
					}
				}
				if len(obj.meta.Annotations) != 0 || len(obj.meta.OwnerReferences) != 0 || len(obj.meta.Finalizers) != 0 {
					t.Errorf("metadata Helm does not write: %+v", obj.meta)
				}
			})
		}
	}
}
