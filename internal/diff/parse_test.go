package diff

import (
	"reflect"
	"testing"
)

// A document the parser was told about is taken from its head, not read again;
// the others are read as before, once each.
func TestParserKnownDocuments(t *testing.T) {
	cm := "# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v"
	svc := "# Source: c/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: other"
	stream := "---\n" + cm + "\n---\n" + svc + "\n"

	var plain Parser
	want, err := plain.Parse(stream)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Parsed() != 2 {
		t.Fatalf("parsed %d documents, want 2", plain.Parsed())
	}

	var p Parser
	p.Known(cm, Head{APIVersion: "v1", Kind: "ConfigMap", Name: "a"})
	got, err := p.Parse(stream)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with a known document:\n%v\nread:\n%v", got, want)
	}
	if p.Parsed() != 1 {
		t.Errorf("parsed %d documents, want 1 (the one not known)", p.Parsed())
	}
	if _, err := p.Parse(stream); err != nil || p.Parsed() != 1 {
		t.Errorf("a second parse of the same stream read %d documents (%v), want none", p.Parsed()-1, err)
	}

	// The head told is what the parser uses: proof it did not read the text.
	var told Parser
	told.Known(cm, Head{APIVersion: "v1", Kind: "ConfigMap", Name: "told"})
	idx, err := told.Parse(stream)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := idx[", told, ConfigMap (v1)"]; !ok {
		t.Errorf("known head not used: keys %v", sortedKeys(idx))
	}
}

// Lists and normalized documents are always read: their objects are not the head's.
func TestParserKnownIgnoredForListsAndNormalize(t *testing.T) {
	list := "# Source: c/templates/l.yaml\napiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x"
	var p Parser
	p.Known(list, Head{APIVersion: "v1", Kind: "ConfigMapList"})
	idx, err := p.Parse(list)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := idx[", x, ConfigMap (v1)"]; !ok || p.Parsed() != 1 {
		t.Errorf("list not unpacked (parsed %d): keys %v", p.Parsed(), sortedKeys(idx))
	}

	doc := "# Source: c/templates/cm.yaml\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: a"
	n := Parser{Options: ParseOptions{Normalize: true}}
	n.Known(doc, Head{APIVersion: "v1", Kind: "ConfigMap", Name: "a"})
	idx, err = n.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if n.Parsed() != 1 || idx[", a, ConfigMap (v1)"] == nil || idx[", a, ConfigMap (v1)"].Content == doc {
		t.Errorf("normalizing used the known document as written (parsed %d): %+v", n.Parsed(), idx)
	}
}
