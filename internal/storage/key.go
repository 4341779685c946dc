package storage

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rudderpm/rudder/internal/release"
)

// recordPrefix starts every record's name. The v1 is the version of Helm's
// record format (Helm 3 and 4), not of the release.
const recordPrefix = "sh.helm.release.v1."

// Key is the name of the record for a release's revision:
// sh.helm.release.v1.<name>.v<version>.
func Key(name string, version int) string {
	return recordPrefix + name + ".v" + strconv.Itoa(version)
}

// checkKey tells whether name and version can name a record and be selected
// by label: a revision counts from 1, and the name must fit in a label value
// and make the record's name a DNS subdomain, as Kubernetes requires.
func checkKey(name string, version int) error {
	var problem string
	switch {
	case name == "":
		problem = "empty release name"
	case version < 1:
		problem = fmt.Sprintf("revision %d: revisions count from 1", version)
	case len(validation.IsValidLabelValue(name)) > 0:
		problem = "release name: " + strings.Join(validation.IsValidLabelValue(name), "; ")
	case len(validation.IsDNS1123Subdomain(Key(name, version))) > 0:
		problem = Key(name, version) + ": " + strings.Join(validation.IsDNS1123Subdomain(Key(name, version)), "; ")
	default:
		return nil
	}
	return &ReleaseError{Name: name, Version: max(version, 0), Err: fmt.Errorf("%w: %s", ErrInvalidKey, problem)}
}

// checkName is checkKey for calls that name a release but no revision.
func checkName(name string) error {
	if err := checkKey(name, 1); err != nil {
		return &ReleaseError{Name: name, Err: err.(*ReleaseError).Err}
	}
	return nil
}

// The system labels, which storage sets on every record and users may not.
const (
	labelName       = "name"
	labelOwner      = "owner"
	labelStatus     = "status"
	labelVersion    = "version"
	labelCreatedAt  = "createdAt"
	labelModifiedAt = "modifiedAt"

	owner = "helm"
)

var systemLabels = []string{labelName, labelOwner, labelStatus, labelVersion, labelCreatedAt, labelModifiedAt}

// SystemLabels are the label keys storage reserves for itself, in Helm's order.
func SystemLabels() []string { return slices.Clone(systemLabels) }

// IsSystemLabel tells whether key is one of SystemLabels.
func IsSystemLabel(key string) bool { return slices.Contains(systemLabels, key) }

// userLabels is the part of a record's labels that belongs to the user.
func userLabels(all map[string]string) map[string]string {
	var out map[string]string
	for k, v := range all {
		if IsSystemLabel(k) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(all))
		}
		out[k] = v
	}
	return out
}

// checkRelease tells whether rel can be written.
func checkRelease(rel *release.Release) error {
	if rel == nil {
		return fmt.Errorf("%w: nil release", ErrInvalidKey)
	}
	if err := checkKey(rel.Name, rel.Version); err != nil {
		return err
	}
	if rel.Info == nil {
		// Helm cannot list a release without info; do not write one.
		return releaseError(rel.Namespace, rel.Name, rel.Version, fmt.Errorf("release has no info"))
	}
	if len(rel.Info.Resources) > 0 {
		// Helm fills them in for status output only, and fails to decode a
		// record that has them.
		return releaseError(rel.Namespace, rel.Name, rel.Version, fmt.Errorf("info.resources cannot be stored: Helm could not read the record"))
	}
	for _, k := range slices.Sorted(maps.Keys(rel.Labels)) {
		v := rel.Labels[k]
		var problems []string
		if IsSystemLabel(k) {
			problems = []string{fmt.Sprintf("reserved for storage (system labels: %s)", strings.Join(systemLabels, ", "))}
		}
		problems = append(problems, validation.IsQualifiedName(k)...)
		problems = append(problems, validation.IsValidLabelValue(v)...)
		if len(problems) > 0 {
			return releaseError(rel.Namespace, rel.Name, rel.Version,
				fmt.Errorf("%w %q: %s", ErrInvalidLabel, k, strings.Join(problems, "; ")))
		}
	}
	return nil
}

// recordLabels are the labels of rel's record: the user's, then the system
// labels. The time now is written as createdAt for a new record, modifiedAt
// for a replaced one. As in Helm v4.3.1, a replaced record does not keep its
// createdAt: Helm always replaces a revision after creating it, so its
// records carry modifiedAt alone (and Helm reads a record with both).
func recordLabels(rel *release.Release, now time.Time, update bool) map[string]string {
	lbs := make(map[string]string, len(rel.Labels)+6)
	maps.Copy(lbs, rel.Labels)
	lbs[labelName] = rel.Name
	lbs[labelOwner] = owner
	lbs[labelStatus] = string(rel.Info.Status)
	lbs[labelVersion] = strconv.Itoa(rel.Version)
	stamp := strconv.FormatInt(now.Unix(), 10)
	if !update {
		lbs[labelCreatedAt] = stamp
		return lbs
	}
	lbs[labelModifiedAt] = stamp
	return lbs
}
