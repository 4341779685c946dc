package chart

// Clone returns a copy of the chart tree that processing for one release may
// change without touching c: every chart of the tree is a new value, linked to
// its copied parent and subcharts, with its own Metadata and dependency
// declarations. What processing replaces but never changes in place is shared:
// the files, Values (a new map is assigned, the old one only read), Lock and
// Schema.
func (c *Chart) Clone() *Chart {
	cp := *c
	cp.parent = nil
	if c.Metadata != nil {
		md := *c.Metadata
		if c.Metadata.Dependencies != nil {
			md.Dependencies = make([]*Dependency, len(c.Metadata.Dependencies))
			for i, d := range c.Metadata.Dependencies {
				if d != nil {
					dc := *d
					md.Dependencies[i] = &dc
				}
			}
		}
		cp.Metadata = &md
	}
	cp.dependencies = nil
	for _, sub := range c.dependencies {
		cp.AddDependency(sub.Clone())
	}
	return &cp
}
