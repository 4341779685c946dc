package storage

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors; the errors returned wrap them. Their messages are Helm's.
var (
	// ErrReleaseNotFound: no record for the release (or revision).
	ErrReleaseNotFound = errors.New("release: not found")
	// ErrReleaseExists: a record for the revision already exists.
	ErrReleaseExists = errors.New("release: already exists")
	// ErrInvalidKey: the release name or revision cannot name a record.
	ErrInvalidKey = errors.New("release: invalid key")
	// ErrNoDeployedReleases: the release has no revision in the deployed state.
	ErrNoDeployedReleases = errors.New("has no deployed releases")

	// ErrInvalidLabel: a user label is malformed or is one of the system labels.
	ErrInvalidLabel = errors.New("invalid label")
	// ErrNamespaceRequired: the driver reads all namespaces and the call needs one.
	ErrNamespaceRequired = errors.New("namespace required")
)

// ReleaseError ties an error to the release, and the revision, it concerns.
type ReleaseError struct {
	Namespace string // "" when unknown
	Name      string
	Version   int // 0 when the error concerns the release as a whole
	Err       error
}

// Error reads `"name" has no deployed releases` (as Helm says it) or
// `"name" revision 3: release: not found`.
func (e *ReleaseError) Error() string {
	s := strconv.Quote(e.Name)
	if e.Version > 0 {
		s += " revision " + strconv.Itoa(e.Version)
	}
	if errors.Is(e.Err, ErrNoDeployedReleases) {
		return s + " " + e.Err.Error()
	}
	return s + ": " + e.Err.Error()
}

func (e *ReleaseError) Unwrap() error { return e.Err }

func releaseError(namespace, name string, version int, err error) error {
	return &ReleaseError{Namespace: namespace, Name: name, Version: version, Err: err}
}

// RecordError is a stored record that could not be read.
type RecordError struct {
	// Object names the record as Kind/namespace/name.
	Object string
	Err    error
}

func (e *RecordError) Error() string { return e.Object + ": " + e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// UnreadableError is returned by a Driver's List along with the records it
// could read, when some could not be; Storage passes each to Options.OnUnreadable.
type UnreadableError struct {
	Records []*RecordError
}

func (e *UnreadableError) Error() string {
	if len(e.Records) == 1 {
		return "a release record could not be read: " + e.Records[0].Error()
	}
	return fmt.Sprintf("%d release records could not be read; the first: %v", len(e.Records), e.Records[0])
}

// Unwrap gives the records' errors, so errors.Is and errors.As see them.
func (e *UnreadableError) Unwrap() []error {
	errs := make([]error, len(e.Records))
	for i, r := range e.Records {
		errs[i] = r
	}
	return errs
}
