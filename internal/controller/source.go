package controller

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/repo"
)

// resolvedChart is a HelmRelease's chart, loaded, with what identifies it.
type resolvedChart struct {
	chart *chart.Chart
	// digest is the SHA-256 of the chart archive (hex).
	digest string
	// ociDigest is the manifest digest of a chart pulled from a registry.
	ociDigest string
	// revision is the artifact revision of a chart from an OCIRepository:
	// <tag>@<manifest digest>, or the digest alone.
	revision string
}

// sources finds and loads the charts HelmReleases ask for. Indexes of HTTP
// repositories are kept in memory, chart archives in the content cache and
// loaded charts in memory by digest: a thousand releases of one chart load it
// once.
type sources struct {
	client client.Reader // sources (cached)
	reader client.Reader // Secrets (not cached)
	cache  string        // the content cache folder
	limits chart.Limits

	indexes   indexStore
	artifacts ociArtifacts

	mu     sync.Mutex
	charts map[string]*chart.Chart // by archive digest
}

// defaultRepositoryTimeout bounds each fetch of a HelmRepository's index or
// chart when its spec.timeout is unset, as in Flux.
const defaultRepositoryTimeout = time.Minute

// maxLoadedCharts bounds the charts kept loaded in memory.
const maxLoadedCharts = 64

// resolve finds, downloads and loads the chart of hr.
func (s *sources) resolve(ctx context.Context, hr *HelmRelease) (*resolvedChart, error) {
	switch {
	case hr.Spec.Chart != nil && hr.Spec.ChartRef != nil:
		return nil, fmt.Errorf("%w: spec.chart and spec.chartRef are both set: give one", errSpec)
	case hr.Spec.Chart != nil:
		return s.fromTemplate(ctx, hr.Namespace, &hr.Spec.Chart.Spec)
	case hr.Spec.ChartRef != nil:
		return s.fromChartRef(ctx, hr.Namespace, hr.Spec.ChartRef)
	}
	return nil, fmt.Errorf("%w: neither spec.chart nor spec.chartRef is set", errSpec)
}

func (s *sources) fromTemplate(ctx context.Context, namespace string, spec *HelmChartTemplateSpec) (*resolvedChart, error) {
	ref := spec.SourceRef
	if spec.Chart == "" {
		return nil, fmt.Errorf("%w: spec.chart.spec.chart is empty", errSpec)
	}
	switch ref.Kind {
	case "HelmRepository":
	case "GitRepository", "Bucket":
		return nil, fmt.Errorf("%w: source kind '%s' in spec.chart.spec.sourceRef is not supported by Rudder yet: want HelmRepository", errSpec, ref.Kind)
	default:
		return nil, fmt.Errorf("%w: unknown source kind '%s' in spec.chart.spec.sourceRef: want HelmRepository", errSpec, ref.Kind)
	}
	var hrepo HelmRepository
	if err := s.get(ctx, HelmRepositoryGVK, namespaceOr(ref.Namespace, namespace), ref.Name, &hrepo); err != nil {
		return nil, err
	}
	version := strings.TrimSpace(spec.Version)
	if version == "*" {
		version = ""
	}
	// As in Flux's source-controller, the repository's timeout bounds the
	// pull of a chart, and each request for its index or its chart.
	timeout := duration(hrepo.Spec.Timeout, defaultRepositoryTimeout)
	if hrepo.Spec.Type == "oci" {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		reg, err := s.helmRegistry(ctx, &hrepo)
		if err != nil {
			return nil, err
		}
		src := &action.ChartSource{ContentCache: s.cache, Registry: reg, ChartLimits: s.limits}
		lc, err := src.Locate(ctx, action.ChartRequest{Ref: strings.TrimSuffix(hrepo.Spec.URL, "/") + "/" + spec.Chart, Version: version})
		if err != nil {
			return nil, fmt.Errorf("chart '%s' from HelmRepository/%s/%s: %w", spec.Chart, hrepo.Namespace, hrepo.Name, err)
		}
		return s.load(lc)
	}
	opts, err := s.repoOptions(ctx, &hrepo)
	if err != nil {
		return nil, err
	}
	idx, fetchErr := s.indexes.get(ctx, &hrepo, opts, false)
	if idx.index == nil {
		return nil, fmt.Errorf("HelmRepository/%s/%s: %w", hrepo.Namespace, hrepo.Name, fetchErr)
	}
	src := &action.ChartSource{ContentCache: s.cache, ChartLimits: s.limits}
	req := action.ChartRequest{Ref: spec.Chart, Version: version, RepoURL: hrepo.Spec.URL, Timeout: timeout,
		Username: opts.Username, Password: opts.Password, PassCredentialsAll: opts.PassCredentialsAll, TLSConfig: opts.TLSConfig}
	lc, err := src.LocateInIndex(ctx, idx.index, req)
	if err != nil && fetchErr != nil {
		return nil, fmt.Errorf("chart '%s' from HelmRepository/%s/%s: %w (looked up in the last good index, fetched %s; fetching a newer one failed: %w)",
			spec.Chart, hrepo.Namespace, hrepo.Name, err, idx.fetched.UTC().Format(time.RFC3339), fetchErr)
	}
	if err != nil {
		return nil, fmt.Errorf("chart '%s' from HelmRepository/%s/%s: %w", spec.Chart, hrepo.Namespace, hrepo.Name, err)
	}
	return s.load(lc)
}

func (s *sources) fromChartRef(ctx context.Context, namespace string, ref *CrossNamespaceObjectRef) (*resolvedChart, error) {
	if ref.Kind != "OCIRepository" {
		return nil, fmt.Errorf("%w: source kind '%s' in spec.chartRef is not supported by Rudder: want OCIRepository", errSpec, ref.Kind)
	}
	var o OCIRepository
	if err := s.get(ctx, OCIRepositoryGVK, namespaceOr(ref.Namespace, namespace), ref.Name, &o); err != nil {
		return nil, err
	}
	// As Flux's helm-controller does, the chart is the OCIRepository's
	// artifact, which it keeps when a newer pull fails.
	if err := ociSourceReady(&o); err != nil {
		return nil, &sourceNotReadyError{kind: "OCIRepository", namespace: o.Namespace, name: o.Name, err: err}
	}
	return s.fromOCIArtifact(ctx, &o)
}

// withRevisionDigest gives the chart, as Flux's helm-controller does for a
// chart from an OCIRepository, the version <version>+<the first 12 hex
// digits of the artifact's digest>, so that a tag pushed again makes a new
// release. The revision's tag, when it is a version ("_" read as "+"), must
// be the chart's version. The loaded chart is shared: the result is a copy.
func (rc *resolvedChart) withRevisionDigest() error {
	md := rc.chart.Metadata
	ver, err := semver.NewVersion(md.Version)
	if err != nil {
		return fmt.Errorf("invalid chart version %s", md.Version)
	}
	tag, digest, hasTag := strings.Cut(rc.revision, "@")
	if !hasTag {
		tag, digest = "", rc.revision
	}
	if tv, err := semver.NewVersion(strings.ReplaceAll(tag, "_", "+")); hasTag && err == nil && !tv.Equal(ver) {
		return fmt.Errorf("artifact revision %s does not match chart version %s", tag, md.Version)
	}
	_, hex, ok := strings.Cut(digest, ":")
	if !ok || len(hex) < 12 {
		return fmt.Errorf("invalid artifact revision %s", rc.revision)
	}
	v, err := ver.SetMetadata(hex[:12])
	if err != nil {
		return err
	}
	ch, m := *rc.chart, *md
	m.Version = v.String()
	ch.Metadata = &m
	rc.chart = &ch
	return nil
}

// checkOCIURL refuses, as Flux's source-controller does, an OCIRepository url
// that is not oci:// or that holds a tag.
func checkOCIURL(url string) error {
	if !strings.HasPrefix(url, "oci://") {
		return &urlError{url: url, why: "URL must be in format 'oci://<domain>/<org>/<repo>'"}
	}
	rest := strings.TrimPrefix(url, "oci://")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		if _, tag, ok := strings.Cut(rest[i:], ":"); ok {
			return &urlError{url: url, why: fmt.Sprintf("URL must not contain a tag; remove ':%s'", tag)}
		}
	}
	return nil
}

// urlError is an OCIRepository url Flux refuses; it is an errSpec, and reads
// as Flux's message.
type urlError struct{ url, why string }

func (e *urlError) Error() string {
	return fmt.Sprintf("URL validation failed for '%s': %s", e.url, e.why)
}

func (e *urlError) Is(target error) bool { return target == errSpec }

// sourceNotReadyError is a source whose artifact cannot be had; it reads as
// Flux's helm-controller words a source that is not ready.
type sourceNotReadyError struct {
	kind, namespace, name string
	err                   error
}

func (e *sourceNotReadyError) Error() string {
	return fmt.Sprintf("%s '%s/%s' is not ready: %v", e.kind, e.namespace, e.name, e.err)
}

func (e *sourceNotReadyError) Unwrap() error { return e.err }

// pullOCI pulls the chart an OCIRepository points at into the content cache.
// When have, the artifact the OCIRepository has, is in the cache and still
// the one its reference points at (asked with a HEAD request, as Flux does),
// nothing is pulled and the result is nil. Its errors do not name the
// OCIRepository.
func (s *sources) pullOCI(ctx context.Context, o *OCIRepository, have *artifact) (*action.LocatedChart, error) {
	if err := checkOCIURL(o.Spec.URL); err != nil {
		return nil, err
	}
	reg, err := s.ociRegistry(ctx, o)
	if err != nil {
		return nil, err
	}
	// As Flux documents it, the OCIRepository's timeout bounds the pull as a
	// whole: resolving the version, the manifest and the chart's blobs.
	timeout := duration(o.Spec.Timeout, defaultRepositoryTimeout)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := action.ChartRequest{Ref: o.Spec.URL}
	switch r := o.Spec.Ref; {
	case r == nil:
		req.Ref += ":latest"
	case r.Digest != "":
		req.Ref += "@" + r.Digest
	case r.SemVer != "":
		tags, err := reg.RawTags(pctx, o.Spec.URL)
		if err == nil {
			var tag string
			if tag, err = semverTag(tags, r.SemVer, r.SemverFilter); err == nil {
				req.Ref += ":" + tag
			}
		}
		if err != nil {
			return nil, overTime(ctx, pctx, o.Spec.URL, timeout, &tagError{url: o.Spec.URL, err: err})
		}
	case r.Tag != "":
		req.Ref += ":" + r.Tag
	default:
		req.Ref += ":latest"
	}
	if have != nil && s.inCache(have) {
		// When the HEAD fails, the pull below is tried, and its error told.
		if d, err := reg.Resolve(pctx, req.Ref); err == nil && ociRevision(&action.LocatedChart{OCIRef: req.Ref, ManifestDigest: d}) == have.Revision {
			return nil, nil
		}
	}
	return s.locateOCI(ctx, pctx, reg, req.Ref, timeout)
}

// locateOCI pulls ref into the content cache within pctx, the OCIRepository's
// timeout.
func (s *sources) locateOCI(ctx, pctx context.Context, reg *registry.Client, ref string, timeout time.Duration) (*action.LocatedChart, error) {
	src := &action.ChartSource{ContentCache: s.cache, Registry: reg, ChartLimits: s.limits}
	lc, err := src.Locate(pctx, action.ChartRequest{Ref: ref})
	if err != nil {
		return nil, overTime(ctx, pctx, ref, timeout, err)
	}
	return lc, nil
}

// overTime says so in err when the OCIRepository's timeout (pctx), and not
// the reconcile's own context, ended the pull of what.
func overTime(ctx, pctx context.Context, what string, timeout time.Duration, err error) error {
	if ctx.Err() == nil && errors.Is(pctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("pull of %s did not finish within its timeout of %s: %w", what, timeout, err)
	}
	return err
}

// inCache tells whether the chart archive of an OCIRepository's artifact is
// in the content cache.
func (s *sources) inCache(a *artifact) bool {
	d := strings.TrimPrefix(a.Digest, "sha256:")
	if d == "" || d == a.Digest {
		return false
	}
	_, err := os.Stat(action.CachedChartPath(s.cache, d))
	return err == nil
}

// pullOCIDigest pulls the chart of an OCIRepository's manifest digest into
// the content cache, within the OCIRepository's timeout.
func (s *sources) pullOCIDigest(ctx context.Context, o *OCIRepository, manifest string) (*action.LocatedChart, error) {
	reg, err := s.ociRegistry(ctx, o)
	if err != nil {
		return nil, err
	}
	timeout := duration(o.Spec.Timeout, defaultRepositoryTimeout)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.locateOCI(ctx, pctx, reg, o.Spec.URL+"@"+manifest, timeout)
}

// load loads a located chart, or takes it from memory.
func (s *sources) load(lc *action.LocatedChart) (*resolvedChart, error) {
	s.mu.Lock()
	ch, ok := s.charts[lc.Digest]
	s.mu.Unlock()
	if !ok {
		var err error
		if ch, err = s.limits.Load(lc.Path); err != nil {
			return nil, fmt.Errorf("%w: chart %s: %w", errSpec, lc.FileName, err)
		}
		if err := action.CheckDependencies(ch); err != nil {
			return nil, fmt.Errorf("%w: chart %s: %w", errSpec, lc.FileName, err)
		}
		s.mu.Lock()
		if len(s.charts) >= maxLoadedCharts {
			clear(s.charts)
		}
		s.charts[lc.Digest] = ch
		s.mu.Unlock()
	}
	return &resolvedChart{chart: ch, digest: lc.Digest, ociDigest: lc.ManifestDigest}, nil
}

// get reads a source object into into; a missing object is an error that
// names it.
func (s *sources) get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string, into any) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	if err := s.client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, u); err != nil {
		return fmt.Errorf("%s/%s/%s: %w", gvk.Kind, namespace, name, err)
	}
	return decode(u, into)
}

// repoOptions are the HTTP options of a HelmRepository: basic auth from its
// secretRef, and TLS from its certSecretRef or, as Flux still does, from the
// TLS keys of its secretRef. Its insecure applies to OCI registries only, as
// in Flux.
func (s *sources) repoOptions(ctx context.Context, r *HelmRepository) (repo.ClientOptions, error) {
	o := repo.ClientOptions{AuthURL: r.Spec.URL, PassCredentialsAll: r.Spec.PassCredentials, Timeout: duration(r.Spec.Timeout, defaultRepositoryTimeout)}
	sec, conf, err := s.helmRepositoryAuth(ctx, r)
	if err != nil {
		return o, fmt.Errorf("HelmRepository/%s/%s: %w", r.Namespace, r.Name, err)
	}
	if sec != nil {
		o.Username, o.Password = string(sec.Data["username"]), string(sec.Data["password"])
	}
	o.TLSConfig = conf
	return o, nil
}

// helmRepositoryAuth reads a HelmRepository's secretRef (nil when unset) and
// its TLS settings (nil: the defaults). As in Flux, a secretRef with a
// username and no password, or the reverse, is refused whatever the
// repository's type.
func (s *sources) helmRepositoryAuth(ctx context.Context, r *HelmRepository) (sec *corev1.Secret, conf *tls.Config, err error) {
	if r.Spec.CertSecretRef != nil {
		if conf, err = s.certSecretTLS(ctx, r.Namespace, r.Spec.CertSecretRef); err != nil {
			return nil, nil, err
		}
	}
	if r.Spec.SecretRef != nil {
		if sec, err = s.secret(ctx, r.Namespace, r.Spec.SecretRef.Name); err != nil {
			return nil, nil, fmt.Errorf("secretRef: %w", err)
		}
		if err := checkBasicAuthKeys(sec); err != nil {
			return nil, nil, err
		}
		if conf == nil {
			if conf, err = legacyTLS(sec); err != nil {
				return nil, nil, err
			}
		}
	}
	return sec, conf, nil
}

// helmRegistry is an OCI client for a HelmRepository of type oci: the login
// of its secretRef (see helmOCILogin), its TLS settings, and plain HTTP when
// insecure is set. passCredentials does not matter to registries, as in Flux.
func (s *sources) helmRegistry(ctx context.Context, r *HelmRepository) (*registry.Client, error) {
	fail := func(err error) (*registry.Client, error) {
		return nil, fmt.Errorf("HelmRepository/%s/%s: %w", r.Namespace, r.Name, err)
	}
	sec, conf, err := s.helmRepositoryAuth(ctx, r)
	if err != nil {
		return fail(err)
	}
	opts := registry.Options{PlainHTTP: r.Spec.Insecure, UserAgent: "rudder-controller", TLSConfig: conf}
	switch {
	case sec != nil:
		if opts.Username, opts.Password, err = helmOCILogin(sec, r.Spec.URL); err != nil {
			return fail(err)
		}
	case r.Spec.Provider != "" && r.Spec.Provider != "generic":
		// Flux asks the cloud for a login here, and fails with
		// AuthenticationFailed when it cannot get one.
		return fail(&secretError{fmt.Errorf("provider '%s': cloud logins are not supported by Rudder: give a secretRef", r.Spec.Provider)})
	}
	return registry.New(opts)
}

// ociRegistry is an OCI client for an OCIRepository, with the logins of its
// pull Secrets.
func (s *sources) ociRegistry(ctx context.Context, o *OCIRepository) (*registry.Client, error) {
	logins, err := s.ociLogins(ctx, o)
	if err != nil {
		return nil, err
	}
	ref, err := registry.ParseReference(o.Spec.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: url: %w", errSpec, err)
	}
	opts := registry.Options{UserAgent: "rudder-controller", Credential: logins.lookup, PlainHTTPFallback: plainHTTPAllowed(ref.Registry, o.Spec.Insecure)}
	// As Flux's source-controller (through go-containerregistry) does: HTTPS,
	// with the TLS settings of certSecretRef, else without verifying the
	// server's certificate when insecure is set; plain HTTP only when HTTPS
	// fails and the registry is insecure or local.
	if o.Spec.CertSecretRef != nil {
		if opts.TLSConfig, err = s.certSecretTLS(ctx, o.Namespace, o.Spec.CertSecretRef); err != nil {
			return nil, err
		}
	} else {
		opts.InsecureSkipTLSVerify = o.Spec.Insecure
	}
	if o.Spec.ProxySecretRef != nil {
		if opts.Proxy, err = s.proxyURL(ctx, o.Namespace, o.Spec.ProxySecretRef); err != nil {
			return nil, err
		}
	}
	return registry.New(opts)
}

// plainHTTPAllowed tells whether a registry may be spoken to in plain HTTP
// after HTTPS failed, by go-containerregistry's rules, which Flux follows:
// when insecure is set, or when host ("host[:port]") is localhost, ends in
// .local or .localhost, holds 127.0.0.1 or ::1, or is a private IPv4 address
// (10/8, 172.16/12, 192.168/16).
func plainHTTPAllowed(host string, insecure bool) bool {
	if insecure || strings.HasPrefix(host, "localhost:") || strings.Contains(host, "127.0.0.1") || strings.Contains(host, "::1") {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host).To4()
	return ip != nil && (ip[0] == 10 || ip[0] == 172 && ip[1]&0xf0 == 16 || ip[0] == 192 && ip[1] == 168)
}

func namespaceOr(ns, def string) string {
	if ns != "" {
		return ns
	}
	return def
}

// indexStore keeps the indexes of HTTP HelmRepositories in memory.
type indexStore struct {
	mu sync.Mutex
	m  map[types.NamespacedName]*storedIndex
}

// storedIndex is one repository's last good index and how its last fetch
// went.
type storedIndex struct {
	fetching sync.Mutex // held while fetching

	mu        sync.Mutex // guards the fields below
	snap      indexSnapshot
	failure   error // the last fetch's error; nil once a fetch succeeds
	failedURL string
	failedAt  time.Time
}

// indexSnapshot is an index and where and when it was fetched.
type indexSnapshot struct {
	url      string
	index    *repo.IndexFile
	revision string // sha256:<hex> of the index as served
	size     int64
	fetched  time.Time
}

// get returns r's index, fetching it when it was never fetched, the URL
// changed, it is older than r's interval, or refresh is set; without refresh,
// a fetch that failed less than an interval ago is not tried again.
//
// When the fetch fails, get returns its error together with the last good
// index of the same URL, if there is one: as Flux's helm-controller keeps
// using a HelmRepository's last artifact, callers may keep serving charts
// from it. Without refresh, a fetch another caller has under way is not
// waited for when there is a last good index.
func (s *indexStore) get(ctx context.Context, r *HelmRepository, o repo.ClientOptions, refresh bool) (indexSnapshot, error) {
	e := s.entry(types.NamespacedName{Namespace: r.Namespace, Name: r.Name})
	maxAge := duration(&r.Spec.Interval, 10*time.Minute)
	if !refresh {
		if snap, done, err := e.usable(r.Spec.URL, maxAge); done {
			return snap, err
		}
		if !e.fetching.TryLock() {
			if snap := e.lastGood(r.Spec.URL); snap.index != nil {
				return snap, nil
			}
			e.fetching.Lock()
		}
		defer e.fetching.Unlock()
		// A fetch that ended while this one waited may have done the work.
		if snap, done, err := e.usable(r.Spec.URL, maxAge); done {
			return snap, err
		}
	} else {
		e.fetching.Lock()
		defer e.fetching.Unlock()
	}
	idx, raw, _, err := repo.FetchIndex(ctx, r.Spec.URL, o)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.failure, e.failedURL, e.failedAt = err, r.Spec.URL, time.Now()
		if e.snap.url != r.Spec.URL {
			return indexSnapshot{}, err
		}
		return e.snap, err
	}
	sum := sha256.Sum256(raw)
	e.snap = indexSnapshot{url: r.Spec.URL, index: idx, revision: "sha256:" + hex.EncodeToString(sum[:]), size: int64(len(raw)), fetched: time.Now()}
	e.failure = nil
	return e.snap, nil
}

// entry is the stored index of a repository, made when missing.
func (s *indexStore) entry(key types.NamespacedName) *storedIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[types.NamespacedName]*storedIndex{}
	}
	e, ok := s.m[key]
	if !ok {
		e = &storedIndex{}
		s.m[key] = e
	}
	return e
}

// usable tells whether url's index can be answered without a fetch: done is
// true when the stored index is younger than maxAge, or when the last fetch
// failed less than maxAge ago (err is its error, snap the last good index, if
// any).
func (e *storedIndex) usable(url string, maxAge time.Duration) (snap indexSnapshot, done bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	good := e.snap.index != nil && e.snap.url == url
	if good && time.Since(e.snap.fetched) < maxAge {
		return e.snap, true, nil
	}
	if e.failure != nil && e.failedURL == url && time.Since(e.failedAt) < maxAge {
		if good {
			return e.snap, true, e.failure
		}
		return indexSnapshot{}, true, e.failure
	}
	return indexSnapshot{}, false, nil
}

// lastGood is the last index fetched from url; empty when there is none.
func (e *storedIndex) lastGood(url string) indexSnapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.snap.url != url {
		return indexSnapshot{}
	}
	return e.snap
}

// drop forgets a repository's index.
func (s *indexStore) drop(key types.NamespacedName) {
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
}
