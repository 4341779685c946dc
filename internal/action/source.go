package action

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/repo"
)

// ChartRegistry is what chart resolution needs of an OCI registry client.
type ChartRegistry interface {
	Pull(ctx context.Context, ref string, o registry.PullOptions) (*registry.PullResult, error)
	ResolveVersion(ctx context.Context, repoRef, constraint string) (string, error)
}

// ChartSource brings charts to disk from wherever a reference points: a folder or
// archive, "repo/chart" from repositories.yaml, a chart URL, "--repo URL" plus a
// name, or oci://. Downloads land in the content cache, keyed by digest, as Helm 4
// keeps them. The zero value resolves local paths only.
type ChartSource struct {
	// RepositoryConfig and RepositoryCache are repositories.yaml and the index
	// cache folder.
	RepositoryConfig string
	RepositoryCache  string
	// ContentCache is where downloaded charts are kept.
	ContentCache string
	// Registry pulls oci:// references; nil refuses them.
	Registry ChartRegistry
	// ChartLimits bound what loading a downloaded chart may take.
	ChartLimits chart.Limits
	// Schemes fetches chart and index URLs of schemes other than http and https
	// (getter plugins); nil fetches none.
	Schemes repo.SchemeGetter
}

// ChartRequest is a chart reference and how to fetch it. The zero value of every
// field but Ref is valid.
type ChartRequest struct {
	Ref string
	// Version is a version or constraint; "" is the newest stable version (or,
	// with Devel, the newest including pre-releases).
	Version string
	Devel   bool
	// RepoURL, when set, looks Ref up as a chart name in that repository.
	RepoURL string
	// Credentials and TLS for RepoURL and chart URLs.
	Username, Password        string
	PassCredentialsAll        bool
	CertFile, KeyFile, CAFile string
	InsecureSkipTLSVerify     bool
	// TLSConfig, when set, is used instead of the files and
	// InsecureSkipTLSVerify (see repo.ClientOptions).
	TLSConfig *tls.Config
	// Verify requires a provenance file and checks it against Keyring.
	Verify  bool
	Keyring string
	// Prov fetches the provenance file when there is one, without checking it.
	Prov bool
	// MapCRDs has Load map a chart folder's CRD files instead of reading them,
	// for callers that only read the chart and end soon.
	MapCRDs bool
	// Timeout bounds each HTTP request of the chart (index, archive,
	// provenance); 0 means the repository client's default.
	Timeout time.Duration
}

// LocatedChart is a chart on disk.
type LocatedChart struct {
	// Path is a chart folder or archive.
	Path string
	// FileName is the archive's name as Helm gives it (<name>-<version>.tgz for
	// remote charts); the provenance file names the archive so.
	FileName string
	// ProvPath is the provenance file, "" when none was fetched.
	ProvPath string
	// Remote is true when the chart was downloaded.
	Remote bool
	// Digest is the archive's SHA-256 (hex), set for remote charts.
	Digest string
	// OCIRef and ManifestDigest are set for charts pulled from a registry.
	OCIRef, ManifestDigest string
	// Verification is set when the request asked for it.
	Verification *provenance.Verification
}

// Errors of chart resolution.
var (
	ErrDigestMismatch = errors.New("digest mismatch")
	ErrNoProvenance   = errors.New("no provenance file")
)

// Locate resolves a chart reference to a chart on disk.
func (s *ChartSource) Locate(ctx context.Context, req ChartRequest) (*LocatedChart, error) {
	ref := strings.TrimSpace(req.Ref)
	version := strings.TrimSpace(req.Version)
	if version == "" && req.Devel {
		version = ">0.0.0-0"
	}
	switch {
	case strings.HasPrefix(ref, "oci://"):
		return s.locateOCI(ctx, ref, version, req)
	case req.RepoURL != "":
		o := req.clientOptions(req.RepoURL)
		o.Schemes = s.Schemes
		idx, _, _, err := repo.FetchIndex(ctx, req.RepoURL, o)
		if err != nil {
			return nil, fmt.Errorf("looks like %q is not a valid chart repository or cannot be reached: %w", req.RepoURL, err)
		}
		req.Ref, req.Version = ref, version
		return s.LocateInIndex(ctx, idx, req)
	}
	if _, err := os.Stat(ref); err == nil {
		abs, err := filepath.Abs(ref)
		if err != nil {
			return nil, err
		}
		lc := &LocatedChart{Path: abs, FileName: filepath.Base(abs)}
		if req.Verify {
			if err := verifyLocal(lc, req.Keyring); err != nil {
				return nil, err
			}
		}
		return lc, nil
	}
	if filepath.IsAbs(ref) || strings.HasPrefix(ref, ".") {
		return nil, fmt.Errorf("path %q not found", ref)
	}
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https" || s.handles(u.Scheme)) {
		o := req.clientOptions("")
		if e := s.repoForURL(ref); e != nil && req.Username == "" {
			o = repo.EntryOptions(e)
		}
		return s.download(ctx, ref, "", o, req)
	}
	repoName, name, ok := strings.Cut(ref, "/")
	if !ok {
		return nil, fmt.Errorf("non-absolute URLs should be in form of repo_name/path_to_chart, got: %s", ref)
	}
	f, err := repo.LoadFile(s.RepositoryConfig)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	e := f.Get(repoName)
	if e == nil {
		return nil, fmt.Errorf("repo %s not found", repoName)
	}
	cache, _, err := repo.LoadCache(s.RepositoryCache, repoName)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no cached repo found. (try 'helm repo update'): %w", err)
		}
		return nil, err
	}
	cr, err := cache.Resolve(e.URL, name, version)
	if err != nil {
		return nil, notFoundInRepo(name, version, repoName, err)
	}
	return s.download(ctx, cr.URL, cr.Digest, repo.EntryOptions(e), req)
}

// handles tells whether s.Schemes fetches URLs of the scheme.
func (s *ChartSource) handles(scheme string) bool {
	return scheme != "" && s.Schemes != nil && s.Schemes.HandlesScheme(scheme)
}

// notFoundInRepo words a failed lookup in a repository's index as Helm v4.3.1
// does, which scripts match on; err stays in the chain.
func notFoundInRepo(name, version, repoName string, err error) error {
	cause := err
	switch {
	case errors.Is(err, repo.ErrChartNotFound):
		cause = rewordedError{"no chart name found", err}
	case errors.Is(err, repo.ErrNoChartVersion):
		cause = rewordedError{fmt.Sprintf("no chart version found for %s-%s", name, version), err}
	}
	return fmt.Errorf("chart %q matching %s not found in %s index. (try 'helm repo update'): %w", name, version, repoName, cause)
}

// notFoundAtURL words a failed lookup in the index at a repository URL (--repo)
// as Helm v4.3.1 does.
func notFoundAtURL(name, version, url string, err error) error {
	what := fmt.Sprintf("chart %q", name)
	if version != "" {
		what += fmt.Sprintf(" version %q", version)
	}
	return rewordedError{fmt.Sprintf("%s not found in %s repository", what, url), err}
}

// rewordedError reads as text and unwraps to err.
type rewordedError struct {
	text string
	err  error
}

func (e rewordedError) Error() string { return e.text }
func (e rewordedError) Unwrap() error { return e.err }

// repoForURL returns the configured repository a chart URL lives in, if any, so
// its credentials and TLS settings apply.
func (s *ChartSource) repoForURL(u string) *repo.Entry {
	if s.RepositoryConfig == "" {
		return nil
	}
	f, err := repo.LoadFile(s.RepositoryConfig)
	if err != nil {
		return nil
	}
	for _, e := range f.Repositories {
		if strings.HasPrefix(u, strings.TrimSuffix(e.URL, "/")+"/") {
			return e
		}
	}
	return nil
}

func (r ChartRequest) clientOptions(authURL string) repo.ClientOptions {
	return repo.ClientOptions{Username: r.Username, Password: r.Password, AuthURL: authURL,
		PassCredentialsAll: r.PassCredentialsAll, CertFile: r.CertFile, KeyFile: r.KeyFile, CAFile: r.CAFile,
		InsecureSkipTLSVerify: r.InsecureSkipTLSVerify, TLSConfig: r.TLSConfig, Timeout: r.Timeout}
}

// download fetches a chart URL into the content cache. A digest from an index
// or lock must match what arrives; a cached copy is used when it does.
func (s *ChartSource) download(ctx context.Context, u, digest string, o repo.ClientOptions, req ChartRequest) (*LocatedChart, error) {
	digest = strings.TrimPrefix(digest, "sha256:")
	o.Schemes = s.Schemes
	pu, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	lc := &LocatedChart{FileName: path.Base(pu.Path), Remote: true}
	if err := checkFileName(lc.FileName); err != nil {
		return nil, fmt.Errorf("chart URL %s: %w", u, err)
	}
	if digest != "" && !isSHA256Hex(digest) {
		return nil, fmt.Errorf("chart %s: the repository gives an invalid digest %q", u, digest)
	}
	var data []byte
	if digest != "" {
		if b, err := os.ReadFile(s.cachePath(digest, ".chart")); err == nil && sha256Hex(b) == digest {
			data = b
		}
	}
	if data == nil {
		if data, err = repo.Get(ctx, u, o); err != nil {
			return nil, err
		}
		if digest != "" && sha256Hex(data) != digest {
			return nil, fmt.Errorf("chart %s: %w: the repository promises sha256:%s, the download is sha256:%s", u, ErrDigestMismatch, digest, sha256Hex(data))
		}
	}
	var prov []byte
	if req.Verify || req.Prov {
		prov, err = repo.Get(ctx, u+".prov", o)
		if err != nil && req.Verify {
			return nil, fmt.Errorf("failed to fetch provenance %q: %w", u+".prov", err)
		}
	}
	return s.store(lc, data, prov, req)
}

func (s *ChartSource) locateOCI(ctx context.Context, ref, version string, req ChartRequest) (*LocatedChart, error) {
	if s.Registry == nil {
		return nil, fmt.Errorf("%s: no registry client", ref)
	}
	r, err := registry.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	full := r.Registry + "/" + r.Repository
	switch {
	case r.Reference != "" && version != "" && r.Reference != registry.Tag(version) && !strings.HasPrefix(r.Reference, "sha256:"):
		return nil, fmt.Errorf("chart reference and version mismatch: %s is not %s", version, r.Reference)
	case r.Reference == "":
		v, err := s.Registry.ResolveVersion(ctx, full, version)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		full += ":" + registry.Tag(v)
	case strings.HasPrefix(r.Reference, "sha256:"):
		full += "@" + r.Reference
	default:
		full += ":" + r.Reference
	}
	res, err := s.Registry.Pull(ctx, full, registry.PullOptions{WithProv: req.Verify || req.Prov, RequireProv: req.Verify})
	if err != nil {
		return nil, err
	}
	// As Helm does, the file is named after the reference the user gave (the last
	// part of the repository and the tag or version), never after what the
	// registry's config blob claims.
	lc := &LocatedChart{FileName: ociFileName(full), Remote: true, OCIRef: res.Ref, ManifestDigest: res.ManifestDigest}
	if err := checkFileName(lc.FileName); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return s.store(lc, res.Chart, res.Prov, req)
}

// ociFileName names the archive of host/repo:tag (repo-tag.tgz) or host/repo@digest
// (repo@sha256-hex.tgz), as Helm does; a tag's "_" stands for the version's "+".
func ociFileName(ref string) string {
	base := path.Base(ref)
	if name, dig, ok := strings.Cut(base, "@"); ok {
		return name + "@" + strings.Replace(dig, ":", "-", 1) + ".tgz"
	}
	if i := strings.LastIndexByte(base, ':'); i >= 0 {
		return base[:i] + "-" + strings.ReplaceAll(base[i+1:], "_", "+") + ".tgz"
	}
	return base + ".tgz"
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// store writes a downloaded chart (and provenance file) into the content cache
// and verifies it when asked.
func (s *ChartSource) store(lc *LocatedChart, data, prov []byte, req ChartRequest) (*LocatedChart, error) {
	lc.Digest = sha256Hex(data)
	if req.Verify {
		if prov == nil {
			return nil, fmt.Errorf("%s: %w", lc.FileName, ErrNoProvenance)
		}
		v, err := verifyBytes(data, prov, lc.FileName, req.Keyring)
		if err != nil {
			return nil, err
		}
		lc.Verification = v
	}
	if s.ContentCache == "" {
		dir, err := os.MkdirTemp("", "rudder-chart-")
		if err != nil {
			return nil, err
		}
		s.ContentCache = dir
	}
	p := s.cachePath(lc.Digest, ".chart")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(p, data, 0o644); err != nil {
		return nil, err
	}
	lc.Path = p
	if prov != nil {
		pp := s.cachePath(lc.Digest, ".prov")
		if err := atomicfile.Write(pp, prov, 0o644); err != nil {
			return nil, err
		}
		lc.ProvPath = pp
	}
	return lc, nil
}

// cachePath is Helm 4's content cache layout: <root>/<first byte>/<sha256>.<kind>.
func (s *ChartSource) cachePath(digest, kind string) string {
	if len(digest) < 2 {
		digest = "00" + digest
	}
	return filepath.Join(s.ContentCache, digest[:2], digest+kind)
}

// CachedChartPath is where the content cache at root keeps the chart archive
// whose SHA-256 is digest (hex).
func CachedChartPath(root, digest string) string {
	return (&ChartSource{ContentCache: root}).cachePath(digest, ".chart")
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// verifyLocal checks a chart archive against <archive>.prov beside it.
func verifyLocal(lc *LocatedChart, keyring string) error {
	fi, err := os.Stat(lc.Path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("unpacked charts cannot be verified")
	}
	if !strings.EqualFold(filepath.Ext(lc.Path), ".tgz") {
		return errors.New("chart must be a tgz file")
	}
	prov, err := os.ReadFile(lc.Path + ".prov")
	if err != nil {
		return fmt.Errorf("could not load provenance file %s: %w", lc.Path+".prov", err)
	}
	data, err := os.ReadFile(lc.Path)
	if err != nil {
		return err
	}
	v, err := verifyBytes(data, prov, filepath.Base(lc.Path), keyring)
	if err != nil {
		return err
	}
	lc.ProvPath, lc.Verification = lc.Path+".prov", v
	return nil
}

func verifyBytes(data, prov []byte, fileName, keyring string) (*provenance.Verification, error) {
	ring, err := loadKeyring(keyring)
	if err != nil {
		return nil, err
	}
	return provenance.Verify(data, prov, fileName, ring)
}

func loadKeyring(path string) (openpgp.EntityList, error) {
	ring, err := provenance.LoadKeyring(path)
	if err != nil {
		return nil, fmt.Errorf("failed to load keyring: %w", err)
	}
	return ring, nil
}

// VerifyChart checks a chart archive against its provenance file
// (<archive>.prov), as `helm verify` does.
func VerifyChart(ctx context.Context, archive, keyring string) (*provenance.Verification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lc := &LocatedChart{Path: archive}
	if err := verifyLocal(lc, keyring); err != nil {
		return nil, err
	}
	return lc.Verification, nil
}

// loadArchiveBytes loads a chart from archive bytes.
func loadArchiveBytes(b []byte) (*chart.Chart, error) { return chart.LoadArchive(bytes.NewReader(b)) }
