package cli

import "github.com/rudderpm/rudder/internal/release"

// printOperationResult prints the release an install, upgrade or rollback made,
// as Helm does: the status table (with hooks and manifest for a dry run or
// --debug), or the record in JSON or YAML.
func (a *app) printOperationResult(rel *release.Release, format outputFormat, hideNotes bool) error {
	return a.printRelease(a.streams.Out, rel, releasePrintOptions{Format: format, HideNotes: hideNotes, Debug: a.settings.Debug})
}
