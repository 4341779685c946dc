// Package chart is Rudder's model of a Helm chart and its loader.
//
// A chart comes from a directory or a gzipped tar archive; both end up as the same
// *Chart: its Chart.yaml metadata, default values, templates, other files and its
// subcharts (nested up to MaxChartNesting deep, folders up to 64 deep, however the
// chart is stored). Chart API versions v1 (with requirements.yaml) and v2 are read
// into this one model.
//
// Loading is defensive: archive members escaping the chart, absolute paths, links,
// oversized members and decompression bombs are refused with an error naming the member.
//
//	c, err := chart.Load("./mychart")          // directory or .tgz
//	c, err := chart.LoadArchive(resp.Body)     // any gzipped tar stream
//	for _, sub := range c.Dependencies() { ... }
package chart
