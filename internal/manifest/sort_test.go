package manifest

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/rudderpm/rudder/internal/release"
)

func obj(kind, name string, annotations ...string) string {
	s := "apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n"
	if len(annotations) > 0 {
		s += "  annotations:\n"
		for i := 0; i+1 < len(annotations); i += 2 {
			s += "    " + annotations[i] + ": " + annotations[i+1] + "\n"
		}
	}
	return s
}

func TestSortKindOrder(t *testing.T) {
	files := map[string]string{
		"c/templates/b.yaml": obj("Deployment", "dep") + "---\n" + obj("Zebra", "z") + "---\n" + obj("Service", "svc"),
		"c/templates/a.yaml": obj("Aardvark", "a") + "---\n" + obj("Namespace", "ns") + "---\n" + obj("ConfigMap", "cm1"),
		"c/templates/c.yaml": obj("ConfigMap", "cm2") + "---\n" + obj("ValidatingWebhookConfiguration", "vwc"),
		"c/templates/_p.tpl": obj("Secret", "in-a-partial"),
		"c/templates/e.yaml": "\n  \n",
	}
	_, manifests, _, err := Sort(files, InstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range manifests {
		got = append(got, m.Head.Kind+"/"+m.Head.Metadata.Name)
	}
	// Known kinds in install order, same kinds in template order (path, then position),
	// unknown kinds last and alphabetically; partials and blank output are skipped.
	want := []string{"Namespace/ns", "ConfigMap/cm1", "ConfigMap/cm2", "Service/svc", "Deployment/dep",
		"ValidatingWebhookConfiguration/vwc", "Aardvark/a", "Zebra/z"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %q\nwant  %q", got, want)
	}

	_, manifests, _, err = Sort(files, UninstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	if first := manifests[0].Head.Kind; first != "ValidatingWebhookConfiguration" {
		t.Errorf("uninstall order starts with %s", first)
	}
}

func TestSortHooks(t *testing.T) {
	files := map[string]string{
		"c/templates/hooks.yaml": strings.Join([]string{
			obj("Job", "pre", "helm.sh/hook", "pre-install,pre-upgrade", "helm.sh/hook-weight", `"5"`, "helm.sh/hook-delete-policy", "hook-succeeded, Before-Hook-Creation"),
			obj("ConfigMap", "post", "helm.sh/hook", "post-install", "helm.sh/hook-weight", `"-3"`),
			obj("ConfigMap", "badweight", "helm.sh/hook", "post-upgrade", "helm.sh/hook-weight", "heavy"),
			obj("Pod", "test", "helm.sh/hook", "test-success"),
			obj("Pod", "spaced", "helm.sh/hook", `" PRE-DELETE , post-delete "`),
			obj("ConfigMap", "unknown", "helm.sh/hook", "bogus"),
			obj("ConfigMap", "mixed", "helm.sh/hook", "pre-install,bogus"),
			obj("ConfigMap", "not-a-hook", "other", "x"),
		}, "---\n"),
	}
	hooks, manifests, warnings, err := Sort(files, InstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	// Each skipped document is reported with its annotation as written, as Helm logs it.
	var notes []string
	for _, w := range warnings {
		notes = append(notes, w.Level.String()+" "+w.String())
	}
	if want := []string{"INFO skipping unknown hooks hookTypes=bogus", "INFO skipping unknown hooks hookTypes=pre-install,bogus"}; !reflect.DeepEqual(notes, want) {
		t.Errorf("warnings = %q, want %q", notes, want)
	}
	if len(manifests) != 1 || manifests[0].Head.Metadata.Name != "not-a-hook" {
		t.Errorf("manifests = %v, want only not-a-hook", manifests)
	}
	type hookSummary struct {
		Kind, Name string
		Events     []release.HookEvent
		Weight     int
		Delete     []release.HookDeletePolicy
	}
	var got []hookSummary
	for _, h := range hooks {
		if h.Path != "c/templates/hooks.yaml" || !strings.Contains(h.Manifest, "name: "+h.Name) {
			t.Errorf("hook %s: path %q, manifest %q", h.Name, h.Path, h.Manifest)
		}
		got = append(got, hookSummary{h.Kind, h.Name, h.Events, h.Weight, h.DeletePolicies})
	}
	// Unknown hook events make the whole document skipped; hooks are sorted by kind.
	want := []hookSummary{
		{"ConfigMap", "post", []release.HookEvent{release.HookPostInstall}, -3, []release.HookDeletePolicy{}},
		{"ConfigMap", "badweight", []release.HookEvent{release.HookPostUpgrade}, 0, []release.HookDeletePolicy{}},
		{"Pod", "test", []release.HookEvent{release.HookTest}, 0, []release.HookDeletePolicy{}},
		{"Pod", "spaced", []release.HookEvent{release.HookPreDelete, release.HookPostDelete}, 0, []release.HookDeletePolicy{}},
		{"Job", "pre", []release.HookEvent{release.HookPreInstall, release.HookPreUpgrade}, 5, []release.HookDeletePolicy{release.HookSucceeded, release.HookBeforeHookCreation}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hooks\n got %+v\nwant %+v", got, want)
	}
}

func TestSortInvalidYAML(t *testing.T) {
	for _, content := range []string{"a: b: c\n", "- a list\n", "just text\n", obj("ConfigMap", "ok") + "---\nmetadata: [1]\n"} {
		_, _, _, err := Sort(map[string]string{"c/templates/x.yaml": content}, InstallOrder)
		if err == nil || !strings.Contains(err.Error(), "YAML parse error on c/templates/x.yaml") {
			t.Errorf("content %q: err = %v, want a YAML parse error naming the template", content, err)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a: 1\n", []string{"a: 1\n"}},
		{"---\na: 1\n---\nb: 2\n", []string{"a: 1\n", "b: 2\n"}},
		// Only the dashes and blanks go: a comment after them stays in the document.
		{"--- # comment\na: 1\n---   \n\n  b: 2\n", []string{"# comment\na: 1\n", "b: 2\n"}},
		{"---\n\n---\n   \n---\na: 1", []string{"a: 1"}},
		{"a: |\n  ---\n  x\n---b: 1\n", []string{"a: |\n  ---\n  x\n", "b: 1\n"}},
		{"a: 1\n\n\n", []string{"a: 1\n\n\n"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// splitByRegexp is the definition Split implements without a regular expression.
func splitByRegexp(stream string) []string {
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---[ \t]*`).Split(strings.TrimLeftFunc(stream, unicode.IsSpace), -1) {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, strings.TrimLeftFunc(d, unicode.IsSpace))
		}
	}
	return docs
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a\n---\nb", "---\n---", "--- x\na\n----\nb\n ---\nc", "a\r\n---\t \r\nb", "\n\n---", "---"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Split(s), splitByRegexp(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("Split(%q) = %q, want %q", s, got, want)
		}
	})
}
