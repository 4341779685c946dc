package chart

import (
	"testing"
)

func TestClone(t *testing.T) {
	sub := &Chart{Metadata: &Metadata{Name: "sub", Version: "0.1.0"}, Values: map[string]any{"a": 1}}
	top := &Chart{Metadata: &Metadata{Name: "top", Version: "1.0.0", Dependencies: []*Dependency{{Name: "sub", Version: "0.1.0"}}}}
	top.AddDependency(sub)

	cp := top.Clone()
	if cp == top || cp.Metadata == top.Metadata || cp.Metadata.Dependencies[0] == top.Metadata.Dependencies[0] {
		t.Fatal("the copy shares the top chart or its metadata")
	}
	if !cp.IsRoot() || len(cp.Dependencies()) != 1 || cp.Dependencies()[0] == sub || cp.Dependencies()[0].Parent() != cp {
		t.Fatal("the copy's subcharts are not copies linked to it")
	}
	if cp.Dependencies()[0].Name() != "sub" || cp.Dependencies()[0].Values["a"] != 1 {
		t.Errorf("the copied subchart lost its content: %+v", cp.Dependencies()[0])
	}

	// What dependency processing does to a chart leaves the original as it was.
	cp.Metadata.Dependencies[0].Enabled = true
	cp.Metadata.Dependencies[0].Name = "alias"
	cp.Metadata.Dependencies = nil
	cp.Dependencies()[0].Metadata.Name = "alias"
	cp.Dependencies()[0].Values = map[string]any{"a": 2}
	cp.SetDependencies()
	cp.Values = map[string]any{"b": 1}
	d := top.Metadata.Dependencies
	if len(d) != 1 || d[0].Name != "sub" || d[0].Enabled || top.Values != nil {
		t.Errorf("original metadata changed: %+v, values %v", d, top.Values)
	}
	if len(top.Dependencies()) != 1 || top.Dependencies()[0] != sub || sub.Parent() != top || sub.Name() != "sub" || sub.Values["a"] != 1 {
		t.Errorf("original subcharts changed: %+v", top.Dependencies())
	}
}
