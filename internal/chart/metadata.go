package chart

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/Masterminds/semver/v3"
)

// Metadata is the content of Chart.yaml.
//
// Field names matter beyond Go: templates see them as .Chart.Name, .Chart.Version...,
// and the JSON tags are the Chart.yaml keys.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// Maintainer is one entry of Chart.yaml's maintainers.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is one entry of Chart.yaml's dependencies (requirements.yaml for v1 charts).
type Dependency struct {
	Name         string   `json:"name"`
	Version      string   `json:"version,omitempty"`
	Repository   string   `json:"repository"`
	Condition    string   `json:"condition,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Enabled      bool     `json:"enabled,omitempty"`
	ImportValues []any    `json:"import-values,omitempty"`
	Alias        string   `json:"alias,omitempty"`
	// DependsOn lists the dependencies (by name or alias) that must be ready before
	// this one is deployed with --wait=ordered (HIP-0025).
	DependsOn []string `json:"depends-on,omitempty"`
}

// Lock is Chart.lock: the exact versions a chart's dependencies were resolved to.
type Lock struct {
	Generated    time.Time     `json:"generated"`
	Digest       string        `json:"digest"`
	Dependencies []*Dependency `json:"dependencies"`
}

// ValidationError is a problem with a chart's metadata.
type ValidationError string

func (v ValidationError) Error() string { return "validation: " + string(v) }

func validationErrorf(format string, args ...any) ValidationError {
	return ValidationError(fmt.Sprintf(format, args...))
}

var aliasPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Validate checks the metadata the way Helm does, and replaces control characters in
// free-text fields by spaces (or drops them) so they cannot garble a terminal.
func (md *Metadata) Validate() error {
	if md == nil {
		return ValidationError("chart.metadata is required")
	}
	for _, s := range []*string{&md.Name, &md.Description, &md.Home, &md.Icon, &md.Condition,
		&md.Tags, &md.AppVersion, &md.KubeVersion} {
		*s = sanitize(*s)
	}
	sanitizeAll(md.Sources)
	sanitizeAll(md.Keywords)

	switch {
	case md.APIVersion == "":
		return ValidationError("chart.metadata.apiVersion is required")
	case md.Name == "":
		return ValidationError("chart.metadata.name is required")
	case md.Name == "." || md.Name == "..":
		return validationErrorf("chart.metadata.name %q is not allowed", md.Name)
	case md.Name != path.Base(strings.ReplaceAll(md.Name, "\\", "/")):
		return validationErrorf("chart.metadata.name %q is invalid", md.Name)
	case md.Version == "":
		return ValidationError("chart.metadata.version is required")
	case !isSemver(md.Version):
		return validationErrorf("chart.metadata.version %q is invalid", md.Version)
	case md.Type != "" && md.Type != "application" && md.Type != "library":
		return ValidationError("chart.metadata.type must be application or library")
	}
	for _, m := range md.Maintainers {
		if m == nil {
			return ValidationError("maintainers must not contain empty or null nodes")
		}
		m.Name, m.Email, m.URL = sanitize(m.Name), sanitize(m.Email), sanitize(m.URL)
	}
	seen := map[string]bool{}
	for _, d := range md.Dependencies {
		if err := d.Validate(); err != nil {
			return err
		}
		key := d.Name
		if d.Alias != "" {
			key = d.Alias
		}
		if seen[key] {
			return validationErrorf("more than one dependency with name or alias %q", key)
		}
		seen[key] = true
	}
	return nil
}

// Validate checks one dependency entry.
func (d *Dependency) Validate() error {
	if d == nil {
		return ValidationError("dependencies must not contain empty or null nodes")
	}
	d.Name, d.Version, d.Repository, d.Condition = sanitize(d.Name), sanitize(d.Version), sanitize(d.Repository), sanitize(d.Condition)
	sanitizeAll(d.Tags)
	if d.Alias != "" && !aliasPattern.MatchString(d.Alias) {
		return validationErrorf("dependency %q has disallowed characters in the alias", d.Name)
	}
	return nil
}

func isSemver(v string) bool {
	_, err := ParseVersion(v)
	return err == nil
}

// ParseVersion is semver.NewVersion, faster: a strict semantic version (as most
// are) is read without NewVersion's regular expression, to the same Version.
func ParseVersion(v string) (*semver.Version, error) {
	if sv, err := semver.StrictNewVersion(v); err == nil {
		return sv, nil
	}
	return semver.NewVersion(v)
}

// IsCompatibleRange tells whether version satisfies the semver constraint; an unparsable
// version or constraint is not compatible.
func IsCompatibleRange(constraint, version string) bool {
	v, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	return c.Check(v)
}

func sanitizeAll(ss []string) {
	for i := range ss {
		ss[i] = sanitize(ss[i])
	}
}

// sanitize turns every kind of white space into a plain space and drops other
// non-printable characters.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return sanitizeRunes(s)
		}
	}
	return s // printable ASCII: nothing to change
}

func sanitizeRunes(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsPrint(r):
			return r
		}
		return -1
	}, s)
}
