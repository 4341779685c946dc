package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/warn"
)

// ChartPusher is what Push needs of a registry client.
type ChartPusher interface {
	Push(ctx context.Context, ref string, archive, prov []byte, md *chart.Metadata, created time.Time) (*registry.PushResult, error)
}

// Push uploads a chart archive to an OCI registry, as `helm push` does; a
// provenance file beside the archive (<archive>.prov) goes along.
type Push struct {
	Registry ChartPusher
	// Warnings receives what loading the archive noticed; nil drops them.
	Warnings func(warn.Warning)
}

// Run pushes archive to remote ("oci://host/path"); the chart lands at
// <remote>/<name>:<version>.
func (p Push) Run(ctx context.Context, archive, remote string) (*registry.PushResult, error) {
	scheme, _, ok := strings.Cut(remote, "://")
	switch {
	case !ok:
		return nil, fmt.Errorf("invalid chart URL format: %s", remote)
	case scheme != "oci":
		return nil, fmt.Errorf("scheme %q not supported", scheme)
	}
	fi, err := os.Stat(archive)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", archive)
	}
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("cannot push directory, must provide chart archive (.tgz)")
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return nil, err
	}
	c, err := chart.LoadArchive(bytes.NewReader(data))
	notifyLoaded(p.Warnings, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", archive, err)
	}
	var prov []byte
	if b, err := os.ReadFile(archive + ".prov"); err == nil {
		prov = b
	}
	ref := strings.TrimSuffix(strings.TrimPrefix(remote, "oci://"), "/") + "/" + c.Name() + ":" + registry.Tag(c.Metadata.Version)
	return p.Registry.Push(ctx, ref, data, prov, c.Metadata, fi.ModTime())
}
