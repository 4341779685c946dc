package release

import (
	"encoding/json"
	"slices"
	"time"
)

// Annotations that make a manifest a hook and control it.
const (
	HookAnnotation          = "helm.sh/hook"
	HookWeightAnnotation    = "helm.sh/hook-weight"
	HookDeleteAnnotation    = "helm.sh/hook-delete-policy"
	HookOutputLogAnnotation = "helm.sh/hook-output-log-policy"
)

// HookEvent is a point of the lifecycle where hooks run.
type HookEvent string

// The hook events.
const (
	HookPreInstall   HookEvent = "pre-install"
	HookPostInstall  HookEvent = "post-install"
	HookPreDelete    HookEvent = "pre-delete"
	HookPostDelete   HookEvent = "post-delete"
	HookPreUpgrade   HookEvent = "pre-upgrade"
	HookPostUpgrade  HookEvent = "post-upgrade"
	HookPreRollback  HookEvent = "pre-rollback"
	HookPostRollback HookEvent = "post-rollback"
	HookTest         HookEvent = "test"
)

// ParseHookEvent maps an annotation value to its event; "test-success" is the old name of "test".
func ParseHookEvent(s string) (HookEvent, bool) {
	switch e := HookEvent(s); e {
	case HookPreInstall, HookPostInstall, HookPreDelete, HookPostDelete, HookPreUpgrade,
		HookPostUpgrade, HookPreRollback, HookPostRollback, HookTest:
		return e, true
	case "test-success":
		return HookTest, true
	}
	return "", false
}

// HookDeletePolicy says when a hook's object is deleted.
type HookDeletePolicy string

// The delete policies.
const (
	HookSucceeded          HookDeletePolicy = "hook-succeeded"
	HookFailed             HookDeletePolicy = "hook-failed"
	HookBeforeHookCreation HookDeletePolicy = "before-hook-creation"
)

// HookOutputLogPolicy says when a hook pod's logs are shown.
type HookOutputLogPolicy string

// The output log policies.
const (
	HookOutputOnSucceeded HookOutputLogPolicy = "hook-succeeded"
	HookOutputOnFailed    HookOutputLogPolicy = "hook-failed"
)

// Hook is a manifest run at lifecycle events instead of being installed with the release.
type Hook struct {
	Name              string                `json:"name,omitempty"`
	Kind              string                `json:"kind,omitempty"`
	Path              string                `json:"path,omitempty"`
	Manifest          string                `json:"manifest,omitempty"`
	Events            []HookEvent           `json:"events,omitempty"`
	LastRun           HookExecution         `json:"last_run"`
	Weight            int                   `json:"weight,omitempty"`
	DeletePolicies    []HookDeletePolicy    `json:"delete_policies,omitempty"`
	OutputLogPolicies []HookOutputLogPolicy `json:"output_log_policies,omitempty"`
}

// Has tells whether the hook runs at event e.
func (h *Hook) Has(e HookEvent) bool { return slices.Contains(h.Events, e) }

// HookPhase is the state of a hook's last run.
type HookPhase string

// The hook phases.
const (
	HookPhaseUnknown   HookPhase = "Unknown"
	HookPhaseRunning   HookPhase = "Running"
	HookPhaseSucceeded HookPhase = "Succeeded"
	HookPhaseFailed    HookPhase = "Failed"
)

// HookExecution records a hook's last run. Unset times are left out of the JSON, and an
// empty string for a time is read as unset.
type HookExecution struct {
	StartedAt   time.Time `json:"started_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
	Phase       HookPhase `json:"phase"`
}

type hookExecutionJSON struct {
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Phase       HookPhase  `json:"phase"`
}

// MarshalJSON writes the execution, leaving out unset times.
func (h HookExecution) MarshalJSON() ([]byte, error) {
	out := hookExecutionJSON{Phase: h.Phase}
	if !h.StartedAt.IsZero() {
		out.StartedAt = &h.StartedAt
	}
	if !h.CompletedAt.IsZero() {
		out.CompletedAt = &h.CompletedAt
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the execution, taking "" for a time as unset.
func (h *HookExecution) UnmarshalJSON(data []byte) error {
	var raw struct {
		StartedAt   json.RawMessage `json:"started_at"`
		CompletedAt json.RawMessage `json:"completed_at"`
		Phase       HookPhase       `json:"phase"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*h = HookExecution{Phase: raw.Phase}
	if err := unmarshalTime(raw.StartedAt, &h.StartedAt); err != nil {
		return err
	}
	return unmarshalTime(raw.CompletedAt, &h.CompletedAt)
}
