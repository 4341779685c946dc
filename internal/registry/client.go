package registry

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/tlsconf"
)

// Helm's media types.
const (
	ConfigMediaType           = "application/vnd.cncf.helm.config.v1+json"
	ChartLayerMediaType       = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	ProvLayerMediaType        = "application/vnd.cncf.helm.chart.provenance.v1.prov"
	LegacyChartLayerMediaType = "application/tar+gzip"
)

// Size limits of what a pull reads.
const (
	maxManifestSize = 4 << 20
	maxChartSize    = 64 << 20
	maxProvSize     = 1 << 20
)

// Options configure a Client. The zero value uses no stored credentials, HTTPS
// with verification, and the system's roots.
type Options struct {
	// CredentialsFile is the Docker-format config.json logins are kept in.
	CredentialsFile string
	// Username and Password, when set, are used instead of stored credentials.
	Username, Password string
	// Credential, when set, gives the login for a repository
	// ("host[:port]", "path/name"); ok false means none (anonymous). It is
	// used instead of Username, Password and stored credentials.
	Credential func(host, repository string) (username, password string, ok bool)
	PlainHTTP  bool
	// PlainHTTPFallback speaks plain HTTP to a registry whose HTTPS endpoint
	// cannot be reached (a connection or TLS error), as go-containerregistry
	// does for registries it allows plain HTTP.
	PlainHTTPFallback bool
	// InsecureSkipTLSVerify, CertFile, KeyFile and CAFile configure TLS.
	InsecureSkipTLSVerify     bool
	CertFile, KeyFile, CAFile string
	// TLSConfig, when set, is used for HTTPS as it is, instead of the files
	// and InsecureSkipTLSVerify: material held in memory.
	TLSConfig *tls.Config
	// Proxy, when set, carries every request instead of the proxy the
	// environment names.
	Proxy     *url.URL
	UserAgent string
}

// Client talks to OCI registries.
type Client struct {
	opts  Options
	http  *http.Client
	probe *http.Client // without retries
	store credentials.Store

	mu    sync.Mutex
	plain map[string]bool // by host, with PlainHTTPFallback: whether HTTPS failed
}

// New returns a client.
func New(o Options) (*Client, error) {
	c := &Client{opts: o}
	t := retry.NewTransport(nil)
	base := http.DefaultTransport.(*http.Transport).Clone()
	tlsConf := o.TLSConfig
	if tlsConf == nil {
		var err error
		if tlsConf, err = tlsconf.Client(o.CertFile, o.KeyFile, o.CAFile, o.InsecureSkipTLSVerify); err != nil {
			return nil, err
		}
	}
	base.TLSClientConfig = tlsConf
	if o.Proxy != nil {
		base.Proxy = http.ProxyURL(o.Proxy)
	}
	t.Base = base
	c.http = &http.Client{Transport: t}
	c.probe = &http.Client{Transport: base}
	if o.CredentialsFile != "" {
		opts := credentials.StoreOptions{AllowPlaintextPut: true, DetectDefaultNativeStore: true}
		store, err := credentials.NewStore(o.CredentialsFile, opts)
		if err != nil {
			return nil, fmt.Errorf("registry credentials %s: %w", o.CredentialsFile, err)
		}
		c.store = store
		if docker, err := credentials.NewStoreFromDocker(opts); err == nil {
			c.store = credentials.NewStoreWithFallbacks(store, docker)
		}
	}
	return c, nil
}

func (c *Client) authClient(username, password string) *auth.Client {
	ac := &auth.Client{Client: c.http, Cache: auth.NewCache()}
	if c.opts.UserAgent != "" {
		ac.SetUserAgent(c.opts.UserAgent)
	}
	switch {
	case username != "" || password != "":
		ac.Credential = func(context.Context, string) (auth.Credential, error) {
			return auth.Credential{Username: username, Password: password}, nil
		}
	case c.store != nil && c.opts.Credential == nil:
		ac.Credential = credentials.Credential(c.store)
	}
	return ac
}

func (c *Client) repository(ctx context.Context, ref registry.Reference) (*remote.Repository, error) {
	r, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, err
	}
	r.PlainHTTP = c.opts.PlainHTTP || c.opts.PlainHTTPFallback && !c.httpsWorks(ctx, ref.Registry)
	user, pass := c.opts.Username, c.opts.Password
	if c.opts.Credential != nil {
		user, pass, _ = c.opts.Credential(ref.Registry, ref.Repository)
	}
	r.Client = c.authClient(user, pass)
	return r, nil
}

// httpsWorks tells whether host answers HTTPS at /v2/ (any HTTP status will
// do); the answer is kept for the client's life.
func (c *Client) httpsWorks(ctx context.Context, host string) bool {
	c.mu.Lock()
	plain, known := c.plain[host]
	c.mu.Unlock()
	if known {
		return !plain
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/v2/", nil)
	if err != nil {
		return false
	}
	resp, err := c.probe.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return true // not known; let the real request say what went wrong
		}
	} else {
		resp.Body.Close()
	}
	c.mu.Lock()
	if c.plain == nil {
		c.plain = map[string]bool{}
	}
	c.plain[host] = err != nil
	c.mu.Unlock()
	return err == nil
}

// Login checks credentials against a registry and stores them.
func (c *Client) Login(ctx context.Context, host, username, password string) error {
	if c.store == nil {
		return errors.New("no credentials file to store the login in")
	}
	reg, err := remote.NewRegistry(host)
	if err != nil {
		return err
	}
	reg.PlainHTTP = c.opts.PlainHTTP
	ac := c.authClient(username, password)
	ac.ForceAttemptOAuth2 = true
	reg.Client = ac
	if err := reg.Ping(ctx); err != nil {
		ac.ForceAttemptOAuth2 = false
		if err := reg.Ping(ctx); err != nil {
			return fmt.Errorf("authenticating to %q: %w", host, err)
		}
	}
	key := credentials.ServerAddressFromHostname(credentials.ServerAddressFromRegistry(host))
	return c.store.Put(ctx, key, auth.Credential{Username: username, Password: password})
}

// Logout forgets the credentials of a registry.
func (c *Client) Logout(ctx context.Context, host string) error {
	if c.store == nil {
		return errors.New("no credentials file")
	}
	return credentials.Logout(ctx, c.store, host)
}

// ParseReference parses "host/path/name[:tag|@digest]", with or without "oci://".
func ParseReference(s string) (registry.Reference, error) {
	ref, err := registry.ParseReference(strings.TrimPrefix(s, "oci://"))
	if err != nil {
		return ref, fmt.Errorf("invalid OCI reference %q: %w", s, err)
	}
	return ref, nil
}

// PushResult says what was pushed.
type PushResult struct {
	Ref            string // host/repo:tag
	ManifestDigest string
	ChartDigest    string
}

// Push uploads a chart archive (and its provenance file, if any) to ref, which
// must end in /<chart name>:<chart version> ("+" in the version becomes "_").
// created is recorded as the org.opencontainers.image.created annotation.
func (c *Client) Push(ctx context.Context, ref string, archive, prov []byte, md *chart.Metadata, created time.Time) (*PushResult, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	if path.Base(r.Repository) != md.Name || r.Reference != Tag(md.Version) {
		return nil, errors.New("strict mode enabled, ref basename and tag must match the chart name and version")
	}
	repo, err := c.repository(ctx, r)
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	push := func(mediaType string, data []byte) (ocispec.Descriptor, error) {
		d := content.NewDescriptorFromBytes(mediaType, data)
		exists, err := repo.Exists(ctx, d)
		if err == nil && exists {
			return d, nil
		}
		if err := repo.Push(ctx, d, bytes.NewReader(data)); err != nil {
			return d, fmt.Errorf("pushing %s to %s: %w", mediaType, ref, err)
		}
		return d, nil
	}
	chartDesc, err := push(ChartLayerMediaType, archive)
	if err != nil {
		return nil, err
	}
	configDesc, err := push(ConfigMediaType, config)
	if err != nil {
		return nil, err
	}
	layers := []ocispec.Descriptor{chartDesc}
	if prov != nil {
		provDesc, err := push(ProvLayerMediaType, prov)
		if err != nil {
			return nil, err
		}
		layers = append(layers, provDesc)
	}
	sort.Slice(layers, func(i, j int) bool { return layers[i].Digest < layers[j].Digest })
	manifest := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, Config: configDesc, Layers: layers,
		Annotations: Annotations(md, created)}
	mb, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	md0 := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, mb)
	if err := repo.PushReference(ctx, md0, bytes.NewReader(mb), r.Reference); err != nil {
		return nil, fmt.Errorf("pushing manifest %s: %w", ref, err)
	}
	return &PushResult{Ref: r.String(), ManifestDigest: md0.Digest.String(), ChartDigest: chartDesc.Digest.String()}, nil
}

// Tag is the tag of a chart version: OCI tags have no "+", so it becomes "_".
func Tag(version string) string { return strings.ReplaceAll(version, "+", "_") }

// Annotations are the manifest annotations Helm derives from a chart's metadata.
func Annotations(md *chart.Metadata, created time.Time) map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			a[k] = v
		}
	}
	set(ocispec.AnnotationDescription, md.Description)
	set(ocispec.AnnotationTitle, md.Name)
	set(ocispec.AnnotationVersion, md.Version)
	set(ocispec.AnnotationURL, md.Home)
	set(ocispec.AnnotationCreated, created.UTC().Format(time.RFC3339))
	if len(md.Sources) > 0 {
		set(ocispec.AnnotationSource, md.Sources[0])
	}
	if len(md.Maintainers) > 0 {
		var b strings.Builder
		for i, m := range md.Maintainers {
			if m == nil {
				continue
			}
			b.WriteString(m.Name)
			if m.Email != "" {
				b.WriteString(" (" + m.Email + ")")
			}
			if i < len(md.Maintainers)-1 {
				b.WriteString(", ")
			}
		}
		set(ocispec.AnnotationAuthors, b.String())
	}
	fixed := []string{ocispec.AnnotationVersion, ocispec.AnnotationTitle}
	for k, v := range md.Annotations {
		if !slices.Contains(fixed, k) {
			a[k] = v
		}
	}
	return a
}

// PullOptions say what Pull fetches. The zero value fetches the chart only.
type PullOptions struct {
	// WithProv fetches the provenance layer too; missing it is an error only
	// when RequireProv is set.
	WithProv    bool
	RequireProv bool
}

// PullResult is a pulled chart.
type PullResult struct {
	Ref            string // host/repo:tag or host/repo@digest as resolved
	ManifestDigest string
	ChartDigest    string
	Chart          []byte
	Prov           []byte // nil when not asked for or absent
	Metadata       *chart.Metadata
}

// Pull fetches the chart a reference (tag or digest) points at.
func (c *Client) Pull(ctx context.Context, ref string, o PullOptions) (*PullResult, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	if r.Reference == "" {
		return nil, fmt.Errorf("%s: no tag or digest given", ref)
	}
	repo, err := c.repository(ctx, r)
	if err != nil {
		return nil, err
	}
	desc, rc, err := repo.FetchReference(ctx, r.Reference)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	defer rc.Close()
	if desc.Size > maxManifestSize {
		return nil, fmt.Errorf("%s: manifest of %d bytes is too large", ref, desc.Size)
	}
	mb, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	m, chartDesc, provDesc, err := parseManifest(desc.MediaType, mb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	res := &PullResult{Ref: r.String(), ManifestDigest: desc.Digest.String()}
	if !strings.HasPrefix(r.Reference, "sha256:") {
		res.Ref = r.Registry + "/" + r.Repository + ":" + r.Reference
	}
	fetch := func(d ocispec.Descriptor, limit int64) ([]byte, error) {
		if d.Size > limit {
			return nil, fmt.Errorf("%s: layer %s of %d bytes is too large", ref, d.Digest, d.Size)
		}
		b, err := content.FetchAll(ctx, repo, d)
		if err != nil {
			return nil, fmt.Errorf("%s: layer %s: %w", ref, d.Digest, err)
		}
		return b, nil
	}
	if res.Chart, err = fetch(*chartDesc, maxChartSize); err != nil {
		return nil, err
	}
	res.ChartDigest = chartDesc.Digest.String()
	if cb, err := fetch(m.Config, maxManifestSize); err == nil {
		md := &chart.Metadata{}
		if json.Unmarshal(cb, md) == nil {
			res.Metadata = md
		}
	}
	if o.WithProv || o.RequireProv {
		switch {
		case provDesc != nil:
			if res.Prov, err = fetch(*provDesc, maxProvSize); err != nil {
				return nil, err
			}
		case o.RequireProv:
			return nil, fmt.Errorf("%s: no provenance layer: the chart was pushed unsigned", ref)
		}
	}
	return res, nil
}

// Resolve asks the registry for the manifest digest a tag (or digest)
// reference points at, without fetching the manifest: a HEAD request, so that
// a caller that has the artifact already need not pull it again.
func (c *Client) Resolve(ctx context.Context, ref string) (string, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return "", err
	}
	if r.Reference == "" {
		return "", fmt.Errorf("%s: no tag or digest given", ref)
	}
	repo, err := c.repository(ctx, r)
	if err != nil {
		return "", err
	}
	desc, err := repo.Resolve(ctx, r.Reference)
	if err != nil {
		return "", fmt.Errorf("%s: %w", ref, err)
	}
	return desc.Digest.String(), nil
}

// parseManifest reads a chart's manifest: the manifest, its chart layer and its
// provenance layer (nil when there is none).
func parseManifest(mediaType string, mb []byte) (m *ocispec.Manifest, chartDesc, provDesc *ocispec.Descriptor, err error) {
	if mediaType != ocispec.MediaTypeImageManifest {
		return nil, nil, nil, fmt.Errorf("unsupported manifest media type %q", mediaType)
	}
	m = &ocispec.Manifest{}
	if err := json.Unmarshal(mb, m); err != nil {
		return nil, nil, nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Config.MediaType != ConfigMediaType {
		return nil, nil, nil, fmt.Errorf("not a Helm chart (config media type %q)", m.Config.MediaType)
	}
	for i, l := range m.Layers {
		switch l.MediaType {
		case ChartLayerMediaType, LegacyChartLayerMediaType:
			chartDesc = &m.Layers[i]
		case ProvLayerMediaType:
			provDesc = &m.Layers[i]
		}
	}
	if chartDesc == nil {
		return nil, nil, nil, errors.New("manifest has no chart layer")
	}
	for _, d := range []*ocispec.Descriptor{&m.Config, chartDesc, provDesc} {
		if d == nil {
			continue
		}
		if err := d.Digest.Validate(); err != nil {
			return nil, nil, nil, fmt.Errorf("layer %s: %w", d.MediaType, err)
		}
		if d.Size < 0 {
			return nil, nil, nil, fmt.Errorf("layer %s: negative size %d", d.MediaType, d.Size)
		}
	}
	return m, chartDesc, provDesc, nil
}

// Tags lists a repository's tags, "_" turned back into "+".
func (c *Client) Tags(ctx context.Context, repoRef string) ([]string, error) {
	tags, err := c.RawTags(ctx, repoRef)
	for i, t := range tags {
		tags[i] = strings.ReplaceAll(t, "_", "+")
	}
	return tags, err
}

// RawTags lists the tags of repoRef as the registry has them ("_" stays).
func (c *Client) RawTags(ctx context.Context, repoRef string) ([]string, error) {
	r, err := ParseReference(repoRef)
	if err != nil {
		return nil, err
	}
	repo, err := c.repository(ctx, r)
	if err != nil {
		return nil, err
	}
	var tags []string
	err = repo.Tags(ctx, "", func(ts []string) error {
		tags = append(tags, ts...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: listing tags: %w", repoRef, err)
	}
	return tags, nil
}

// ResolveVersion picks the newest tag of repoRef that the constraint accepts
// (an exact tag wins). "" means the newest stable version.
func (c *Client) ResolveVersion(ctx context.Context, repoRef, constraint string) (string, error) {
	tags, err := c.Tags(ctx, repoRef)
	if err != nil {
		return "", err
	}
	if constraint != "" && slices.Contains(tags, constraint) {
		return constraint, nil
	}
	cs := constraint
	if cs == "" {
		cs = "*"
	}
	cons, err := semver.NewConstraint(cs)
	if err != nil {
		return "", fmt.Errorf("invalid version constraint %q: %w", constraint, err)
	}
	var best *semver.Version
	for _, t := range tags {
		v, err := semver.StrictNewVersion(t)
		if err != nil {
			continue
		}
		if cons.Check(v) && (best == nil || v.GreaterThan(best)) {
			best = v
		}
	}
	if best == nil {
		return "", fmt.Errorf("could not locate a version matching provided version string %s", constraint)
	}
	return best.Original(), nil
}

// Digest is the OCI digest of data.
func Digest(data []byte) string { return digest.FromBytes(data).String() }
