package storage

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/rudderpm/rudder/internal/kubetypes"
	"github.com/rudderpm/rudder/internal/release"
)

// Driver stores release records in one namespace, or reads across all
// namespaces when its namespace is "". Every driver passes the contract tests.
//
// Errors wrap the package's sentinels in a *ReleaseError naming the release.
type Driver interface {
	// Name is Helm's name for the driver: Secret, ConfigMap, Memory or SQL.
	Name() string
	// Get returns one revision, or ErrReleaseNotFound.
	Get(ctx context.Context, name string, version int) (*release.Release, error)
	// List returns the records whose labels (the system labels and the
	// user's) match sel; nil matches all. The order is unspecified. Records
	// that cannot be decoded are left out and reported by an
	// *UnreadableError returned along with the others.
	List(ctx context.Context, sel labels.Selector) ([]*release.Release, error)
	// Create writes a new record, or fails with ErrReleaseExists.
	Create(ctx context.Context, rel *release.Release) error
	// Update replaces an existing record, or fails with ErrReleaseNotFound.
	Update(ctx context.Context, rel *release.Release) error
	// Delete removes one revision and returns it, or ErrReleaseNotFound.
	Delete(ctx context.Context, name string, version int) (*release.Release, error)
}

// DriverOptions configure a driver. The zero value is ready to use.
type DriverOptions struct {
	// Now is the clock behind the createdAt and modifiedAt labels; nil is time.Now.
	Now func() time.Time
}

func (o DriverOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// CoreClient gives the REST client of the core group (v1) to the Secret and
// ConfigMap drivers; a clientset's CoreV1() is one, and so is kube.Client's.
type CoreClient = kubetypes.GroupClient

// Config says how Open makes a driver. Only Core is needed, and only by the
// Kubernetes drivers.
type Config struct {
	// Namespace the driver works in; "" reads across all namespaces.
	Namespace string
	// Core reaches the API server, for the secret and configmap drivers.
	Core CoreClient
	// Memory is the store of the memory driver, shared with earlier drivers
	// (Helm keeps one per process); nil starts an empty one.
	Memory *Memory
	// SQL is the database of the sql driver, from OpenSQL, shared by the
	// drivers of every namespace.
	SQL *SQL
	DriverOptions
}

// Open makes the driver that name, a value of HELM_DRIVER, selects:
// secret or secrets (the default, also for ""), configmap or configmaps,
// memory, or sql.
func Open(name string, cfg Config) (Driver, error) {
	switch name {
	case "", "secret", "secrets":
		if cfg.Core == nil {
			return nil, fmt.Errorf("storage driver %q: no Kubernetes client", name)
		}
		return NewSecrets(cfg.Core, cfg.Namespace, cfg.DriverOptions), nil
	case "configmap", "configmaps":
		if cfg.Core == nil {
			return nil, fmt.Errorf("storage driver %q: no Kubernetes client", name)
		}
		return NewConfigMaps(cfg.Core, cfg.Namespace, cfg.DriverOptions), nil
	case "memory":
		if cfg.Memory != nil {
			return cfg.Memory.InNamespace(cfg.Namespace), nil
		}
		return NewMemory(cfg.Namespace, cfg.DriverOptions), nil
	case "sql":
		if cfg.SQL == nil {
			return nil, fmt.Errorf("storage driver %q: no database", name)
		}
		return cfg.SQL.InNamespace(cfg.Namespace), nil
	}
	return nil, fmt.Errorf("unknown driver %q", name)
}

// ownedBy restricts sel to records that Helm (or Rudder) owns.
func ownedBy(sel labels.Selector) labels.Selector {
	if sel == nil {
		sel = labels.Everything()
	}
	req, err := labels.NewRequirement(labelOwner, selection.Equals, []string{owner})
	if err != nil {
		panic(err) // a constant requirement
	}
	return sel.Add(*req)
}
