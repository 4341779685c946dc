package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// defaultProgram is the command's name when the streams do not say how it was invoked.
const defaultProgram = "rudder"

// programName is the name the program was invoked as (the base of os.Args[0]):
// installed as helm, its messages, usage lines and completion scripts say helm,
// as Helm's do.
func (a *app) programName() string {
	name := filepath.Base(a.streams.Args0)
	if a.streams.Args0 == "" || name == "." || name == string(filepath.Separator) {
		return defaultProgram
	}
	return strings.TrimSuffix(name, ".exe")
}

// invokedPath is the program's path as invoked (os.Args[0], unresolved), which
// Helm reports as HELM_BIN; the executable's path when that is not known.
func (a *app) invokedPath() string {
	if a.streams.Args0 != "" {
		return a.streams.Args0
	}
	bin, _ := os.Executable()
	return bin
}

// isUnknownCommand tells whether err is cobra's refusal of an unknown command
// name, after which Helm points at --help.
func isUnknownCommand(c *cobra.Command, err error) bool {
	return c != nil && !c.HasParent() && strings.HasPrefix(err.Error(), "unknown command ")
}
