package testenv

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// NamespaceLabel marks the namespaces that Namespace creates.
const NamespaceLabel = "rudder.test/testenv"

// Namespace creates a fresh namespace for t, named after the test, waits
// until pods can be created in it (its default ServiceAccount exists) and
// deletes it when t ends.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   namespaceName(t.Name()),
		Labels: map[string]string{NamespaceLabel: "true"},
	}}
	cs := e.Clientset()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("testenv: Namespace/%s: create: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Do not wait for the namespace to go: its controller takes seconds.
		bg := metav1.DeletePropagationBackground
		err := cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("testenv: Namespace/%s: delete: %v", ns.Name, err)
		}
	})
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("testenv: Namespace/%s: waiting for its default ServiceAccount: %v", ns.Name, err)
	}
	return ns.Name
}

// namespaceName turns a test name into a DNS label: "t-", the test's name in
// lower case with anything else as "-", cut to fit, and a random suffix.
func namespaceName(test string) string {
	var b strings.Builder
	dash := true
	for _, r := range strings.ToLower(test) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 48 {
		name = strings.Trim(name[:48], "-")
	}
	return fmt.Sprintf("t-%s-%s", name, strings.ToLower(rand.Text()[:6]))
}
