package storage

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// SecretType is the type of Helm's release Secrets.
const SecretType corev1.SecretType = "helm.sh/release.v1"

// Secrets stores each record as a Secret of type helm.sh/release.v1 whose
// data key "release" holds the payload (base64 text, which the API encodes
// once more). It is Helm's default driver.
type Secrets struct{ kubeDriver }

// NewSecrets stores records as Secrets in namespace; "" reads all namespaces
// and writes each release to its own.
func NewSecrets(c kubetypes.GroupClient, namespace string, opts DriverOptions) *Secrets {
	return &Secrets{kubeDriver{api: secretAPI{c}, namespace: namespace, opts: opts}}
}

type secretAPI struct{ c kubetypes.GroupClient }

func (secretAPI) kind() string { return "Secret" }

func fromSecret(s *corev1.Secret) kubeObject {
	return kubeObject{meta: s.ObjectMeta, payload: s.Data[payloadKey]}
}

func toSecret(obj *kubeObject) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: obj.meta,
		Type:       SecretType,
		Data:       map[string][]byte{payloadKey: obj.payload},
	}
}

func (a secretAPI) get(ctx context.Context, namespace, name string) (*kubeObject, error) {
	s, err := kubetypes.Secrets(a.c, namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	obj := fromSecret(s)
	return &obj, nil
}

func (a secretAPI) list(ctx context.Context, namespace string, opts metav1.ListOptions) ([]kubeObject, string, error) {
	l, err := kubetypes.Secrets(a.c, namespace).List(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	items := make([]kubeObject, len(l.Items))
	for i := range l.Items {
		items[i] = fromSecret(&l.Items[i])
	}
	return items, l.Continue, nil
}

func (a secretAPI) create(ctx context.Context, namespace string, obj *kubeObject) error {
	_, err := kubetypes.Secrets(a.c, namespace).Create(ctx, toSecret(obj), metav1.CreateOptions{})
	return err
}

func (a secretAPI) update(ctx context.Context, namespace string, obj *kubeObject) error {
	_, err := kubetypes.Secrets(a.c, namespace).Update(ctx, toSecret(obj), metav1.UpdateOptions{})
	return err
}

func (a secretAPI) delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error {
	return kubetypes.Secrets(a.c, namespace).Delete(ctx, name, opts)
}

func (a secretAPI) deleteAll(ctx context.Context, namespace, selector string) error {
	return kubetypes.Secrets(a.c, namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: selector})
}
