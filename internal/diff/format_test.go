package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const (
	oldSecret = "# Source: s/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pw: b2xk\n"
	newSecret = "# Source: s/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pw: bmV3\n"
)

func secretReport(t *testing.T, o Options) *Report {
	t.Helper()
	old, err := Parse(oldSecret, ParseOptions{Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	new, err := Parse(newSecret, ParseOptions{Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	return Compare(old, new, o)
}

// Secret values never reach any output format unless asked for.
func TestSecretsMaskedInEveryFormat(t *testing.T) {
	for _, f := range Formats {
		var b bytes.Buffer
		if err := secretReport(t, Options{}).Write(&b, f, WriteOptions{Context: -1}); err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"b2xk", "bmV3", "old", "new"} {
			if strings.Contains(b.String(), leak) {
				t.Errorf("%s output shows %q:\n%s", f, leak, b.String())
			}
		}
	}
	var b bytes.Buffer
	if err := secretReport(t, Options{ShowSecrets: true}).Write(&b, FormatDiff, WriteOptions{Context: -1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "-   pw: b2xk") || !strings.Contains(b.String(), "+   pw: bmV3") {
		t.Errorf("--show-secrets output hides the value:\n%s", b.String())
	}
}

// Comparing does not alter the indexes, so that a second report is the same.
func TestCompareLeavesInputsAlone(t *testing.T) {
	old, _ := Parse(oldSecret, ParseOptions{})
	new, _ := Parse(newSecret, ParseOptions{})
	first := Compare(old, new, Options{})
	second := Compare(old, new, Options{})
	if len(first.Entries) != 1 || len(second.Entries) != 1 {
		t.Fatalf("entries: %d then %d, want 1", len(first.Entries), len(second.Entries))
	}
	if old[", s, Secret (v1)"].Content != oldSecret[:len(oldSecret)-1] {
		t.Errorf("old object changed: %q", old[", s, Secret (v1)"].Content)
	}
}

func TestStructuredHasPlanAndEntries(t *testing.T) {
	var b bytes.Buffer
	if err := secretReport(t, Options{}).Write(&b, FormatStructured, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Changes []struct{ Key, API, Kind, Namespace, Name, Change, Diff string }
		Plan    Plan
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if got.Plan != (Plan{Change: 1}) || len(got.Changes) != 1 {
		t.Fatalf("got %+v", got)
	}
	c := got.Changes[0]
	if c.Namespace != "ns" || c.Name != "s" || c.Kind != "Secret" || c.API != "v1" || c.Change != "MODIFY" || !strings.Contains(c.Diff, "-   pw: '-------- # (3 bytes)'") {
		t.Errorf("entry %+v", c)
	}
	if got := (Plan{Add: 1, Change: 2, Destroy: 3}).String(); got != "Plan: 1 to add, 2 to change, 3 to destroy." {
		t.Errorf("plan line %q", got)
	}
}

func TestBadInput(t *testing.T) {
	_, err := Parse("---\n# Source: x/bad.yaml\napiVersion: v1\nkind: [\n", ParseOptions{})
	if err == nil || !strings.Contains(err.Error(), `"# Source: x/bad.yaml"`) {
		t.Errorf("bad YAML: %v", err)
	}
	err = (&Report{}).Write(&bytes.Buffer{}, "dyff", WriteOptions{})
	if err == nil || err.Error() != `output format "dyff" is not one of diff, simple, template, json, structured` {
		t.Errorf("unknown format: %v", err)
	}
	err = (&Report{}).Write(&bytes.Buffer{}, FormatTemplate, WriteOptions{Template: "{{ .Nope"})
	if err == nil || !strings.HasPrefix(err.Error(), "diff template: ") {
		t.Errorf("bad template: %v", err)
	}
}

func TestDecodedSecrets(t *testing.T) {
	var b bytes.Buffer
	if err := secretReport(t, Options{DecodeSecrets: true}).Write(&b, FormatDiff, WriteOptions{Context: 0}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "-   pw: old\n+   pw: new\n") {
		t.Errorf("decoded secret diff:\n%s", b.String())
	}
}
