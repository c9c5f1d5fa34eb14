// Command etcd is the upstream etcd server, built from the Go module proxy.
// go.etcd.io/etcd/server/v3 has monorepo replace directives, so `go install`
// of it fails; wrapping etcdmain.Main in our own module avoids them.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
