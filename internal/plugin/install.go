package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/provenance"
)

// Installer puts plugins into one plugins folder. The zero value is not usable:
// Dir must be set.
type Installer struct {
	// Dir is the plugins folder installed into (the first of HELM_PLUGINS).
	Dir string
	// Reserved, when set, refuses names a plugin may not take (built-in
	// commands); its error is returned as it is.
	Reserved func(name string) error
	// Limits bound archives (see Limits for the defaults).
	Limits Limits
	// HTTP fetches archives given by URL; nil means http.DefaultClient.
	HTTP *http.Client
	// Git is the git program for repository sources; "" means "git".
	Git string
	// Env is the environment of git; nil means git's own.
	Env []string
	// PullOCI fetches the archive and .prov (nil when there is none) of an
	// oci:// source, reading at most maxSize bytes of archive; version chooses
	// the tag when the source names none. nil refuses oci:// sources.
	PullOCI func(ctx context.Context, ref, version string, maxSize int64) (archive, prov []byte, err error)
}

// InstallOptions are per-install choices; the zero value installs the newest
// version without checking a signature.
type InstallOptions struct {
	// Version is a tag or semver constraint for a repository or OCI source.
	Version string
	// Keyring, when not nil, makes an archive's .prov signature required and
	// checked against the keys it returns (called once the signature is there).
	// Folders and Git repositories cannot be verified.
	Keyring func() (openpgp.EntityList, error)
}

// Installed is the result of an install.
type Installed struct {
	*Plugin
	// Local is set for a folder installed as a link (Helm's "development mode").
	Local bool
	// Verified is the checked signature, when one was asked for.
	Verified *provenance.Verification
}

// ErrMissingMetadata is the error for a source without a plugin.yaml.
var ErrMissingMetadata = errors.New("plugin metadata (plugin.yaml) missing")

// ErrExists is the error for a plugin already installed at the destination.
var ErrExists = errors.New("plugin already exists")

// ErrNotVerifiable is the error for a signature asked of a source that has none.
var ErrNotVerifiable = errors.New("--verify is only supported for plugin tarballs (.tgz files)")

// SourceKind says what a source names.
type SourceKind int

const (
	// SourceRepo is a Git repository (any other URL or path).
	SourceRepo SourceKind = iota
	// SourceFolder is a local plugin folder.
	SourceFolder
	// SourceArchive is a local .tgz or .tar.gz file.
	SourceArchive
	// SourceURL is an archive on an HTTP server.
	SourceURL
	// SourceOCI is an oci:// reference.
	SourceOCI
)

// Kind says what a source names, as Helm decides it.
func Kind(source string) SourceKind {
	switch {
	case strings.HasPrefix(source, "oci://"):
		return SourceOCI
	case isArchiveName(source) && (strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://")):
		return SourceURL
	}
	if fi, err := os.Stat(source); err == nil {
		if fi.IsDir() {
			return SourceFolder
		}
		return SourceArchive
	}
	return SourceRepo
}

// Verifiable says whether sources of a kind can carry a .prov signature.
func Verifiable(kind SourceKind) bool {
	return kind == SourceArchive || kind == SourceURL || kind == SourceOCI
}

func isArchiveName(s string) bool {
	return strings.HasSuffix(s, ".tgz") || strings.HasSuffix(s, ".tar.gz")
}

var versionSuffix = regexp.MustCompile(`^(.*)-\d+\..*$`)

// folderName is the name Helm gives a plugin's folder: the source's last element,
// without an archive's extension and version. A name that is not a valid plugin
// name gives way to the plugin's own.
func folderName(source string, kind SourceKind, m *Metadata) string {
	base := filepath.Base(strings.TrimSuffix(source, "/"))
	if kind == SourceArchive || kind == SourceURL {
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".tgz"), ".tar.gz")
		base = versionSuffix.ReplaceAllString(base, "$1")
	}
	if kind == SourceRepo {
		base = strings.TrimSuffix(base, ".git")
	}
	if kind == SourceOCI {
		base = ociName(source)
	}
	if !validName.MatchString(base) {
		return m.Name
	}
	return base
}

// Install installs the plugin a source names: a local folder (linked, not
// copied), a local or remote .tgz archive, or a Git repository. Nothing is
// written outside the plugins folder, and nothing is left there when the install
// fails. Hooks are not run: that is the caller's choice.
func (in *Installer) Install(ctx context.Context, source string, o InstallOptions) (*Installed, error) {
	if in.Dir == "" {
		return nil, errors.New("no plugins folder to install into")
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return nil, err
	}
	kind := Kind(source)
	if o.Keyring != nil && !Verifiable(kind) {
		return nil, ErrNotVerifiable
	}
	switch kind {
	case SourceOCI:
		return in.installOCI(ctx, source, o)
	case SourceFolder:
		return in.link(source)
	}
	stage, err := os.MkdirTemp(in.Dir, ".install-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	var root string
	var verified *provenance.Verification
	var data, prov []byte
	switch kind {
	case SourceArchive, SourceURL:
		data, prov, err = in.readArchive(ctx, source, kind)
		if err != nil {
			return nil, err
		}
		if verified, err = verify(o, data, prov, filepath.Base(source)); err != nil {
			return nil, err
		}
		if err := unpack(bytes.NewReader(data), stage, in.Limits); err != nil {
			return nil, fmt.Errorf("plugin archive %s: %w", source, err)
		}
		if root, err = archiveRoot(stage); err != nil {
			return nil, fmt.Errorf("plugin archive %s: %w", source, err)
		}
	default:
		root = filepath.Join(stage, "repo")
		if err := in.clone(ctx, source, o.Version, root); err != nil {
			return nil, err
		}
	}
	m, err := in.check(root)
	if err != nil {
		return nil, err
	}
	dest := filepath.Join(in.Dir, folderName(source, kind, m))
	if _, err := os.Lstat(dest); err == nil {
		return nil, ErrExists
	}
	if data != nil {
		// Keep the archive and its signature, as Helm does, for `plugin list`.
		if err := in.keepArchive(m, data, prov); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(root, dest); err != nil {
		return nil, err
	}
	return &Installed{Plugin: &Plugin{Dir: dest, Metadata: m}, Verified: verified}, nil
}

// verify checks an archive, named name in its .prov file, against its
// signature when o asks for one; it returns nil when it does not.
func verify(o InstallOptions, data, prov []byte, name string) (*provenance.Verification, error) {
	if o.Keyring == nil {
		return nil, nil
	}
	if len(prov) == 0 {
		return nil, errors.New("plugin verification failed: no provenance file (.prov) found")
	}
	ring, err := o.Keyring()
	if err != nil {
		return nil, err
	}
	v, err := provenance.Verify(data, prov, name, ring)
	if err != nil {
		return nil, fmt.Errorf("plugin verification failed: %w", err)
	}
	return v, nil
}

// check reads a plugin's manifest and refuses reserved names.
func (in *Installer) check(dir string) (*Metadata, error) {
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		return nil, ErrMissingMetadata
	}
	m, err := ReadMetadata(dir)
	if err != nil {
		return nil, err
	}
	if in.Reserved != nil {
		if err := in.Reserved(m.Name); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// link installs a local folder as a link to it, as Helm does, so that edits to
// the folder take effect at once.
func (in *Installer) link(source string) (*Installed, error) {
	src, err := filepath.Abs(source)
	if err != nil {
		return nil, err
	}
	m, err := in.check(src)
	if err != nil {
		return nil, err
	}
	dest := filepath.Join(in.Dir, folderName(src, SourceFolder, m))
	if _, err := os.Lstat(dest); err == nil {
		return nil, ErrExists
	}
	if err := os.Symlink(src, dest); err != nil {
		return nil, err
	}
	return &Installed{Plugin: &Plugin{Dir: dest, Metadata: m}, Local: true}, nil
}

// readArchive reads an archive and its .prov file (nil when there is none).
func (in *Installer) readArchive(ctx context.Context, source string, kind SourceKind) (data, prov []byte, err error) {
	max := in.Limits.withDefaults().MaxSize
	if kind == SourceArchive {
		if data, err = readFileMax(source, max); err != nil {
			return nil, nil, err
		}
		prov, err = readFileMax(source+".prov", 1<<20)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		return data, prov, err
	}
	if data, err = in.get(ctx, source, max); err != nil {
		return nil, nil, err
	}
	prov, err = in.get(ctx, source+".prov", 1<<20)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return data, prov, err
}

func readFileMax(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(data)) > max {
		err = fmt.Errorf("%s: larger than the maximum size %d", name, max)
	}
	return data, err
}

// get fetches a URL; a 404 is os.ErrNotExist.
func (in *Installer) get(ctx context.Context, url string, max int64) ([]byte, error) {
	client := in.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", url, os.ErrNotExist)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("failed to fetch %s : %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err == nil && int64(len(data)) > max {
		err = fmt.Errorf("%s: larger than the maximum size %d", url, max)
	}
	return data, err
}

// archiveRoot finds the plugin in an unpacked archive: the one top folder, or the
// archive's root when plugin.yaml sits there.
func archiveRoot(stage string) (string, error) {
	if _, err := os.Stat(filepath.Join(stage, FileName)); err == nil {
		root := filepath.Join(stage, "flat")
		entries, err := os.ReadDir(stage)
		if err != nil {
			return "", err
		}
		if err := os.Mkdir(root, 0o755); err != nil {
			return "", err
		}
		for _, e := range entries {
			if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(root, e.Name())); err != nil {
				return "", err
			}
		}
		return root, nil
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return "", err
	}
	if len(entries) != 1 || !entries[0].IsDir() {
		return "", ErrMissingMetadata
	}
	return filepath.Join(stage, entries[0].Name()), nil
}

// keepArchive writes NAME-VERSION.tgz (and .prov) into the plugins folder.
func (in *Installer) keepArchive(m *Metadata, data, prov []byte) error {
	name := filepath.Join(in.Dir, m.Name+"-"+m.Version+".tgz")
	if err := atomicfile.Write(name, data, 0o644); err != nil {
		return err
	}
	if len(prov) == 0 {
		_ = os.Remove(name + ".prov")
		return nil
	}
	return atomicfile.Write(name+".prov", prov, 0o644)
}
