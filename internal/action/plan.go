package action

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/diff"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// PlanVersion is the format of saved plans.
const PlanVersion = "rudder/plan/v1"

// Plan is a saved diff: what `upgrade --plan` is to carry out, and the state it was
// computed against, so that a plan made stale by a newer revision or a changed
// object is refused.
type Plan struct {
	Format    string `json:"format"`
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	// Cluster is the API server the plan was made against.
	Cluster string    `json:"cluster"`
	Created time.Time `json:"created"`
	// Revision is the revision the upgrade starts from; 0 for an install.
	Revision int `json:"revision"`
	// Chart is the chart reference and version constraint as given, and the
	// digest of the chart that was loaded.
	Chart PlanChart `json:"chart"`
	// Values are the values the new revision gets, and their digest.
	Values       map[string]any `json:"values"`
	ValuesDigest string         `json:"valuesDigest"`
	// ManifestDigest is the digest of the rendered manifest.
	ManifestDigest string `json:"manifestDigest"`
	// Objects are the live objects compared, with their resourceVersion ("" for an
	// object that did not exist).
	Objects []PlanObject `json:"objects"`
	Changes diff.Plan    `json:"changes"`
}

// PlanChart names a plan's chart.
type PlanChart struct {
	Ref     string `json:"ref"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest"`
}

// PlanObject is an object a plan read, and the version it saw.
type PlanObject struct {
	APIVersion      string `json:"apiVersion"`
	Kind            string `json:"kind"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

func (o PlanObject) String() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// ErrStalePlan is returned when the release or its objects changed since a plan was
// made, or the plan is too old.
var ErrStalePlan = errors.New("plan is stale")

// ErrBadPlan is returned for a plan file that cannot be read.
var ErrBadPlan = errors.New("invalid plan")

// Write writes the plan as indented JSON.
func (p *Plan) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// ReadPlan reads a plan written by Plan.Write, refusing one that is truncated, of
// another format, or whose values do not match their digest; name names the file in
// errors.
func ReadPlan(r io.Reader, name string) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan %s: %w: %w", name, ErrBadPlan, err)
	}
	switch {
	case p.Format != PlanVersion:
		return nil, fmt.Errorf("plan %s: %w: format %q, want %q", name, ErrBadPlan, p.Format, PlanVersion)
	case p.Release == "" || p.Namespace == "" || p.Chart.Ref == "" || p.Chart.Digest == "" || p.ManifestDigest == "" || p.Created.IsZero():
		return nil, fmt.Errorf("plan %s: %w: fields missing", name, ErrBadPlan)
	case ValuesDigest(p.Values) != p.ValuesDigest:
		return nil, fmt.Errorf("plan %s: %w: values do not match their digest", name, ErrBadPlan)
	}
	return &p, nil
}

// PlanCheck is what a plan is checked against before it is carried out.
type PlanCheck struct {
	Release, Namespace, Cluster string
	Now                         time.Time
	// MaxAge is the age from which a plan is refused; 0 means no limit.
	MaxAge time.Duration
}

// Check refuses a plan for another release, namespace or cluster, one older than
// MaxAge, and one made stale: the release has a newer revision, or an object it
// read changed (its resourceVersion moved) or appeared or went.
func (p *Plan) Check(ctx context.Context, c *Cluster, live LiveReader, want PlanCheck) error {
	switch {
	case p.Release != want.Release:
		return fmt.Errorf("plan is for release %s, not %s", p.Release, want.Release)
	case p.Namespace != want.Namespace:
		return fmt.Errorf("plan is for namespace %s, not %s", p.Namespace, want.Namespace)
	case p.Cluster != want.Cluster:
		return fmt.Errorf("plan is for cluster %s, not %s", p.Cluster, want.Cluster)
	case want.MaxAge > 0 && want.Now.Sub(p.Created) > want.MaxAge:
		return fmt.Errorf("%w: made %s ago, more than --plan-max-age %s", ErrStalePlan, want.Now.Sub(p.Created).Round(time.Second), want.MaxAge)
	}
	revision := 0
	last, err := c.Releases.Last(ctx, p.Release)
	switch {
	case errors.Is(err, storage.ErrReleaseNotFound):
	case err != nil:
		return err
	default:
		revision = last.Version
	}
	if revision != p.Revision {
		return fmt.Errorf("%w: release %s is at revision %d, the plan starts from %d", ErrStalePlan, p.Release, revision, p.Revision)
	}
	if len(p.Objects) == 0 {
		return nil
	}
	var b strings.Builder
	for _, o := range p.Objects {
		fmt.Fprintf(&b, "---\napiVersion: %s\nkind: %s\nmetadata:\n  name: %q\n", o.APIVersion, o.Kind, o.Name)
		if o.Namespace != "" {
			fmt.Fprintf(&b, "  namespace: %q\n", o.Namespace)
		}
	}
	rs, err := c.Objects.Build(ctx, b.String(), kube.BuildOptions{Namespace: p.Namespace})
	if err != nil {
		return fmt.Errorf("plan objects: %w", err)
	}
	objs, err := live.ReadLive(ctx, rs, kube.LiveOptions{})
	if err != nil {
		return err
	}
	for i, obj := range objs {
		rv := ""
		if obj != nil {
			rv = obj.GetResourceVersion()
		}
		if i < len(p.Objects) && rv != p.Objects[i].ResourceVersion {
			return fmt.Errorf("%w: %s changed since the plan was made", ErrStalePlan, p.Objects[i])
		}
	}
	return nil
}

// ValuesDigest is the digest of values in their JSON form (keys sorted).
func ValuesDigest(vals map[string]any) string {
	b, err := json.Marshal(vals)
	if err != nil {
		return ""
	}
	return digest(b)
}

// ChartDigest is the digest of a chart's files and its subcharts'.
func ChartDigest(ch *chart.Chart) string {
	var b bytes.Buffer
	var walk func(c *chart.Chart, prefix string)
	walk = func(c *chart.Chart, prefix string) {
		files := append([]*chart.File{}, c.Raw...)
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		for _, f := range files {
			fmt.Fprintf(&b, "%s%s\x00%d\x00", prefix, f.Name, len(f.Data))
			b.Write(f.Data)
		}
		for _, d := range c.Dependencies() {
			walk(d, prefix+d.Name()+"/")
		}
	}
	walk(ch, "")
	return digest(b.Bytes())
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
