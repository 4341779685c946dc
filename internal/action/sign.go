package action

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/warn"
)

// Sign writes <archive>.prov for a chart archive, as `helm package --sign` does.
type Sign struct {
	// Keyring holds the secret key; Key names it (a user ID or part of one).
	Keyring, Key string
	// Passphrase returns the key's passphrase; called only for an encrypted key.
	Passphrase func(name string) ([]byte, error)
	// Warnings receives what loading the archive noticed; nil drops them.
	Warnings func(warn.Warning)
}

// Run signs the archive and returns the provenance file's path.
func (s Sign) Run(ctx context.Context, archive string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ring, err := provenance.LoadKeyring(s.Keyring)
	if err != nil {
		return "", err
	}
	key, err := provenance.FindKey(ring, s.Key)
	if err != nil {
		return "", err
	}
	if err := provenance.Unlock(key, s.Passphrase); err != nil {
		return "", err
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return "", err
	}
	c, err := loadArchiveBytes(data)
	notifyLoaded(s.Warnings, c)
	if err != nil {
		return "", fmt.Errorf("failed to load chart for signing: %w", err)
	}
	md, err := chart.MarshalMetadata(c.Metadata)
	if err != nil {
		return "", err
	}
	prov, err := provenance.Sign(data, filepath.Base(archive), md, key)
	if err != nil {
		return "", err
	}
	out := archive + ".prov"
	return out, atomicfile.Write(out, prov, 0o644)
}
