package cli

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
)

const historyLong = `Show the revisions of a release, oldest first: when each was deployed, its
status, chart and app version, and what happened to it.

Only the newest --max revisions are shown (256 by default). With
--show-rollback-revision the table also says which revision a rollback
restored.`

func (a *app) newHistoryCmd() *cobra.Command {
	var (
		maxRevs      int
		showRollback bool
		format       outputFormat
	)
	cmd := &cobra.Command{
		Use:     "history RELEASE_NAME",
		Aliases: []string{"hist"},
		Short:   "fetch release history",
		Long:    historyLong,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := a.releases(a.settings.Namespace())
			if err != nil {
				return err
			}
			revs, err := action.History{Releases: store, Max: max(maxRevs, 0)}.Run(cmd.Context(), args[0])
			if err != nil {
				return a.readError(cmd.Context(), err)
			}
			if maxRevs <= 0 {
				revs = nil // Helm shows no revisions for --max 0
			}
			rows := historyRows(revs)
			out := a.streams.Out
			switch format {
			case formatJSON:
				return writeJSON(out, rows)
			case formatYAML:
				return writeYAML(out, rows)
			}
			return writeHistoryTable(out, rows, showRollback)
		},
	}
	f := cmd.Flags()
	f.IntVar(&maxRevs, "max", 256, "show at most this many revisions, the newest")
	f.BoolVar(&showRollback, "show-rollback-revision", false, "add a column with the revision each rollback restored (table output)")
	addOutputFlag(cmd, &format)
	return cmd
}

// historyRow is a revision as history prints it; the JSON field names are Helm's.
type historyRow struct {
	Revision         int
	Updated          time.Time
	Status           string
	Chart            string
	AppVersion       string
	RollbackRevision int
	Description      string
}

// MarshalJSON leaves out an unset time and a zero rollback revision.
func (r historyRow) MarshalJSON() ([]byte, error) {
	out := struct {
		Revision         int        `json:"revision"`
		Updated          *time.Time `json:"updated,omitempty"`
		Status           string     `json:"status"`
		Chart            string     `json:"chart"`
		AppVersion       string     `json:"app_version"`
		RollbackRevision int        `json:"rollback_revision,omitempty"`
		Description      string     `json:"description"`
	}{r.Revision, nil, r.Status, r.Chart, r.AppVersion, r.RollbackRevision, r.Description}
	if !r.Updated.IsZero() {
		out.Updated = &r.Updated
	}
	return json.Marshal(out)
}

// historyRows are the rows of revs. An empty history is an empty list, not null.
func historyRows(revs []*release.Release) []historyRow {
	rows := make([]historyRow, 0, len(revs))
	for _, r := range revs {
		row := historyRow{
			Revision:   r.Version,
			Chart:      chartLabel(r.Chart),
			AppVersion: appVersionLabel(r.Chart),
		}
		if r.Info != nil {
			row.Updated = r.Info.LastDeployed
			row.Status = string(r.Info.Status)
			row.RollbackRevision = r.Info.RollbackRevision
			row.Description = r.Info.Description
		}
		rows = append(rows, row)
	}
	return rows
}

func writeHistoryTable(w io.Writer, rows []historyRow, showRollback bool) error {
	var t table
	if showRollback {
		t.addRow("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "ROLLBACK", "DESCRIPTION")
	} else {
		t.addRow("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION")
	}
	for _, r := range rows {
		updated := r.Updated.Format(time.ANSIC)
		if !showRollback {
			t.addRow(r.Revision, updated, r.Status, r.Chart, r.AppVersion, r.Description)
			continue
		}
		rollback := ""
		if r.RollbackRevision > 0 {
			rollback = strconv.Itoa(r.RollbackRevision)
		}
		t.addRow(r.Revision, updated, r.Status, r.Chart, r.AppVersion, rollback, r.Description)
	}
	return t.write(w)
}
