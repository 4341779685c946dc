package kubetypes

import (
	"context"
	"net/http"
	"net/url"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// Serializer is the runtime.NegotiatedSerializer of the built-in types. It
// builds the scheme on its first use, not when a client is made.
type Serializer struct{}

var _ runtime.NegotiatedSerializer = Serializer{}

func (Serializer) SupportedMediaTypes() []runtime.SerializerInfo {
	return codecs().WithoutConversion().SupportedMediaTypes()
}

func (Serializer) EncoderForVersion(e runtime.Encoder, gv runtime.GroupVersioner) runtime.Encoder {
	return codecs().WithoutConversion().EncoderForVersion(e, gv)
}

func (Serializer) DecoderToVersion(d runtime.Decoder, gv runtime.GroupVersioner) runtime.Decoder {
	return codecs().WithoutConversion().DecoderToVersion(d, gv)
}

// ParameterCodec turns options (metav1.ListOptions and the like) into query
// parameters; the scheme is built on its first use.
func ParameterCodec() runtime.ParameterCodec { return lazyParameters{} }

type lazyParameters struct{}

func (lazyParameters) DecodeParameters(p url.Values, from schema.GroupVersion, into runtime.Object) error {
	return parameterCodec().DecodeParameters(p, from, into)
}

func (lazyParameters) EncodeParameters(obj runtime.Object, to schema.GroupVersion) (url.Values, error) {
	return parameterCodec().EncodeParameters(obj, to)
}

// RESTClient is a client of one built-in group version over httpClient, as
// client-go's typed clients make theirs; cfg is not changed.
func RESTClient(cfg *rest.Config, httpClient *http.Client, gv schema.GroupVersion) (rest.Interface, error) {
	config := rest.CopyConfig(cfg)
	config.GroupVersion = &gv
	config.APIPath = "/apis"
	if gv.Group == "" {
		config.APIPath = "/api"
	}
	config.NegotiatedSerializer = Serializer{}
	if config.UserAgent == "" {
		config.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	return rest.RESTClientForConfigAndClient(config, httpClient)
}

// GroupClient is what a client of one group version gives: its REST client. A
// client-go clientset's CoreV1() is one, and so is what RESTClient makes.
type GroupClient interface {
	RESTClient() rest.Interface
}

// Group wraps a REST client as a GroupClient.
type Group struct{ REST rest.Interface }

func (g Group) RESTClient() rest.Interface { return g.REST }

// Objects reaches one resource of a group version, in one namespace ("" for
// all namespaces, or for cluster-scoped resources), decoding into T and its list L.
type Objects[T, L runtime.Object] struct {
	client    rest.Interface
	resource  string
	namespace string
	newObject func() T
	newList   func() L
}

func (o Objects[T, L]) request(r *rest.Request) *rest.Request {
	return r.NamespaceIfScoped(o.namespace, o.namespace != "").Resource(o.resource)
}

func (o Objects[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	out := o.newObject()
	err := o.request(o.client.Get()).Name(name).VersionedParams(&opts, ParameterCodec()).Do(ctx).Into(out)
	return out, err
}

func (o Objects[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	out := o.newList()
	err := o.request(o.client.Get()).VersionedParams(&opts, ParameterCodec()).Timeout(timeoutOf(opts)).Do(ctx).Into(out)
	return out, err
}

func (o Objects[T, L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return o.request(o.client.Get()).VersionedParams(&opts, ParameterCodec()).Timeout(timeoutOf(opts)).Watch(ctx)
}

func (o Objects[T, L]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	out := o.newObject()
	err := o.request(o.client.Post()).VersionedParams(&opts, ParameterCodec()).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (o Objects[T, L]) Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	out := o.newObject()
	m, err := metaOf(obj)
	if err != nil {
		return out, err
	}
	err = o.request(o.client.Put()).Name(m.GetName()).VersionedParams(&opts, ParameterCodec()).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (o Objects[T, L]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return o.request(o.client.Delete()).Name(name).Body(&opts).Do(ctx).Error()
}

func (o Objects[T, L]) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, list metav1.ListOptions) error {
	return o.request(o.client.Delete()).VersionedParams(&list, ParameterCodec()).Body(&opts).Do(ctx).Error()
}

// timeoutOf is the request timeout opts ask for, 0 for none.
func timeoutOf(opts metav1.ListOptions) time.Duration {
	if opts.TimeoutSeconds == nil {
		return 0
	}
	return time.Duration(*opts.TimeoutSeconds) * time.Second
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, errNoMeta
	}
	return m, nil
}
