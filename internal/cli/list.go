package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

const listLong = `List the releases of the current namespace (--namespace, else the kubeconfig
context's), or of every namespace with --all-namespaces: one line per release,
showing its latest revision.

Releases in every status are listed unless status flags narrow the listing;
they combine, so '--failed --pending' shows releases that failed or are in
progress. Only '--superseded' on its own shows older revisions: every revision
that a later one replaced.

Releases are sorted by name; --date sorts them by the time they were last
deployed, oldest first, and --reverse turns either order around. --filter keeps
the releases whose names match a regular expression (Go syntax), --selector
those whose records carry matching labels, including the system labels name,
owner, status, version, createdAt and modifiedAt.

At most --max releases are printed (256 by default, 0 for no limit), starting
after the first --offset ones. When nothing matches, the listing is empty (just
the headers, for a table) and the exit status is 0.`

func (a *app) newListCmd() *cobra.Command {
	var (
		opts      action.ListOptions
		byDate    bool
		reverse   bool
		all       bool
		states    [6]bool
		short     bool
		noHeaders bool
		timeFmt   string
		allNS     bool
		format    outputFormat
		drift     driftFlags
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list releases",
		Long:    listLong,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.States = 0
			for i, on := range states {
				if on {
					opts.States |= listFlagStates[i]
				}
			}
			if all {
				opts.States = action.ListAll
			}
			switch {
			case byDate && reverse:
				opts.Sort = action.SortByDateReverse
			case byDate:
				opts.Sort = action.SortByDate
			case reverse:
				opts.Sort = action.SortByNameReverse
			}
			ns := ""
			if !allNS {
				ns = a.settings.Namespace()
			}
			store, err := a.releases(ns)
			if err != nil {
				return err
			}
			rels, err := action.List{Releases: store, Options: opts}.Run(cmd.Context())
			if err != nil {
				return a.readError(cmd.Context(), err)
			}
			out := a.streams.Out
			if short {
				return writeNames(out, rels, format)
			}
			rows := listRows(rels, timeFmt)
			drifted := 0
			if drift.on {
				if drifted, err = a.listDrift(cmd.Context(), rels, rows); err != nil {
					return err
				}
			}
			switch format {
			case formatJSON:
				err = writeJSON(out, rows)
			case formatYAML:
				err = writeYAML(out, rows)
			default:
				err = writeListTable(out, rows, noHeaders, a.palette())
			}
			if err == nil && drifted > 0 && drift.detailedExitCode {
				said := fmt.Sprintf("%d releases have", drifted)
				if drifted == 1 {
					said = "1 release has"
				}
				err = &exitError{code: 2, err: fmt.Errorf("%s drifted (detailed-exitcode parameter enabled)", said)}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&short, "short", "q", false, "print only the release names")
	f.BoolVar(&noHeaders, "no-headers", false, "leave out the header line of the table")
	f.StringVar(&timeFmt, "time-format", "", `print times in this Go layout, e.g. "2006-01-02 15:04:05Z0700"`)
	f.BoolVarP(&byDate, "date", "d", false, "sort by the time of the last deployment")
	f.BoolVarP(&reverse, "reverse", "r", false, "reverse the sort order")
	for i, s := range listStateFlags {
		f.BoolVar(&states[i], s.name, false, s.usage)
	}
	f.BoolVarP(&allNS, "all-namespaces", "A", false, "list the releases of every namespace")
	f.IntVarP(&opts.Limit, "max", "m", 256, "print at most this many releases (0 for all)")
	f.IntVar(&opts.Offset, "offset", 0, "skip this many releases of the sorted listing, to page through it with --max")
	f.StringVarP(&opts.Filter, "filter", "f", "", "list only releases whose names match this regular expression")
	f.StringVarP(&opts.Selector, "selector", "l", "", "list only releases whose records match this label selector, e.g. -l team=web,tier!=db (works with the secret and configmap drivers)")
	// Helm 3's --all; Helm 4 lists every status by default and dropped the flag.
	f.BoolVarP(&all, "all", "a", false, "list releases in every status (the default; kept for Helm 3 scripts)")
	_ = f.MarkHidden("all")
	drift.add(cmd)
	addOutputFlag(cmd, &format)
	return cmd
}

// The status flags of list, and the states each selects.
var listStateFlags = [6]struct{ name, usage string }{
	{"uninstalled", "list releases uninstalled with --keep-history"},
	{"superseded", "list superseded revisions"},
	{"uninstalling", "list releases being uninstalled"},
	{"deployed", "list deployed releases"},
	{"failed", "list failed releases"},
	{"pending", "list releases with an install, upgrade or rollback in progress"},
}

var listFlagStates = [6]action.ListStates{
	action.ListUninstalled, action.ListSuperseded, action.ListUninstalling,
	action.ListDeployed, action.ListFailed, action.ListPending,
}

// listRow is a release as list prints it; the JSON field names are Helm's.
type listRow struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	Revision   string `json:"revision"`
	Updated    string `json:"updated"`
	Status     string `json:"status"`
	Chart      string `json:"chart"`
	AppVersion string `json:"app_version"`
	// Drift, with --drift, counts the release's drifted objects ("-" for a
	// release with no deployed revision).
	Drift string `json:"drift,omitempty"`
}

func listRows(rels []*release.Release, timeFmt string) []listRow {
	rows := make([]listRow, 0, len(rels))
	for _, r := range rels {
		row := listRow{
			Name:       r.Name,
			Namespace:  r.Namespace,
			Revision:   strconv.Itoa(r.Version),
			Updated:    "-",
			Chart:      chartLabel(r.Chart),
			AppVersion: appVersionLabel(r.Chart),
		}
		if r.Info != nil {
			row.Status = string(r.Info.Status)
			if t := r.Info.LastDeployed; !t.IsZero() {
				if timeFmt != "" {
					row.Updated = t.Format(timeFmt)
				} else {
					row.Updated = t.String()
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func writeListTable(w io.Writer, rows []listRow, noHeaders bool, p palette) error {
	var t table
	withDrift := len(rows) > 0 && rows[0].Drift != ""
	if !noHeaders {
		head := []any{p.header("NAME"), p.header("NAMESPACE"), p.header("REVISION"), p.header("UPDATED"),
			p.header("STATUS"), p.header("CHART"), p.header("APP VERSION")}
		if withDrift {
			head = append(head, p.header("DRIFT"))
		}
		t.addRow(head...)
	}
	for _, r := range rows {
		cells := []any{r.Name, p.namespace(r.Namespace), r.Revision, r.Updated, p.status(release.Status(r.Status)), r.Chart, r.AppVersion}
		if withDrift {
			cells = append(cells, r.Drift)
		}
		t.addRow(cells...)
	}
	return t.write(w)
}

// writeNames prints release names only (list --short): one a line, or a JSON or
// YAML list.
func writeNames(w io.Writer, rels []*release.Release, format outputFormat) error {
	names := make([]string, 0, len(rels))
	for _, r := range rels {
		names = append(names, r.Name)
	}
	switch format {
	case formatJSON:
		return writeJSON(w, names)
	case formatYAML:
		return writeYAML(w, names)
	}
	for _, n := range names {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	return nil
}

// chartLabel is "name-version", or MISSING for a record without its chart.
func chartLabel(c *chart.Chart) string {
	if c == nil || c.Metadata == nil {
		return "MISSING"
	}
	return c.Metadata.Name + "-" + c.Metadata.Version
}

func appVersionLabel(c *chart.Chart) string {
	if c == nil || c.Metadata == nil {
		return "MISSING"
	}
	return c.Metadata.AppVersion
}

// readError turns a failure to read releases into what Helm says: a missing
// release is a bare "release: not found", and a cluster that does not answer
// is "kubernetes cluster unreachable" rather than the failed request.
func (a *app) readError(ctx context.Context, err error) error {
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return storage.ErrReleaseNotFound
	}
	if ctx.Err() != nil || !a.storageInCluster() {
		return err
	}
	var re *storage.ReleaseError
	if errors.As(err, &re) {
		return err
	}
	if kc, kerr := a.kubeClient(); kerr == nil {
		if rerr := kc.IsReachable(ctx); rerr != nil {
			return rerr
		}
	}
	return err
}
