package kubetypes

import (
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
)

var errNoMeta = errors.New("kubetypes: object has no metadata")

// The resources Rudder reads and writes as Go types. c is a client of the
// resource's group version (from RESTClient, or a clientset's).

func Secrets(c GroupClient, namespace string) Objects[*corev1.Secret, *corev1.SecretList] {
	return NewObjects(c.RESTClient(), "secrets", namespace, func() *corev1.Secret { return &corev1.Secret{} }, func() *corev1.SecretList { return &corev1.SecretList{} })
}

func ConfigMaps(c GroupClient, namespace string) Objects[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return NewObjects(c.RESTClient(), "configmaps", namespace, func() *corev1.ConfigMap { return &corev1.ConfigMap{} }, func() *corev1.ConfigMapList { return &corev1.ConfigMapList{} })
}

func Pods(c GroupClient, namespace string) Objects[*corev1.Pod, *corev1.PodList] {
	return NewObjects(c.RESTClient(), "pods", namespace, func() *corev1.Pod { return &corev1.Pod{} }, func() *corev1.PodList { return &corev1.PodList{} })
}

func Events(c GroupClient, namespace string) Objects[*corev1.Event, *corev1.EventList] {
	return NewObjects(c.RESTClient(), "events", namespace, func() *corev1.Event { return &corev1.Event{} }, func() *corev1.EventList { return &corev1.EventList{} })
}

func Namespaces(c GroupClient) Objects[*corev1.Namespace, *corev1.NamespaceList] {
	return NewObjects(c.RESTClient(), "namespaces", "", func() *corev1.Namespace { return &corev1.Namespace{} }, func() *corev1.NamespaceList { return &corev1.NamespaceList{} })
}

func ReplicaSets(c GroupClient, namespace string) Objects[*appsv1.ReplicaSet, *appsv1.ReplicaSetList] {
	return NewObjects(c.RESTClient(), "replicasets", namespace, func() *appsv1.ReplicaSet { return &appsv1.ReplicaSet{} }, func() *appsv1.ReplicaSetList { return &appsv1.ReplicaSetList{} })
}

func Leases(c GroupClient, namespace string) Objects[*coordinationv1.Lease, *coordinationv1.LeaseList] {
	return NewObjects(c.RESTClient(), "leases", namespace, func() *coordinationv1.Lease { return &coordinationv1.Lease{} }, func() *coordinationv1.LeaseList { return &coordinationv1.LeaseList{} })
}

// PodLogs is the request for the log of a pod's container.
func PodLogs(c GroupClient, namespace, pod string, opts *corev1.PodLogOptions) *rest.Request {
	return c.RESTClient().Get().Namespace(namespace).Name(pod).Resource("pods").SubResource("log").VersionedParams(opts, ParameterCodec())
}
