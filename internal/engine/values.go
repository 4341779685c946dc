package engine

import (
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/chart/common"
)

// Release describes the release being rendered: .Release in templates.
type Release struct {
	Name      string
	Namespace string
	Revision  int
	IsUpgrade bool
	IsInstall bool
}

// RenderValues builds the top-level object templates are executed with: .Values (the
// coalesced values), .Release, .Chart and .Capabilities. Render adds .Files,
// .Template and .Subcharts per chart.
func RenderValues(c *chart.Chart, vals map[string]any, rel Release, caps *Capabilities) map[string]any {
	if caps == nil {
		caps = DefaultCapabilities()
	}
	return map[string]any{
		"Chart":        metadataMap(c.Metadata),
		"Capabilities": caps,
		"Release": map[string]any{
			"Name":      rel.Name,
			"Namespace": rel.Namespace,
			"IsUpgrade": rel.IsUpgrade,
			"IsInstall": rel.IsInstall,
			"Revision":  rel.Revision,
			"Service":   "Helm",
		},
		"Values": common.Values(vals),
	}
}

// metadataMap exposes chart metadata to templates as Helm does: a map keyed by the Go
// field names (.Chart.Name, .Chart.AppVersion, .Chart.Maintainers...), nested structs
// as maps and absent lists as empty lists.
func metadataMap(md *chart.Metadata) map[string]any {
	if md == nil {
		return nil
	}
	maintainers := make([]any, len(md.Maintainers))
	for i, m := range md.Maintainers {
		if m == nil {
			maintainers[i] = nil
			continue
		}
		maintainers[i] = map[string]any{"Name": m.Name, "Email": m.Email, "URL": m.URL}
	}
	deps := make([]any, len(md.Dependencies))
	for i, d := range md.Dependencies {
		if d == nil {
			deps[i] = nil
			continue
		}
		deps[i] = map[string]any{
			"Name": d.Name, "Version": d.Version, "Repository": d.Repository,
			"Condition": d.Condition, "Tags": stringsAsAny(d.Tags), "Enabled": d.Enabled,
			"ImportValues": append(make([]any, 0, len(d.ImportValues)), d.ImportValues...), "Alias": d.Alias,
		}
	}
	return map[string]any{
		"Name":         md.Name,
		"Home":         md.Home,
		"Sources":      stringsAsAny(md.Sources),
		"Version":      md.Version,
		"Description":  md.Description,
		"Keywords":     stringsAsAny(md.Keywords),
		"Maintainers":  maintainers,
		"Icon":         md.Icon,
		"APIVersion":   md.APIVersion,
		"Condition":    md.Condition,
		"Tags":         md.Tags,
		"AppVersion":   md.AppVersion,
		"Deprecated":   md.Deprecated,
		"Annotations":  md.Annotations,
		"KubeVersion":  md.KubeVersion,
		"Dependencies": deps,
		"Type":         md.Type,
	}
}

func stringsAsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
