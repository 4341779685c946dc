package manifest

import (
	"regexp"
	"strings"
	"unicode"
)

// separator is a line starting with "---"; anything after it on the line is dropped.
var separator = regexp.MustCompile(`(?m)^---[ \t]*`)

// Split splits a stream of YAML documents, dropping blank documents and the leading
// white space of each.
func Split(stream string) []string {
	var docs []string
	for _, d := range separator.Split(strings.TrimLeftFunc(stream, unicode.IsSpace), -1) {
		if strings.TrimSpace(d) == "" {
			continue
		}
		docs = append(docs, strings.TrimLeftFunc(d, unicode.IsSpace))
	}
	return docs
}
