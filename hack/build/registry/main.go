// Command registry is the CNCF distribution registry, built from
// github.com/distribution/distribution/v3 for Rudder's OCI tests
// (internal/registry/registrytest). It is its own module so that the registry's
// dependencies stay out of Rudder's module graph.
package main

import (
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"github.com/distribution/distribution/v3/registry"
)

func main() {
	// Same entry point as cmd/registry: `registry serve CONFIG`.
	_ = registry.RootCmd.Execute()
}
