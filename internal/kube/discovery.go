package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

// Discovery's two answers: the aggregated form (every group's versions and
// resources in one response), asked for first, and the legacy form (groups, then
// one request per group version), which older servers give instead.
const (
	aggregatedDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	discoveryAccept     = aggregatedDiscovery + ",application/json"
)

// GroupDiscoveryFailedError reports the group versions discovery could not read
// (an APIService whose backend is down, say); what was read is returned with it.
// Helm warns about it and carries on.
type GroupDiscoveryFailedError struct {
	Groups map[schema.GroupVersion]error
}

func (e *GroupDiscoveryFailedError) Error() string {
	groups := make([]string, 0, len(e.Groups))
	for gv, err := range e.Groups {
		groups = append(groups, fmt.Sprintf("%s: %v", gv, err))
	}
	slices.Sort(groups)
	return "unable to retrieve the complete list of server APIs: " + strings.Join(groups, ", ")
}

// IsGroupDiscoveryFailedError tells whether err, or one it wraps, is a partial
// discovery failure.
func IsGroupDiscoveryFailedError(err error) bool {
	var e *GroupDiscoveryFailedError
	return errors.As(err, &e)
}

// staleGroupVersion is the aggregated form's word for a group version it could
// not read.
type staleGroupVersion struct{ gv schema.GroupVersion }

func (s staleGroupVersion) Error() string {
	return "stale GroupVersion discovery: " + s.gv.String()
}

// discovered is what one discovery of the server found.
type discovered struct {
	groups    []metav1.APIGroup // the core group ("") first, as the server lists them
	resources map[schema.GroupVersion]*metav1.APIResourceList
	failed    map[schema.GroupVersion]error
	mapper    meta.RESTMapper
}

// err is the partial failure, or nil.
func (d *discovered) err() error {
	if len(d.failed) == 0 {
		return nil
	}
	return &GroupDiscoveryFailedError{Groups: d.failed}
}

// discovery reads what the API server serves, once, and keeps it until reset.
type discovery struct {
	raw rest.Interface
	// accept is the Accept header of /api and /apis; "" means discoveryAccept,
	// the aggregated form first.
	accept string
	mu     sync.Mutex
	last   *discovered
}

// serverVersion asks the server its version; it is not cached.
func (d *discovery) serverVersion(ctx context.Context) (*version.Info, error) {
	body, err := d.raw.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("unable to parse the server version: %w", err)
	}
	return &info, nil
}

// reset forgets what was discovered: the next question asks the server again.
func (d *discovery) reset() {
	d.mu.Lock()
	d.last = nil
	d.mu.Unlock()
}

// get returns what the server serves, discovering it if nothing is cached. An
// error other than a partial failure means nothing was found, and nothing is cached.
func (d *discovery) get(ctx context.Context) (*discovered, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last != nil {
		return d.last, nil
	}
	found, err := d.discover(ctx)
	if err != nil {
		return nil, err
	}
	found.mapper = newMapper(found)
	d.last = found
	return found, nil
}

// groupsAndResources lists the served groups and the resources of each group
// version read; a partial failure is returned with them.
func (d *discovery) groupsAndResources(ctx context.Context) ([]metav1.APIGroup, []*metav1.APIResourceList, error) {
	found, err := d.get(ctx)
	if err != nil {
		return nil, nil, err
	}
	var lists []*metav1.APIResourceList
	for _, g := range found.groups {
		for _, v := range g.Versions {
			if l, ok := found.resources[schema.GroupVersion{Group: g.Name, Version: v.Version}]; ok {
				lists = append(lists, l)
			}
		}
	}
	return found.groups, lists, found.err()
}

// errGroupVersionNotServed says discovery does not list a group version.
var errGroupVersionNotServed = errors.New("group version not served")

// resourcesFor lists the resources of the group version gv ("apps/v1", "v1").
func (d *discovery) resourcesFor(ctx context.Context, gv string) (*metav1.APIResourceList, error) {
	found, err := d.get(ctx)
	if err != nil {
		return nil, err
	}
	parsed, err := schema.ParseGroupVersion(gv)
	if err != nil {
		return nil, err
	}
	if err := found.failed[parsed]; err != nil {
		return nil, err
	}
	if l, ok := found.resources[parsed]; ok {
		return l, nil
	}
	return nil, errGroupVersionNotServed
}

// restMapping maps a kind of one version to its resource through what was
// discovered; a partial failure maps what was read.
func (d *discovery) restMapping(ctx context.Context, gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	found, err := d.get(ctx)
	if err != nil {
		return nil, err
	}
	return found.mapper.RESTMapping(gk, version)
}

// discover reads the core group (/api) and the named groups (/apis).
func (d *discovery) discover(ctx context.Context) (*discovered, error) {
	found := &discovered{resources: map[schema.GroupVersion]*metav1.APIResourceList{}, failed: map[schema.GroupVersion]error{}}
	accept := d.accept
	if accept == "" {
		accept = discoveryAccept
	}
	var legacy []schema.GroupVersion
	for _, root := range []string{"/api", "/apis"} {
		var contentType string
		body, err := d.raw.Get().AbsPath(root).SetHeader("Accept", accept).Do(ctx).ContentType(&contentType).Raw()
		if err != nil {
			if root == "/api" && (apierrors.IsNotFound(err) || apierrors.IsForbidden(err)) {
				continue // a server without the core group, as client-go allows
			}
			return nil, err
		}
		if isAggregated(contentType) {
			var list apidiscoveryv2.APIGroupDiscoveryList
			if err := json.Unmarshal(body, &list); err != nil {
				return nil, err
			}
			found.addAggregated(list)
			continue
		}
		groups, err := legacyGroups(root, body)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			found.groups = append(found.groups, g)
			for _, v := range g.Versions {
				legacy = append(legacy, schema.GroupVersion{Group: g.Name, Version: v.Version})
			}
		}
	}
	d.fetchLegacy(ctx, found, legacy)
	return found, nil
}

// isAggregated tells whether a response's content type is the aggregated form.
func isAggregated(contentType string) bool {
	return strings.Contains(contentType, "g=apidiscovery.k8s.io") && strings.Contains(contentType, "v=v2") &&
		strings.Contains(contentType, "as=APIGroupDiscoveryList")
}

// legacyGroups reads the legacy answer of /api (versions of the core group) or
// /apis (the named groups).
func legacyGroups(root string, body []byte) ([]metav1.APIGroup, error) {
	if root == "/api" {
		var versions metav1.APIVersions
		if err := json.Unmarshal(body, &versions); err != nil {
			return nil, err
		}
		if len(versions.Versions) == 0 {
			return nil, nil
		}
		g := metav1.APIGroup{}
		for _, v := range versions.Versions {
			g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
		}
		g.PreferredVersion = g.Versions[0]
		return []metav1.APIGroup{g}, nil
	}
	var list metav1.APIGroupList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	return list.Groups, nil
}

// fetchLegacy reads the resources of each group version, all at once.
func (d *discovery) fetchLegacy(ctx context.Context, found *discovered, gvs []schema.GroupVersion) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, gv := range gvs {
		wg.Go(func() {
			path := "/apis/" + gv.String()
			if gv.Group == "" {
				path = "/api/" + gv.Version
			}
			var list metav1.APIResourceList
			body, err := d.raw.Get().AbsPath(path).Do(ctx).Raw()
			if err == nil {
				err = json.Unmarshal(body, &list)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				found.failed[gv] = err
				return
			}
			found.resources[gv] = &list
		})
	}
	wg.Wait()
}

// addAggregated adds the groups of an aggregated answer; versions marked stale
// are failures, and a group's preferred version is its first fresh one.
func (found *discovered) addAggregated(list apidiscoveryv2.APIGroupDiscoveryList) {
	for _, ag := range list.Items {
		g := metav1.APIGroup{Name: ag.Name}
		for _, av := range ag.Versions {
			gv := schema.GroupVersion{Group: ag.Name, Version: av.Version}
			if av.Freshness == apidiscoveryv2.DiscoveryFreshnessStale {
				found.failed[gv] = staleGroupVersion{gv}
				continue
			}
			v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: av.Version}
			g.Versions = append(g.Versions, v)
			if g.PreferredVersion == (metav1.GroupVersionForDiscovery{}) {
				g.PreferredVersion = v
			}
			found.resources[gv] = resourceList(gv, av.Resources)
		}
		found.groups = append(found.groups, g)
	}
}

// resourceList turns the aggregated resources of a group version into the legacy
// list: subresources become resources of their own ("deployments/scale"), and a
// resource or subresource without a kind is left out, as client-go does.
func resourceList(gv schema.GroupVersion, in []apidiscoveryv2.APIResourceDiscovery) *metav1.APIResourceList {
	out := &metav1.APIResourceList{GroupVersion: gv.String()}
	for _, r := range in {
		res := metav1.APIResource{
			Name: r.Resource, SingularName: r.SingularResource, Namespaced: r.Scope == apidiscoveryv2.ScopeNamespace,
			Verbs: r.Verbs, ShortNames: r.ShortNames, Categories: r.Categories,
		}
		if k := r.ResponseKind; k != nil && *k != (metav1.GroupVersionKind{}) {
			res.Group, res.Version, res.Kind = k.Group, k.Version, k.Kind
			out.APIResources = append(out.APIResources, res)
		}
		for _, sr := range r.Subresources {
			k := sr.ResponseKind
			if k == nil || *k == (metav1.GroupVersionKind{}) {
				continue
			}
			out.APIResources = append(out.APIResources, metav1.APIResource{
				Name: res.Name + "/" + sr.Subresource, SingularName: res.SingularName, Namespaced: res.Namespaced,
				Group: k.Group, Version: k.Version, Kind: k.Kind, Verbs: sr.Verbs,
			})
		}
	}
	return out
}

// newMapper maps the kinds discovered to their resources: groups in the order the
// server lists them, each group's preferred version first.
func newMapper(found *discovered) meta.RESTMapper {
	var order []schema.GroupVersion
	for _, g := range found.groups {
		preferred := g.PreferredVersion.Version
		if preferred != "" {
			order = append(order, schema.GroupVersion{Group: g.Name, Version: preferred})
		}
		for _, v := range g.Versions {
			if v.Version != preferred {
				order = append(order, schema.GroupVersion{Group: g.Name, Version: v.Version})
			}
		}
	}
	m := meta.NewDefaultRESTMapper(order)
	for _, gv := range order {
		list, ok := found.resources[gv]
		if !ok {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			scope := meta.RESTScopeRoot
			if r.Namespaced {
				scope = meta.RESTScopeNamespace
			}
			singular := r.SingularName
			if singular == "" {
				singular = strings.ToLower(r.Kind)
			}
			m.AddSpecific(gv.WithKind(r.Kind), gv.WithResource(r.Name), gv.WithResource(singular), scope)
		}
	}
	return m
}
