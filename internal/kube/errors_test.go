package kube

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// When the API server dies in the middle of an apply, every request fails the same
// way: the error says so once, with a count, and keeps the other failures whole.
func TestJoinSummarisesUnansweredRequests(t *testing.T) {
	cut := func(obj string, err error) error {
		return &ObjectError{Object: obj, Op: "apply", Err: &url.Error{Op: "Patch", URL: "https://127.0.0.1:6443/x/" + obj, Err: err}}
	}
	forbidden := &ObjectError{Object: "Secret/ns/s", Op: "apply", Err: apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "s", errors.New("no"))}
	// client-go's error when the connection is cut while it reads a response body.
	bodyCut := &ObjectError{Object: "ConfigMap/ns/d", Op: "apply", Err: fmt.Errorf("unexpected error when reading response body. Please retry. Original error: %w", io.ErrUnexpectedEOF)}
	errs := []error{nil, cut("ConfigMap/ns/a", io.ErrUnexpectedEOF), forbidden, cut("ConfigMap/ns/b", syscall.ECONNRESET), cut("ConfigMap/ns/c", syscall.ECONNREFUSED), bodyCut}
	err := join(errs)
	want := `secrets "s" is forbidden: no` + "\n" +
		`the API server did not answer 4 requests; the first: ConfigMap/ns/a: apply: Patch "https://127.0.0.1:6443/x/ConfigMap/ns/a": unexpected EOF`
	if got := err.Error(); !strings.HasSuffix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("join:\n%s\nwant it to end with\n%s", got, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || !apierrors.IsForbidden(err) {
		t.Errorf("join hides the errors it joins from errors.Is")
	}
	var oe *ObjectError
	if !errors.As(err, &oe) {
		t.Errorf("errors.As finds no *ObjectError in the joined error")
	}

	one := join([]error{cut("ConfigMap/ns/a", syscall.ECONNREFUSED)})
	if !strings.HasPrefix(one.Error(), "the API server did not answer: ConfigMap/ns/a: apply: ") {
		t.Errorf("join of one unanswered request: %v", one)
	}
	plain := join([]error{forbidden, forbidden})
	if plain.Error() != forbidden.Error()+"\n"+forbidden.Error() {
		t.Errorf("join of answered requests: %q, want them one per line", plain)
	}
	if join([]error{nil, nil}) != nil {
		t.Errorf("join of nils is not nil")
	}
}
