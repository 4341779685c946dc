package storage

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// ConfigMaps stores each record as a ConfigMap whose data key "release"
// holds the payload as a string.
type ConfigMaps struct{ kubeDriver }

// NewConfigMaps stores records as ConfigMaps in namespace; "" reads all
// namespaces and writes each release to its own.
func NewConfigMaps(c kubetypes.GroupClient, namespace string, opts DriverOptions) *ConfigMaps {
	return &ConfigMaps{kubeDriver{api: configMapAPI{c}, namespace: namespace, opts: opts}}
}

type configMapAPI struct{ c kubetypes.GroupClient }

func (configMapAPI) kind() string { return "ConfigMap" }

func fromConfigMap(cm *corev1.ConfigMap) kubeObject {
	var payload []byte
	if s, ok := cm.Data[payloadKey]; ok {
		payload = []byte(s)
	}
	return kubeObject{meta: cm.ObjectMeta, payload: payload}
}

func toConfigMap(obj *kubeObject) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: obj.meta,
		Data:       map[string]string{payloadKey: string(obj.payload)},
	}
}

func (a configMapAPI) get(ctx context.Context, namespace, name string) (*kubeObject, error) {
	cm, err := kubetypes.ConfigMaps(a.c, namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	obj := fromConfigMap(cm)
	return &obj, nil
}

func (a configMapAPI) list(ctx context.Context, namespace string, opts metav1.ListOptions) ([]kubeObject, string, error) {
	l, err := kubetypes.ConfigMaps(a.c, namespace).List(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	items := make([]kubeObject, len(l.Items))
	for i := range l.Items {
		items[i] = fromConfigMap(&l.Items[i])
	}
	return items, l.Continue, nil
}

func (a configMapAPI) create(ctx context.Context, namespace string, obj *kubeObject) error {
	_, err := kubetypes.ConfigMaps(a.c, namespace).Create(ctx, toConfigMap(obj), metav1.CreateOptions{})
	return err
}

func (a configMapAPI) update(ctx context.Context, namespace string, obj *kubeObject) error {
	_, err := kubetypes.ConfigMaps(a.c, namespace).Update(ctx, toConfigMap(obj), metav1.UpdateOptions{})
	return err
}

func (a configMapAPI) delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error {
	return kubetypes.ConfigMaps(a.c, namespace).Delete(ctx, name, opts)
}

func (a configMapAPI) deleteAll(ctx context.Context, namespace, selector string) error {
	return kubetypes.ConfigMaps(a.c, namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: selector})
}
