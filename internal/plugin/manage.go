package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/provenance"
)

// Remove deletes an installed plugin's folder (only the link, for a plugin
// linked to a local folder) and the archive and signature an install kept
// beside it. dir is the plugins folder; a plugin outside it is not touched.
func Remove(dir string, p *Plugin) error {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	absPlugin, err := filepath.Abs(p.Dir)
	if err != nil {
		return err
	}
	if filepath.Dir(absPlugin) != absDir {
		return fmt.Errorf("plugin %q: %s is not in the plugins folder %s", p.Metadata.Name, p.Dir, dir)
	}
	if err := os.RemoveAll(absPlugin); err != nil {
		return err
	}
	if p.Metadata.Version != "" {
		base := filepath.Join(absDir, p.Metadata.Name+"-"+p.Metadata.Version+".tgz")
		_ = os.Remove(base)
		_ = os.Remove(base + ".prov")
	}
	return nil
}

// Package writes the plugin folder src as NAME-VERSION.tgz into dest and returns
// the archive's path and the plugin's manifest.
func Package(src, dest string) (string, *Metadata, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", nil, err
	}
	if !fi.IsDir() {
		return "", nil, errors.New("plugin package only supports directories, not tarballs")
	}
	m, err := ReadMetadata(src)
	if err != nil {
		return "", nil, fmt.Errorf("invalid plugin directory: %w", err)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := pack(src, m.Name, &buf); err != nil {
		return "", nil, fmt.Errorf("failed to create plugin tarball: %w", err)
	}
	out := filepath.Join(dest, fmt.Sprintf("%s-%s.tgz", m.Name, m.Version))
	if err := atomicfile.Write(out, buf.Bytes(), 0o644); err != nil {
		return "", nil, err
	}
	return out, m, nil
}

// Sign writes archive.prov, a signature by key over the archive. The archive
// must hold a plugin.
func Sign(archive string, key *openpgp.Entity) (string, error) {
	data, err := os.ReadFile(archive)
	if err != nil {
		return "", err
	}
	manifest, err := archiveManifest(data)
	if err != nil {
		return "", fmt.Errorf("failed to extract plugin metadata: %w", err)
	}
	prov, err := provenance.Sign(data, filepath.Base(archive), manifest, key)
	if err != nil {
		return "", fmt.Errorf("failed to sign plugin: %w", err)
	}
	out := archive + ".prov"
	return out, atomicfile.Write(out, prov, 0o644)
}

// Verify checks archive against archive.prov and the keyring.
func Verify(archive string, ring openpgp.EntityList) (*provenance.Verification, error) {
	fi, err := os.Stat(archive)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("directory verification not supported - only plugin tarballs can be verified")
	}
	if !isArchiveName(archive) {
		return nil, errors.New("plugin file must be a gzipped tarball (.tar.gz or .tgz)")
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return nil, err
	}
	prov, err := os.ReadFile(archive + ".prov")
	if err != nil {
		return nil, fmt.Errorf("could not find provenance file %s.prov: %w", archive, err)
	}
	if _, err := archiveManifest(data); err != nil {
		return nil, err
	}
	return provenance.Verify(data, prov, filepath.Base(archive), ring)
}

// archiveManifest reads and checks the plugin.yaml of an archive (unpacked into
// a temporary folder, with the usual checks).
func archiveManifest(data []byte) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "rudder-plugin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := unpack(bytes.NewReader(data), tmp, Limits{}); err != nil {
		return nil, err
	}
	root, err := archiveRoot(tmp)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(root, FileName))
	if err != nil {
		return nil, errors.New("plugin.yaml not found in tarball")
	}
	if _, err := ParseMetadata(raw); err != nil {
		return nil, err
	}
	return raw, nil
}
