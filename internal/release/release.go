package release

import (
	"encoding/json"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
)

// Status is the state of one revision of a release.
type Status string

// The release statuses, as Helm names them.
const (
	StatusUnknown         Status = "unknown"
	StatusDeployed        Status = "deployed"
	StatusUninstalled     Status = "uninstalled"
	StatusSuperseded      Status = "superseded"
	StatusFailed          Status = "failed"
	StatusUninstalling    Status = "uninstalling"
	StatusPendingInstall  Status = "pending-install"
	StatusPendingUpgrade  Status = "pending-upgrade"
	StatusPendingRollback Status = "pending-rollback"
)

// IsPending tells whether an operation on the revision was under way.
func (s Status) IsPending() bool {
	return s == StatusPendingInstall || s == StatusPendingUpgrade || s == StatusPendingRollback
}

// ApplyMethod records how a revision's objects were sent to the cluster.
type ApplyMethod string

// The apply methods.
const (
	ApplyMethodClientSide ApplyMethod = "csa"
	ApplyMethodServerSide ApplyMethod = "ssa"
)

// Release is one revision of a release. Its JSON form is Helm's release record.
type Release struct {
	Name      string         `json:"name,omitempty"`
	Info      *Info          `json:"info,omitempty"`
	Chart     *chart.Chart   `json:"chart,omitempty"`
	Config    map[string]any `json:"config,omitempty"`
	Manifest  string         `json:"manifest,omitempty"`
	Hooks     []*Hook        `json:"hooks,omitempty"`
	Version   int            `json:"version,omitempty"`
	Namespace string         `json:"namespace,omitempty"`
	// Labels are user labels, stored on the record's Secret or ConfigMap, not in its JSON.
	Labels      map[string]string `json:"-"`
	ApplyMethod string            `json:"apply_method,omitempty"`
}

// SetStatus sets the revision's status and description.
func (r *Release) SetStatus(s Status, description string) {
	if r.Info == nil {
		r.Info = &Info{}
	}
	r.Info.Status = s
	r.Info.Description = description
}

// Info describes what happened to a revision.
type Info struct {
	FirstDeployed    time.Time `json:"first_deployed,omitzero"`
	LastDeployed     time.Time `json:"last_deployed,omitzero"`
	Deleted          time.Time `json:"deleted,omitzero"`
	Description      string    `json:"description,omitempty"`
	Status           Status    `json:"status,omitempty"`
	RollbackRevision int       `json:"rollback_revision,omitempty"`
	Notes            string    `json:"notes,omitempty"`
	// Resources are the live objects by kind, filled in for status output only.
	Resources map[string][]json.RawMessage `json:"resources,omitempty"`
}

type infoJSON struct {
	FirstDeployed    *time.Time                   `json:"first_deployed,omitempty"`
	LastDeployed     *time.Time                   `json:"last_deployed,omitempty"`
	Deleted          *time.Time                   `json:"deleted,omitempty"`
	Description      string                       `json:"description,omitempty"`
	Status           Status                       `json:"status,omitempty"`
	RollbackRevision int                          `json:"rollback_revision,omitempty"`
	Notes            string                       `json:"notes,omitempty"`
	Resources        map[string][]json.RawMessage `json:"resources,omitempty"`
}

// MarshalJSON writes the info, leaving out unset times.
func (i Info) MarshalJSON() ([]byte, error) {
	out := infoJSON{Description: i.Description, Status: i.Status, RollbackRevision: i.RollbackRevision,
		Notes: i.Notes, Resources: i.Resources}
	if !i.FirstDeployed.IsZero() {
		out.FirstDeployed = &i.FirstDeployed
	}
	if !i.LastDeployed.IsZero() {
		out.LastDeployed = &i.LastDeployed
	}
	if !i.Deleted.IsZero() {
		out.Deleted = &i.Deleted
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the info, taking "" for a time as unset (older Helm wrote that).
func (i *Info) UnmarshalJSON(data []byte) error {
	var raw struct {
		FirstDeployed    json.RawMessage              `json:"first_deployed"`
		LastDeployed     json.RawMessage              `json:"last_deployed"`
		Deleted          json.RawMessage              `json:"deleted"`
		Description      string                       `json:"description"`
		Status           Status                       `json:"status"`
		RollbackRevision int                          `json:"rollback_revision"`
		Notes            string                       `json:"notes"`
		Resources        map[string][]json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*i = Info{Description: raw.Description, Status: raw.Status, RollbackRevision: raw.RollbackRevision,
		Notes: raw.Notes, Resources: raw.Resources}
	for _, f := range []struct {
		src json.RawMessage
		dst *time.Time
	}{{raw.FirstDeployed, &i.FirstDeployed}, {raw.LastDeployed, &i.LastDeployed}, {raw.Deleted, &i.Deleted}} {
		if err := unmarshalTime(f.src, f.dst); err != nil {
			return err
		}
	}
	return nil
}

func unmarshalTime(src json.RawMessage, dst *time.Time) error {
	if len(src) == 0 || string(src) == "null" || string(src) == `""` {
		return nil
	}
	return json.Unmarshal(src, dst)
}
