package kube

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// Container names one container of a pod, for its logs.
type Container struct {
	Namespace, Pod, Name string
	// Init tells an init container.
	Init bool
}

// Containers lists the containers of the pods r runs: a Pod's own, or those of
// the pods of a Job (found by the Job's name, as Helm does); init containers
// first, pods by name. Other kinds run no pods: the list is empty.
func (c *Client) Containers(ctx context.Context, r *Resource) ([]Container, error) {
	var opts metav1.ListOptions
	switch {
	case r.GVK.Group == "" && r.GVK.Kind == "Pod":
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", r.Name()).String()
	case r.GVK.Group == "batch" && r.GVK.Kind == "Job":
		opts.LabelSelector = "job-name=" + r.Name()
	default:
		return nil, nil
	}
	pods, err := kubetypes.Pods(c.core, r.Namespace()).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: listing its pods: %w", r, err)
	}
	var out []Container
	for _, p := range pods.Items {
		for _, ct := range p.Spec.InitContainers {
			out = append(out, Container{Namespace: p.Namespace, Pod: p.Name, Name: ct.Name, Init: true})
		}
		for _, ct := range p.Spec.Containers {
			out = append(out, Container{Namespace: p.Namespace, Pod: p.Name, Name: ct.Name})
		}
	}
	return out, nil
}

// Logs streams the logs of a container; the caller closes the stream. A pod on
// a node that serves no logs (a fake node) gives an error.
func (c *Client) Logs(ctx context.Context, ct Container) (io.ReadCloser, error) {
	rc, err := kubetypes.PodLogs(c.core, ct.Namespace, ct.Pod, &corev1.PodLogOptions{Container: ct.Name}).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to get logs for pod %s, container %s: %w", ct.Pod, ct.Name, err)
	}
	return rc, nil
}
