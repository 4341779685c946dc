package action

import (
	"fmt"
	"path/filepath"
	"strings"
)

// maxFileName is the longest file name most file systems accept.
const maxFileName = 255

// checkFileName refuses a name that could not be used as is for one file inside a
// folder: empty, "." or "..", with a path separator or a NUL, or too long. Names
// that come from a server (a registry's config blob, an index's URLs, a chart's
// metadata) pass here before they become part of a path.
func checkFileName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%q is not a usable file name", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%q is not a usable file name: it holds a path separator or NUL", name)
	case len(name) > maxFileName:
		return fmt.Errorf("file name %.40q... is %d bytes long, more than %d", name, len(name), maxFileName)
	}
	return nil
}

// fileIn joins dir and a file name, refusing names checkFileName refuses, so the
// result always lies directly inside dir.
func fileIn(dir, name string) (string, error) {
	if err := checkFileName(name); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if filepath.Dir(p) != filepath.Clean(dir) {
		return "", fmt.Errorf("%q leaves the folder %s", name, dir)
	}
	return p, nil
}
