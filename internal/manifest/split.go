package manifest

import (
	"strings"
	"unicode"
)

// Split splits a stream of YAML documents at every line that starts with "---" (the
// separator takes the dashes and the spaces or tabs after them, the rest of the line
// stays), dropping blank documents and the leading white space of each.
func Split(stream string) []string {
	s := strings.TrimLeftFunc(stream, unicode.IsSpace)
	var docs []string
	add := func(d string) {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, strings.TrimLeftFunc(d, unicode.IsSpace))
		}
	}
	start := 0 // of the current document
	for line := 0; line < len(s); {
		if strings.HasPrefix(s[line:], "---") {
			add(s[start:line])
			start = line + 3
			for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
				start++
			}
		}
		next := strings.IndexByte(s[line:], '\n')
		if next < 0 {
			break
		}
		line += next + 1
	}
	add(s[start:])
	return docs
}
