package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/release"
)

// TODO(rudder): merge with the read commands' printer once it lands.

// releaseOutput is the -o flag of install, upgrade and rollback.
type releaseOutput struct{ format string }

func (o *releaseOutput) addFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "output", "o", "table", "prints the output in the specified format. Allowed values: table, json, yaml")
}

// releaseResult is a release an operation produced.
type releaseResult struct {
	rel    *release.Release
	dryRun bool
}

// writeRelease prints an operation's release: Helm's status text, or JSON/YAML.
func (a *app) writeRelease(res *releaseResult, o releaseOutput, hideNotes bool) error {
	w := a.streams.Out
	rel := res.rel
	switch o.format {
	case "json":
		b, err := json.Marshal(rel)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, string(b))
		return nil
	case "yaml":
		b, err := yaml.Marshal(rel)
		if err != nil {
			return err
		}
		fmt.Fprint(w, string(b))
		return nil
	case "table", "":
	default:
		return fmt.Errorf("invalid format type")
	}
	fmt.Fprintf(w, "NAME: %s\n", rel.Name)
	if !rel.Info.LastDeployed.IsZero() {
		fmt.Fprintf(w, "LAST DEPLOYED: %s\n", rel.Info.LastDeployed.Format(time.ANSIC))
	}
	fmt.Fprintf(w, "NAMESPACE: %s\n", rel.Namespace)
	fmt.Fprintf(w, "STATUS: %s\n", rel.Info.Status)
	fmt.Fprintf(w, "REVISION: %d\n", rel.Version)
	fmt.Fprintf(w, "DESCRIPTION: %s\n", rel.Info.Description)
	if res.dryRun {
		fmt.Fprintf(w, "\nMANIFEST:\n%s\n", rel.Manifest)
	}
	if notes := strings.TrimSpace(rel.Info.Notes); notes != "" && !hideNotes {
		fmt.Fprintf(w, "NOTES:\n%s\n", notes)
	}
	return nil
}
