package kube

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
// errors.As see each of them.
func join(errs []error) error { return errors.Join(errs...) }

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
