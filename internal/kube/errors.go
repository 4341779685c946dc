package kube

import (
	"errors"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// ObjectError is a failed request about one object.
type ObjectError struct {
	// Object names the object as Kind/namespace/name (Kind/name when cluster-scoped).
	Object string
	// Op is what failed: apply, create, patch, replace, get, delete, upgrade managed fields.
	Op  string
	Err error
}

func (e *ObjectError) Error() string { return e.Object + ": " + e.Op + ": " + e.Err.Error() }

func (e *ObjectError) Unwrap() error { return e.Err }

func objectError(r *Resource, op string, err error) error {
	if err == nil {
		return nil
	}
	return &ObjectError{Object: r.String(), Op: op, Err: err}
}

// join joins the non-nil errors, in order; nil when there are none. errors.Is and
// errors.As see each of them. Requests the API server never answered (it died, or
// cannot be reached) are told once, with a count, rather than one line per object:
// they all fail the same way.
func join(errs []error) error {
	err := errors.Join(errs...)
	if err == nil {
		return nil
	}
	var lines []string
	var first error
	unanswered := 0
	for _, e := range errs {
		switch {
		case e == nil:
		case noAnswer(e):
			if unanswered == 0 {
				first = e
			}
			unanswered++
		default:
			lines = append(lines, e.Error())
		}
	}
	if unanswered == 0 {
		return err
	}
	msg := "the API server did not answer: " + first.Error()
	if unanswered > 1 {
		msg = fmt.Sprintf("the API server did not answer %d requests; the first: %s", unanswered, first)
	}
	return &joinedError{errs: errs, msg: strings.Join(append(lines, msg), "\n")}
}

// joinedError is join's result when some requests got no answer.
type joinedError struct {
	errs []error
	msg  string
}

func (e *joinedError) Error() string   { return e.msg }
func (e *joinedError) Unwrap() []error { return e.errs }

// noAnswer tells whether err is a request that got no answer from the API server:
// its connection was refused, reset, lost or cut (also while its body was read:
// client-go wraps that EOF, which IsProbableEOF does not unwrap).
func noAnswer(err error) bool {
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsHTTP2ConnectionLost(err) ||
		utilnet.IsProbableEOF(err) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// isQuotaConflict tells whether err is the transient conflict the ResourceQuota
// admission plugin returns when several requests charge one quota at once. Such
// requests are worth retrying.
func isQuotaConflict(err error) bool {
	if !apierrors.IsConflict(err) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "resourcequotas") && strings.Contains(msg, "the object has been modified")
}
