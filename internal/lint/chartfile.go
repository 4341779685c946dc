package lint

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/Masterminds/semver/v3"
	"github.com/asaskevich/govalidator"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
)

const chartFileName = "Chart.yaml"

// chartfile checks Chart.yaml.
func (l *linter) chartfile() {
	if fi, err := l.stat(chartFileName); err == nil && fi.IsDir() {
		l.check(Error, chartFileName, errors.New("should be a file, not a directory"))
	}

	data, err := l.readFile(chartFileName)
	md := &chart.Metadata{}
	if err == nil {
		err = yaml.Unmarshal(data, md)
	}
	if err != nil {
		l.check(Error, chartFileName, fmt.Errorf("unable to parse YAML\n\t%w", withHelmTypes(err)))
		return // the other checks need the metadata
	}
	if err := yaml.UnmarshalStrict(data, &chart.Metadata{}); err != nil {
		l.check(Warning, chartFileName, fmt.Errorf("failed to strictly parse chart metadata file\n\t%w", withHelmTypes(err)))
	}

	// The raw document tells the types YAML gave to fields the metadata holds as strings.
	raw := map[string]any{}
	_ = yaml.Unmarshal(data, &raw)

	l.check(Error, chartFileName, checkChartName(md))
	l.check(Error, chartFileName, checkAPIVersion(md))
	l.check(Error, chartFileName, checkStringField(raw, "version"))
	l.check(Error, chartFileName, checkVersion(md))
	l.check(Error, chartFileName, checkStringField(raw, "appVersion"))
	l.check(Error, chartFileName, checkMaintainers(md))
	l.check(Error, chartFileName, checkSources(md))
	l.check(Info, chartFileName, checkIconPresent(md))
	l.check(Error, chartFileName, checkIconURL(md))
	l.check(Error, chartFileName, checkChartType(md))
	l.check(Error, chartFileName, checkDependenciesAllowed(md))
	l.check(Warning, chartFileName, checkStrictSemver(md))
}

// checkStringField reports a field YAML read as something other than a string, such
// as `version: 1.0` (a number).
func checkStringField(raw map[string]any, key string) error {
	v, ok := raw[key]
	if !ok {
		return nil
	}
	if t := fmt.Sprintf("%T", v); t != "string" {
		return fmt.Errorf("%s should be of type string but it's of type %s", key, t)
	}
	return nil
}

func checkChartName(md *chart.Metadata) error {
	if md.Name == "" {
		return errors.New("name is required")
	}
	if filepath.Base(md.Name) != md.Name {
		return fmt.Errorf("chart name %q is invalid", md.Name)
	}
	return nil
}

func checkAPIVersion(md *chart.Metadata) error {
	switch md.APIVersion {
	case "":
		return errors.New(`apiVersion is required. The value must be either "v1" or "v2"`)
	case chart.APIVersionV1, chart.APIVersionV2:
		return nil
	}
	return fmt.Errorf(`apiVersion '%s' is not valid. The value must be either "v1" or "v2"`, md.APIVersion)
}

// anyVersion accepts every version, prereleases included, except 0.0.0 and lower.
var anyVersion = func() *semver.Constraints {
	c, err := semver.NewConstraint(">0.0.0-0")
	if err != nil {
		panic(err)
	}
	return c
}()

func checkVersion(md *chart.Metadata) error {
	if md.Version == "" {
		return errors.New("version is required")
	}
	v, err := semver.NewVersion(md.Version)
	if err != nil {
		return fmt.Errorf("version '%s' is not a valid SemVer", md.Version)
	}
	if ok, reasons := anyVersion.Validate(v); !ok && len(reasons) > 0 {
		return fmt.Errorf("version %w", reasons[0])
	}
	return nil
}

// checkStrictSemver warns about versions SemVer 2 does not allow, such as "v1.2" or "1.2".
func checkStrictSemver(md *chart.Metadata) error {
	if _, err := semver.StrictNewVersion(md.Version); err != nil {
		return fmt.Errorf("version '%s' is not a valid SemVerV2", md.Version)
	}
	return nil
}

func checkMaintainers(md *chart.Metadata) error {
	for _, m := range md.Maintainers {
		switch {
		case m == nil:
			return errors.New("a maintainer entry is empty")
		case m.Name == "":
			return errors.New("each maintainer requires a name")
		case m.Email != "" && !govalidator.IsEmail(m.Email):
			return fmt.Errorf("invalid email '%s' for maintainer '%s'", m.Email, m.Name)
		case m.URL != "" && !govalidator.IsURL(m.URL):
			return fmt.Errorf("invalid url '%s' for maintainer '%s'", m.URL, m.Name)
		}
	}
	return nil
}

func checkSources(md *chart.Metadata) error {
	for _, s := range md.Sources {
		if s == "" || !govalidator.IsRequestURL(s) {
			return fmt.Errorf("invalid source URL '%s'", s)
		}
	}
	return nil
}

func checkIconPresent(md *chart.Metadata) error {
	if md.Icon == "" {
		return errors.New("icon is recommended")
	}
	return nil
}

func checkIconURL(md *chart.Metadata) error {
	if md.Icon != "" && !govalidator.IsRequestURL(md.Icon) {
		return fmt.Errorf("invalid icon URL '%s'", md.Icon)
	}
	return nil
}

func checkChartType(md *chart.Metadata) error {
	if md.Type != "" && md.APIVersion != chart.APIVersionV2 {
		return fmt.Errorf("chart type is not valid in apiVersion '%s'. It is valid in apiVersion '%s'", md.APIVersion, chart.APIVersionV2)
	}
	return nil
}

func checkDependenciesAllowed(md *chart.Metadata) error {
	if len(md.Dependencies) > 0 && md.APIVersion != chart.APIVersionV2 {
		return fmt.Errorf("dependencies are not valid in the Chart file with apiVersion '%s'. They are valid in apiVersion '%s'", md.APIVersion, chart.APIVersionV2)
	}
	return nil
}
