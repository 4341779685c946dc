package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ociName is the folder name Helm gives a plugin pulled from an oci://
// source: the last element of its repository, without tag or digest.
func ociName(source string) string {
	ref := strings.TrimPrefix(source, "oci://")
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	ref = ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.Index(ref, ":"); i >= 0 {
		ref = ref[:i]
	}
	return ref
}

// installOCI installs the plugin archive of an OCI artifact, unpacked with the
// checks of a .tgz install, into a folder named after the repository, as Helm
// does. With a keyring, the artifact's .prov layer must sign the archive as
// NAME-VERSION.tgz, the plugin's own name and version.
func (in *Installer) installOCI(ctx context.Context, source string, o InstallOptions) (*Installed, error) {
	if in.PullOCI == nil {
		return nil, fmt.Errorf("plugin source %q: no OCI registry client to pull it with", source)
	}
	if name := ociName(source); validName.MatchString(name) {
		if _, err := os.Lstat(filepath.Join(in.Dir, name)); err == nil {
			return nil, ErrExists
		}
	}
	data, prov, err := in.PullOCI(ctx, source, o.Version, in.Limits.withDefaults().MaxSize)
	if err != nil {
		err = fmt.Errorf("failed to pull plugin from %s: %w", source, err)
		if o.Keyring != nil {
			err = fmt.Errorf("failed to get verification data: %w", err)
		}
		return nil, err
	}
	if o.Keyring != nil && len(prov) == 0 {
		return nil, errors.New("plugin verification failed: no provenance file (.prov) found")
	}
	stage, err := os.MkdirTemp(in.Dir, ".install-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	if err := unpack(bytes.NewReader(data), stage, in.Limits); err != nil {
		return nil, fmt.Errorf("plugin archive %s: %w", source, err)
	}
	root, err := archiveRoot(stage)
	if err != nil {
		return nil, fmt.Errorf("plugin archive %s: %w", source, err)
	}
	m, err := in.check(root)
	if err != nil {
		return nil, err
	}
	verified, err := verify(o, data, prov, m.Name+"-"+m.Version+".tgz")
	if err != nil {
		return nil, err
	}
	dest := filepath.Join(in.Dir, folderName(source, SourceOCI, m))
	if _, err := os.Lstat(dest); err == nil {
		return nil, ErrExists
	}
	if err := in.keepArchive(m, data, prov); err != nil {
		return nil, err
	}
	if err := os.Rename(root, dest); err != nil {
		return nil, err
	}
	return &Installed{Plugin: &Plugin{Dir: dest, Metadata: m}, Verified: verified}, nil
}
