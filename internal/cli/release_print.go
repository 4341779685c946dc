package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
)

// releasePrintOptions say how printRelease shows a release. The zero value prints
// the summary table that status prints.
type releasePrintOptions struct {
	// Format is table (also for ""), json or yaml. JSON and YAML print the
	// release record as given, Info.Resources included: status clears Chart
	// first, install and upgrade leave it in.
	Format outputFormat
	// ShowChart adds CHART, VERSION and APP_VERSION lines after REVISION
	// (get all).
	ShowChart bool
	// Debug adds the user-supplied and computed values, the hooks and the
	// manifest after the test suite (--debug, get all). The hooks and the
	// manifest are also printed, without Debug, for a dry run: a release
	// whose description is "Dry run complete" (any case), as Helm does for
	// install and upgrade --dry-run.
	Debug bool
	// HideNotes leaves out the chart's notes (--hide-notes).
	HideNotes bool
}

// printRelease prints a release as Helm's status, install, upgrade and get all
// print it. The table has, in order: NAME, LAST DEPLOYED (when set), NAMESPACE,
// STATUS (coloured on a terminal), REVISION, the chart lines (ShowChart),
// DESCRIPTION, RESOURCES (when Info.Resources is set: a table per kind, as
// kubectl get prints the server's tables), TEST SUITE (None without test
// hooks; the last run of each test hook that ran), the values, HOOKS and
// MANIFEST (Debug, dry run) and NOTES (unless HideNotes).
func (a *app) printRelease(w io.Writer, rel *release.Release, opts releasePrintOptions) error {
	switch opts.Format {
	case formatJSON:
		return writeJSON(w, rel)
	case formatYAML:
		return writeYAML(w, rel)
	}
	if rel == nil {
		return nil
	}
	info := rel.Info
	if info == nil {
		info = &release.Info{}
	}
	p := a.palette()
	var b bytes.Buffer
	fmt.Fprintf(&b, "NAME: %s\n", rel.Name)
	if !info.LastDeployed.IsZero() {
		fmt.Fprintf(&b, "LAST DEPLOYED: %s\n", info.LastDeployed.Format(time.ANSIC))
	}
	fmt.Fprintf(&b, "NAMESPACE: %s\n", p.namespace(rel.Namespace))
	fmt.Fprintf(&b, "STATUS: %s\n", p.status(info.Status))
	fmt.Fprintf(&b, "REVISION: %d\n", rel.Version)
	if opts.ShowChart {
		var name, version, appVersion string
		if rel.Chart != nil && rel.Chart.Metadata != nil {
			name, version, appVersion = rel.Chart.Metadata.Name, rel.Chart.Metadata.Version, rel.Chart.Metadata.AppVersion
		}
		fmt.Fprintf(&b, "CHART: %s\nVERSION: %s\nAPP_VERSION: %s\n", name, version, appVersion)
	}
	fmt.Fprintf(&b, "DESCRIPTION: %s\n", info.Description)

	if len(info.Resources) > 0 {
		b.WriteString("RESOURCES:\n")
		writeResources(&b, info.Resources)
		b.WriteString("\n")
	}

	tests := 0
	for _, h := range rel.Hooks {
		if !h.Has(release.HookTest) {
			continue
		}
		tests++
		if h.LastRun.StartedAt.IsZero() {
			continue // never run
		}
		fmt.Fprintf(&b, "TEST SUITE:     %s\nLast Started:   %s\nLast Completed: %s\nPhase:          %s\n",
			h.Name, h.LastRun.StartedAt.Format(time.ANSIC), h.LastRun.CompletedAt.Format(time.ANSIC), h.LastRun.Phase)
	}
	if tests == 0 {
		b.WriteString("TEST SUITE: None\n")
	}

	if opts.Debug {
		b.WriteString("USER-SUPPLIED VALUES:\n")
		if err := writeYAML(&b, rel.Config); err != nil {
			return err
		}
		b.WriteString("\n")
		computed, warnings, err := action.ComputedValues(rel)
		a.warnAll(warnings)
		if err != nil {
			return err
		}
		b.WriteString("COMPUTED VALUES:\n")
		if err := writeYAML(&b, computed); err != nil {
			return err
		}
		b.WriteString("\n")
	}

	if opts.Debug || strings.EqualFold(info.Description, "Dry run complete") {
		b.WriteString("HOOKS:\n")
		for _, h := range rel.Hooks {
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
		}
		fmt.Fprintf(&b, "MANIFEST:\n%s\n", rel.Manifest)
	}

	if !opts.HideNotes && info.Notes != "" {
		fmt.Fprintf(&b, "NOTES:\n%s\n", strings.TrimSpace(info.Notes))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeResources prints the live objects kind by kind ("==> v1/Service"), each
// object (normally a server-side table) with kubectl's table printer. One
// printer serves all, so an object whose columns are those of the object
// before it gets no header line, as in kubectl and Helm. Kinds are sorted
// (Helm's order is random).
func writeResources(b *bytes.Buffer, resources map[string][]json.RawMessage) {
	printer := printers.NewTablePrinter(printers.PrintOptions{})
	for _, kind := range slices.Sorted(maps.Keys(resources)) {
		fmt.Fprintf(b, "==> %s\n", kind)
		for _, raw := range resources[kind] {
			obj, err := decodeForPrinting(raw)
			if err == nil {
				err = printer.PrintObj(obj, b)
			}
			if err != nil {
				fmt.Fprintf(b, "failed to print object type %s: %v\n", kind, err)
			}
		}
		b.WriteString("\n")
	}
}

// decodeForPrinting reads an object for the table printer: a server-side
// table (meta.k8s.io Table, v1 or v1beta1) as a *metav1.Table with its rows'
// objects decoded, anything else as an *unstructured.Unstructured.
func decodeForPrinting(raw json.RawMessage) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	gvk := u.GroupVersionKind()
	if gvk.Group != metav1.GroupName || gvk.Kind != "Table" || (gvk.Version != "v1" && gvk.Version != "v1beta1") {
		return u, nil
	}
	tbl := &metav1.Table{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, tbl); err != nil {
		return u, nil // not a table after all: print it as an object
	}
	for i := range tbl.Rows {
		row := &tbl.Rows[i]
		if row.Object.Raw == nil || row.Object.Object != nil {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(row.Object.Raw); err != nil {
			return u, nil
		}
		row.Object.Object = obj
	}
	return tbl, nil
}
