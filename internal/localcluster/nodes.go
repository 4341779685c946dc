package localcluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// createNodes registers n fake Nodes for kwok to manage and returns their
// names. kwok fills in their status (Ready, capacity, addresses).
func createNodes(ctx context.Context, cs kubernetes.Interface, n int) ([]string, error) {
	names := make([]string, n)
	for i := range n {
		name := fmt.Sprintf("kwok-node-%d", i)
		names[i] = name
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{NodeAnnotation: "fake"},
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
		}}
		_, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("Node/%s: create: %w", name, err)
		}
	}
	return names, nil
}

// nodesReady reports whether all the named nodes are Ready and no longer
// carry the not-ready taint, so that pods can be scheduled on them.
func nodesReady(ctx context.Context, cs kubernetes.Interface, names []string) (bool, error) {
	for _, name := range names {
		node, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready := false
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			return false, nil
		}
		for _, t := range node.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
				return false, nil
			}
		}
	}
	return true, nil
}

// defaultServiceAccount reports whether namespace has its "default"
// ServiceAccount, without which no pod can be created there.
func defaultServiceAccount(ctx context.Context, cs kubernetes.Interface, namespace string) (bool, error) {
	_, err := cs.CoreV1().ServiceAccounts(namespace).Get(ctx, "default", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
