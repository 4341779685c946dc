package server

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/repo"
)

// Limits on what a chart may bring to the repository.
const (
	// MaxNameLength bounds a chart's name. Real names are under 64 characters;
	// 128, with MaxVersionLength, keeps "<name>-<version>.tgz.prov" within the
	// 255 bytes a file name may have.
	MaxNameLength = 128
	// MaxVersionLength bounds a chart's version.
	MaxVersionLength = 64
	// MaxDescriptionLength bounds a chart's description, a one-line summary
	// that search shows; real ones are a few hundred bytes at most.
	MaxDescriptionLength = 8 << 10
)

// A servable name is usable as a file name and a URL path segment as it is,
// and is not hidden: letters, digits, '.', '_' and '-', starting with a letter
// or digit. A version is a semantic version, which may hold '+' too.
var (
	servableName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	servableVersion = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]*$`)
)

// checkServable refuses a chart name or version that cannot be an archive's
// file name and URL.
func checkServable(name, version string) error {
	switch {
	case len(name) > MaxNameLength:
		return fmt.Errorf("chart name %s: %d characters, more than the %d this server takes", quote(name), len(name), MaxNameLength)
	case !servableName.MatchString(name):
		return fmt.Errorf("chart name %s: this server takes only letters, digits, '.', '_' and '-', starting with a letter or digit", quote(name))
	case len(version) > MaxVersionLength:
		return fmt.Errorf("chart %s version %s: %d characters, more than the %d this server takes", name, quote(version), len(version), MaxVersionLength)
	case !servableVersion.MatchString(version):
		return fmt.Errorf("chart %s version %s: this server takes only letters, digits, '.', '+', '_' and '-', starting with a letter or digit", name, quote(version))
	}
	return nil
}

// checkMetadata bounds what a chart adds to the index: its description, its
// Chart.yaml (chartYAML bytes) and its index entry as written.
func (s *Server) checkMetadata(v *repo.ChartVersion, chartYAML int) error {
	limit := s.opts.MaxMetadataSize
	if n := len(v.Description); n > MaxDescriptionLength {
		return fmt.Errorf("%w: chart %s version %s: description of %s, more than the %s this server takes",
			errTooLarge, v.Name, v.Version, byteSize(int64(n)), byteSize(MaxDescriptionLength))
	}
	if int64(chartYAML) > limit {
		return fmt.Errorf("%w: chart %s version %s: Chart.yaml of %s, more than the %s this server takes",
			errTooLarge, v.Name, v.Version, byteSize(int64(chartYAML)), byteSize(limit))
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: chart %s version %s: %w", errBadChart, v.Name, v.Version, err)
	}
	if int64(len(b)) > limit {
		return fmt.Errorf("%w: chart %s version %s: its index entry would be %s, more than the %s this server takes",
			errTooLarge, v.Name, v.Version, byteSize(int64(len(b))), byteSize(limit))
	}
	return nil
}

// chartYAMLSize is the size of the chart's Chart.yaml as it came.
func chartYAMLSize(c *chart.Chart) int {
	for _, f := range c.Raw {
		if f.Name == "Chart.yaml" {
			return len(f.Data)
		}
	}
	return 0
}

// signedChart is what a provenance file says: the archive it signs, with the
// archive's digest, and the chart's name and version from its Chart.yaml.
type signedChart struct {
	file, digest, name, version string
}

// parseProvenance reads a provenance file without checking the signature,
// which needs the signer's key: a clear-signed message holding a Chart.yaml
// and the digest of one archive.
func parseProvenance(prov []byte) (*signedChart, error) {
	msg, err := provenance.Plaintext(prov)
	if err != nil {
		return nil, fmt.Errorf("not a clear-signed message: %w", err)
	}
	meta, files, err := provenance.ParseMessage(msg)
	if err != nil {
		return nil, err
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("names %d files, where a provenance file names one chart archive", len(files))
	}
	var md chart.Metadata
	if err := yaml.Unmarshal(meta, &md); err != nil {
		return nil, fmt.Errorf("its Chart.yaml: %w", err)
	}
	p := &signedChart{name: md.Name, version: md.Version}
	for f, d := range files {
		p.file, p.digest = f, d
	}
	return p, nil
}

// matches checks that the provenance file signs the archive file with that
// digest (hex SHA-256), of the chart name and version.
func (p *signedChart) matches(file, digest, name, version string) error {
	switch {
	case p.file != file:
		return fmt.Errorf("signs %s, not %s", quote(p.file), file)
	case p.digest != "sha256:"+digest:
		return fmt.Errorf("%s: %w: the signed digest is %s, the archive's sha256:%s", file, provenance.ErrHashMismatch, quote(p.digest), digest)
	case p.name != name || p.version != version:
		return fmt.Errorf("%s: its Chart.yaml is chart %s version %s, not %s version %s", file, quote(p.name), quote(p.version), name, version)
	}
	return nil
}

// quote quotes a string from a request for a message, shortened if long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// byteSize writes a size in bytes, KiB or MiB, to a tenth.
func byteSize(n int64) string {
	unit := func(d float64, name string) string {
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/d, 'f', 1, 64), ".0") + " " + name
	}
	switch {
	case n >= 1<<20:
		return unit(1<<20, "MiB")
	case n >= 1<<10:
		return unit(1<<10, "KiB")
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Errors that make the HTTP status of a refusal.
var (
	errBadChart      = errors.New("invalid chart")
	errBadProvenance = errors.New("invalid provenance file")
	errBadRequest    = errors.New("bad request")
	errTooLarge      = errors.New("too large")
	errTimeout       = errors.New("timed out")
	errNotFound      = errors.New("not found")
)
