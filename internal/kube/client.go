package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// DefaultFieldManager is the field manager Helm 4 applies with. Rudder uses the same
// name so that Helm and Rudder own the same fields and do not fight over them.
const DefaultFieldManager = "helm"

// DefaultConcurrency is how many requests one operation keeps in flight when
// Options.Concurrency is zero.
const DefaultConcurrency = 16

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// FieldManager names the writer in managedFields; "" means DefaultFieldManager.
	FieldManager string
	// Concurrency bounds the requests one operation has in flight at once (objects of
	// one kind are sent together); 0 means DefaultConcurrency, and per-call options
	// may lower or raise it.
	Concurrency int
}

// Client is Rudder's adapter to one cluster's API server. It is safe for concurrent
// use. Discovery is cached in memory for the Client's life and refreshed when a kind
// is not found (a CRD just created) or after InstallCRDs.
type Client struct {
	raw          rest.Interface // unversioned JSON client: apply with status codes, tables
	dynamic      dynamic.Interface
	metadata     metadata.Interface
	core         kubetypes.Group // v1, decoding into the built-in Go types
	apps         kubetypes.Group // apps/v1
	coordination kubetypes.Group // coordination.k8s.io/v1
	discovery    *discovery
	fieldManager string
	concurrency  int
	converted    conversions
}

// New returns a Client for the cluster cfg describes. cfg is copied, not changed.
//
// Client-side throttling is off unless cfg asks for it: when cfg.QPS is 0 and
// cfg.RateLimiter is nil, requests are not rate limited by the client (the API
// server's priority and fairness protects it). The CLI leaves QPS at 0 unless the
// user gave --qps; Burst only matters with a QPS.
//
// Warnings the server returns (deprecated APIs and the like) are returned as data in
// results where an operation has them; others go to cfg's warning handler, or
// client-go's default when it has none.
func New(cfg *rest.Config, opts Options) (*Client, error) {
	if cfg == nil {
		return nil, errors.New("kube: no client configuration")
	}
	config := rest.CopyConfig(cfg)
	if config.QPS == 0 && config.RateLimiter == nil {
		config.QPS = -1
	}
	config.WarningHandlerWithContext = &warningRouter{fallback: fallbackWarnings(cfg)}
	config.WarningHandler = nil

	httpClient, err := rest.HTTPClientFor(config)
	if err != nil {
		return nil, fmt.Errorf("kube: http client: %w", err)
	}
	c := &Client{
		fieldManager: opts.FieldManager,
		concurrency:  opts.Concurrency,
	}
	if c.fieldManager == "" {
		c.fieldManager = DefaultFieldManager
	}
	if c.concurrency <= 0 {
		c.concurrency = DefaultConcurrency
	}

	rawConfig := dynamic.ConfigFor(config)
	rawConfig.GroupVersion = nil
	rawConfig.APIPath = "/"
	raw, err := rest.UnversionedRESTClientForConfigAndClient(rawConfig, httpClient)
	if err != nil {
		return nil, fmt.Errorf("kube: rest client: %w", err)
	}
	c.raw = raw
	c.dynamic = dynamic.New(raw)
	if c.metadata, err = metadata.NewForConfigAndClient(config, httpClient); err != nil {
		return nil, fmt.Errorf("kube: metadata client: %w", err)
	}
	// Only the groups Rudder reads as Go types; their scheme is built on first use.
	for _, g := range []struct {
		into *kubetypes.Group
		gv   schema.GroupVersion
	}{
		{&c.core, schema.GroupVersion{Version: "v1"}},
		{&c.apps, schema.GroupVersion{Group: "apps", Version: "v1"}},
		{&c.coordination, schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"}},
	} {
		if g.into.REST, err = kubetypes.RESTClient(config, httpClient, g.gv); err != nil {
			return nil, fmt.Errorf("kube: %s client: %w", g.gv, err)
		}
	}
	c.discovery = &discovery{raw: raw}
	return c, nil
}

// CoreV1 is the Client's client of the core group, for the release storage to
// share the Client's connection.
func (c *Client) CoreV1() kubetypes.GroupClient { return c.core }

// CoordinationV1 is the Client's client of the coordination group, for the
// release locks (Leases) to share the Client's connection.
func (c *Client) CoordinationV1() kubetypes.GroupClient { return c.coordination }

// IsReachable checks that the API server answers, as Helm does before an action.
func (c *Client) IsReachable(ctx context.Context) error {
	if _, err := c.discovery.serverVersion(ctx); err != nil {
		return fmt.Errorf("kubernetes cluster unreachable: %w", err)
	}
	return nil
}

// refreshDiscovery forgets what discovery cached, so that new kinds are seen.
func (c *Client) refreshDiscovery(context.Context) { c.discovery.reset() }

func (c *Client) limit(n int) int {
	if n > 0 {
		return n
	}
	return c.concurrency
}

// Warning is a warning the API server returned about an object.
type Warning struct {
	// Object names the object as Kind/namespace/name.
	Object  string
	Message string
}

// warningRouter hands server warnings to the collector in the request's context, if
// any, otherwise to the fallback handler.
type warningRouter struct {
	fallback rest.WarningHandlerWithContext
}

type warningKey struct{}

// warningSink collects the warnings of one operation, noting the object each is about.
type warningSink struct {
	mu   sync.Mutex
	list []Warning
}

type objectWarnings struct {
	sink   *warningSink
	object string
}

func (w *warningRouter) HandleWarningHeaderWithContext(ctx context.Context, code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	if ow, ok := ctx.Value(warningKey{}).(objectWarnings); ok {
		ow.sink.mu.Lock()
		ow.sink.list = append(ow.sink.list, Warning{Object: ow.object, Message: text})
		ow.sink.mu.Unlock()
		return
	}
	if w.fallback != nil {
		w.fallback.HandleWarningHeaderWithContext(ctx, code, agent, text)
	}
}

// forObject returns ctx routing warnings about r into the sink.
func (s *warningSink) forObject(ctx context.Context, r *Resource) context.Context {
	if s == nil {
		return ctx
	}
	return context.WithValue(ctx, warningKey{}, objectWarnings{sink: s, object: r.String()})
}

func (s *warningSink) warnings() []Warning {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Warning(nil), s.list...)
}

// fallbackWarnings is the handler cfg chose, or client-go's logger.
func fallbackWarnings(cfg *rest.Config) rest.WarningHandlerWithContext {
	switch {
	case cfg.WarningHandlerWithContext != nil:
		return cfg.WarningHandlerWithContext
	case cfg.WarningHandler != nil:
		return contextlessWarnings{cfg.WarningHandler}
	}
	return rest.WarningLogger{}
}

type contextlessWarnings struct{ h rest.WarningHandler }

func (w contextlessWarnings) HandleWarningHeaderWithContext(_ context.Context, code int, agent, text string) {
	w.h.HandleWarningHeader(code, agent, text)
}

// objectPath is the URL path of the object r names (or of its collection when
// name is "").
func objectPath(r *Resource, name string) string {
	p := "/apis/" + r.GVR.Group + "/" + r.GVR.Version
	if r.GVR.Group == "" {
		p = "/api/" + r.GVR.Version
	}
	if r.Namespaced {
		p += "/namespaces/" + r.Object.GetNamespace()
	}
	p += "/" + r.GVR.Resource
	if name != "" {
		p += "/" + name
	}
	return p
}

// resourceClient is the dynamic client for r's resource in r's namespace.
func (c *Client) resourceClient(r *Resource) dynamic.ResourceInterface {
	nri := c.dynamic.Resource(r.GVR)
	if r.Namespaced {
		return nri.Namespace(r.Object.GetNamespace())
	}
	return nri
}
