// Package registry stores charts in OCI registries, in the layout Helm uses: an
// image manifest whose config is the chart's metadata
// (application/vnd.cncf.helm.config.v1+json), with the chart archive as a layer
// (application/vnd.cncf.helm.chart.content.v1.tar+gzip) and, when signed, the
// provenance file as another (application/vnd.cncf.helm.chart.provenance.v1.prov).
// Credentials live in a Docker-format config.json, as Helm keeps them.
//
//	c, _ := registry.New(registry.Options{CredentialsFile: cfg})
//	res, err := c.Push(ctx, "localhost:5000/charts/demo:0.1.0", archive, prov, md, created)
//	got, err := c.Pull(ctx, "localhost:5000/charts/demo:0.1.0", registry.PullOptions{})
package registry
