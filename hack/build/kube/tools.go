//go:build tools

// Package kube pins the Kubernetes control-plane commands that hack/cluster
// builds. It is its own module so that k8s.io/kubernetes, whose go.mod points
// its staging modules at local directories, stays out of Rudder's module
// graph. Build with, from this directory:
//
//	go build -o kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
package kube

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
