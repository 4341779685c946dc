// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 for
// hack/cluster. It is its own module so that etcd's dependencies stay out of
// Rudder's module graph.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
