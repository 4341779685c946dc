package repo

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	yaml "go.yaml.in/yaml/v3"

	"github.com/rudderpm/rudder/internal/chart"
)

// BuildIndexCache reads an index.yaml (or its JSON form) into its compact cache,
// the names of its charts (in name order) and the warnings about entries it
// skipped, as ParseIndex and BuildCache together would, with the same errors.
//
// An index laid out as Helm writes it is read in one pass, chart by chart, each
// chart's versions read by a scanner of the plain YAML such files hold and
// encoded at once, so no tree of the whole document and no model of all its
// versions is ever built (a 65 MB index is read in about a second). A chart the
// scanner does not fully understand (anchors, flow collections, folded scalars,
// unknown fields, anything odd) is decoded by the YAML decoder alone, and a
// document whose layout is not Helm's, or that has any error, by ParseIndex.
func BuildIndexCache(repoName string, data []byte) (*Cache, []string, []IndexWarning, error) {
	return buildIndexCache(repoName, data, nil)
}

// buildIndexCache is BuildIndexCache; drop, when not nil, is told which parts of
// data the single pass is done with (see mapFile).
func buildIndexCache(repoName string, data []byte, drop func(from, to int)) (*Cache, []string, []IndexWarning, error) {
	if c, names, warnings, ok := streamIndexCache(repoName, data, drop); ok {
		return c, names, warnings, nil
	}
	return parsedIndexCache(repoName, data)
}

// parsedIndexCache builds the cache from the whole parse of the index: what
// the single pass falls back to, and must agree with.
func parsedIndexCache(repoName string, data []byte) (*Cache, []string, []IndexWarning, error) {
	idx, warnings, err := ParseIndex(data)
	if err != nil {
		return nil, nil, warnings, err
	}
	names := make([]string, 0, len(idx.Entries))
	for n := range idx.Entries {
		names = append(names, n)
	}
	slices.Sort(names)
	return BuildCache(repoName, idx), names, warnings, nil
}

// streamIndexCache is BuildIndexCache's single pass; false means the document
// must be parsed whole.
func streamIndexCache(repoName string, data []byte, drop func(from, to int)) (*Cache, []string, []IndexWarning, bool) {
	if len(bytes.TrimSpace(data)) == 0 || data[0] == '{' {
		return nil, nil, nil, false
	}
	rest, charts, ok := splitByChart(data)
	if !ok {
		return nil, nil, nil, false
	}
	var doc yamlIndex
	if err := yaml.Unmarshal(rest, &doc); err != nil || doc.Entries != nil || doc.APIVersion == "" {
		return nil, nil, nil, false
	}
	// Splitting touched all of data: give it back, then keep only a window of
	// it while charts are read.
	const window = 8 << 20
	dropped := 0
	if drop == nil {
		drop = func(int, int) {}
	}
	drop(0, len(data))
	type record struct {
		name       string
		start, end int
	}
	var (
		names    = make([]string, 0, len(charts))
		seen     = make(map[string]bool, len(charts))
		records  = make([]record, 0, len(charts))
		warnings []IndexWarning
		all      = encoder{b: make([]byte, binaryMaxUvarint, binaryMaxUvarint+len(data)*3/8)} // room for the cache of a typical index, search parts twice
		b        = newCacheBuilder()
		buf      []byte
		sc       chartScanner
	)
	for _, text := range charts {
		name, vs, ok := sc.chart(text)
		if !ok {
			if name, vs, ok = decodeChartYAML(&buf, text); !ok {
				return nil, nil, nil, false
			}
		}
		if seen[name] {
			return nil, nil, nil, false // a duplicate key: the whole parse reports it
		}
		seen[name] = true
		if end := offsetIn(data, text) + len(text); end-dropped > window {
			drop(dropped, end)
			dropped = end
		}
		names = append(names, name)
		kept, w := validateVersions(name, vs)
		warnings = append(warnings, w...)
		if len(kept) == 0 {
			continue
		}
		sortVersions(kept)
		start := len(all.b)
		b.chart(&all, name, kept)
		records = append(records, record{name, start, len(all.b)})
	}
	slices.Sort(names)
	var count encoder
	count.uv(uint64(len(records)))
	cmp := func(a, b record) int { return strings.Compare(a.name, b.name) }
	if slices.IsSortedFunc(records, cmp) {
		// As Helm writes indexes: the records are in place, after the count,
		// written into the room left in front of them.
		start := binaryMaxUvarint - len(count.b)
		copy(all.b[start:], count.b)
		return &Cache{Repo: repoName, body: all.b[start:]}, names, warnings, true
	}
	slices.SortFunc(records, cmp)
	e := encoder{b: make([]byte, 0, len(all.b))}
	e.b = append(e.b, count.b...)
	for _, r := range records {
		e.b = append(e.b, all.b[r.start:r.end]...)
	}
	return &Cache{Repo: repoName, body: e.b}, names, warnings, true
}

// offsetIn is where sub, a slice of data, starts in it.
func offsetIn(data, sub []byte) int {
	if len(sub) == 0 {
		return 0
	}
	return int(uintptr(unsafe.Pointer(&sub[0])) - uintptr(unsafe.Pointer(&data[0])))
}

// binaryMaxUvarint is the longest a uvarint can be.
const binaryMaxUvarint = binary.MaxVarintLen64

// decodeChartYAML decodes the text of one chart of an index (its "  name:" line
// and its versions) with the YAML decoder, as parseByChart does.
func decodeChartYAML(buf *[]byte, text []byte) (string, []*ChartVersion, bool) {
	*buf = append(append((*buf)[:0], "entries:\n"...), text...)
	var one struct {
		Entries map[string][]*yamlChartVersion `yaml:"entries"`
	}
	if err := yaml.Unmarshal(*buf, &one); err != nil || len(one.Entries) != 1 {
		return "", nil, false
	}
	for name, vs := range one.Entries {
		out := make([]*ChartVersion, len(vs))
		for i, v := range vs {
			if v != nil {
				out[i] = v.model()
			}
		}
		return name, out, true
	}
	return "", nil, false
}

// chartScanner reads the text of one chart of an index laid out as Helm writes
// it: block mappings and sequences of the fields Helm writes, with plain,
// single- or double-quoted and literal (|) scalars. It answers false for
// anything else, so that the YAML decoder, not a guess, decides what it means.
type chartScanner struct {
	text []byte
	p    int // start of the next line
}

// line returns the next line (without its newline) and its indentation, without
// consuming it; ok is false at the end.
func (s *chartScanner) line() (line []byte, indent int, ok bool) {
	if s.p >= len(s.text) {
		return nil, 0, false
	}
	end := bytes.IndexByte(s.text[s.p:], '\n')
	if end < 0 {
		line = s.text[s.p:]
	} else {
		line = s.text[s.p : s.p+end]
	}
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	return line, indent, true
}

func (s *chartScanner) advance() {
	end := bytes.IndexByte(s.text[s.p:], '\n')
	if end < 0 {
		s.p = len(s.text)
	} else {
		s.p += end + 1
	}
}

// contentLine is line for the structure of a mapping or sequence: blank and
// comment lines are not understood there.
func (s *chartScanner) contentLine() (line []byte, indent int, more, ok bool) {
	line, indent, more = s.line()
	if !more {
		return nil, 0, false, true
	}
	if indent == len(line) || line[indent] == '#' {
		return nil, 0, true, false
	}
	return line, indent, true, true
}

func (s *chartScanner) chart(text []byte) (string, []*ChartVersion, bool) {
	if !printableYAML(text) {
		return "", nil, false
	}
	s.text, s.p = text, 0
	head, indent, _ := s.line()
	key := bytes.TrimRight(head[indent:], " ")
	if indent != 2 || len(key) < 2 || key[len(key)-1] != ':' {
		return "", nil, false
	}
	name, ok := plainKey(key[:len(key)-1])
	if !ok {
		return "", nil, false
	}
	s.advance()
	var vs []*ChartVersion
	item := -1 // the indentation of the versions' dashes
	for {
		line, indent, more, ok := s.contentLine()
		if !ok {
			return "", nil, false
		}
		if !more {
			return name, vs, true
		}
		if item < 0 {
			item = indent
		}
		if indent != item || (item != 2 && item != 4) || !bytes.HasPrefix(line[indent:], []byte("- ")) {
			return "", nil, false
		}
		v, ok := s.version(line, item)
		if !ok {
			return "", nil, false
		}
		vs = append(vs, v)
	}
}

// Fields of a chart version, for noticing one given twice.
const (
	fName = 1 << iota
	fHome
	fSources
	fVersion
	fDescription
	fKeywords
	fMaintainers
	fIcon
	fAPIVersion
	fCondition
	fTags
	fAppVersion
	fDeprecated
	fAnnotations
	fKubeVersion
	fDependencies
	fType
	fURLs
	fCreated
	fRemoved
	fDigest
)

// version reads one version: its first field is on the dash's line.
func (s *chartScanner) version(first []byte, item int) (*ChartVersion, bool) {
	md := &chart.Metadata{}
	v := &ChartVersion{Metadata: md}
	field := item + 2
	var seen int
	line := first
	for {
		key, value, ok := splitField(line[field:])
		if !ok {
			return nil, false
		}
		s.advance()
		var bit int
		switch string(key) {
		case "name":
			bit, ok = fName, s.str(&md.Name, value, field)
		case "home":
			bit, ok = fHome, s.str(&md.Home, value, field)
		case "version":
			bit, ok = fVersion, s.str(&md.Version, value, field)
		case "description":
			bit, ok = fDescription, s.str(&md.Description, value, field)
		case "icon":
			bit, ok = fIcon, s.str(&md.Icon, value, field)
		case "apiVersion":
			bit, ok = fAPIVersion, s.str(&md.APIVersion, value, field)
		case "condition":
			bit, ok = fCondition, s.str(&md.Condition, value, field)
		case "tags":
			bit, ok = fTags, s.str(&md.Tags, value, field)
		case "appVersion":
			bit, ok = fAppVersion, s.str(&md.AppVersion, value, field)
		case "kubeVersion":
			bit, ok = fKubeVersion, s.str(&md.KubeVersion, value, field)
		case "type":
			bit, ok = fType, s.str(&md.Type, value, field)
		case "digest":
			bit, ok = fDigest, s.str(&v.Digest, value, field)
		case "deprecated":
			bit, ok = fDeprecated, boolScalar(&md.Deprecated, value)
		case "removed":
			bit, ok = fRemoved, boolScalar(&v.Removed, value)
		case "created":
			bit, ok = fCreated, timeScalar(&v.Created, value)
		case "sources":
			bit, ok = fSources, s.strings(&md.Sources, value, field)
		case "keywords":
			bit, ok = fKeywords, s.strings(&md.Keywords, value, field)
		case "urls":
			bit, ok = fURLs, s.strings(&v.URLs, value, field)
		case "annotations":
			bit, ok = fAnnotations, s.annotations(&md.Annotations, value, field)
		case "maintainers":
			bit, ok = fMaintainers, s.maintainers(md, value, field)
		case "dependencies":
			bit, ok = fDependencies, s.dependencies(md, value, field)
		default:
			return nil, false
		}
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		next, indent, more, ok := s.contentLine()
		if !ok {
			return nil, false
		}
		if !more || indent < field {
			return v, true
		}
		if indent != field {
			return nil, false
		}
		line = next
	}
}

// splitField cuts "key: value" or "key:" (a value on the lines below).
func splitField(text []byte) (key, value []byte, ok bool) {
	if i := bytes.Index(text, []byte(": ")); i > 0 {
		return text[:i], bytes.TrimLeft(text[i+2:], " "), true
	}
	if t := bytes.TrimRight(text, " "); len(t) > 1 && t[len(t)-1] == ':' {
		return t[:len(t)-1], nil, true
	}
	return nil, nil, false
}

// str reads a string field's value; nil value is null unless a literal block
// follows.
func (s *chartScanner) str(dst *string, value []byte, indent int) bool {
	v, null, ok := s.scalar(value, indent)
	if !ok {
		return false
	}
	if !null {
		*dst = v
	}
	return true
}

// scalar reads a scalar that starts as value, on the line of a key at indent
// (plain scalars may go on over lines indented further). null tells a null.
func (s *chartScanner) scalar(value []byte, indent int) (v string, null, ok bool) {
	if len(value) == 0 {
		// Nothing on the key's line: null, unless something indented follows.
		if _, next, more := s.line(); more && next > indent {
			return "", false, false
		}
		return "", true, true
	}
	switch value[0] {
	case '"':
		v, ok = doubleQuoted(value)
		return v, false, ok
	case '\'':
		v, ok = singleQuoted(value)
		return v, false, ok
	case '|':
		v, ok = s.literal(value, indent)
		return v, false, ok
	}
	if !plainOK(value) {
		return "", false, false
	}
	text := string(bytes.TrimRight(value, " "))
	for {
		line, next, more := s.line()
		if !more || next <= indent {
			break
		}
		cont := bytes.TrimRight(line[next:], " ")
		if len(cont) == 0 || !plainOK(cont) || isIndicator(cont[0]) {
			return "", false, false
		}
		text += " " + string(cont)
		s.advance()
	}
	switch text {
	case "~", "null", "Null", "NULL":
		return "", true, true
	}
	return text, false, true
}

// plainOK tells whether a line's text can be (part of) a plain scalar whose
// value is that text: no indicator first, no ": " or " #", no ':' last.
func plainOK(t []byte) bool {
	t = bytes.TrimRight(t, " ")
	if len(t) == 0 {
		return false
	}
	switch t[0] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-', '?', ':':
		if len(t) == 1 || t[1] == ' ' {
			return false
		}
	}
	return t[len(t)-1] != ':' && !bytes.Contains(t, []byte(": ")) && !bytes.Contains(t, []byte(" #"))
}

func isIndicator(c byte) bool { return strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) >= 0 }

// plainKey reads a mapping key written plain.
func plainKey(k []byte) (string, bool) {
	if !plainOK(k) || bytes.HasSuffix(k, []byte(" ")) || bytes.Equal(k, []byte("<<")) {
		return "", false
	}
	switch string(k) {
	case "~", "null", "Null", "NULL":
		return "", false
	}
	return string(k), true
}

// doubleQuoted reads a double-quoted scalar ending on its line.
func doubleQuoted(t []byte) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(t); i++ {
		c := t[i]
		switch c {
		case '"':
			if len(bytes.TrimRight(t[i+1:], " ")) != 0 {
				return "", false
			}
			return b.String(), true
		case '\\':
			if i+1 >= len(t) {
				return "", false
			}
			i++
			switch t[i] {
			case '"', '\\', '/':
				b.WriteByte(t[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u', 'U':
				n := 2
				switch t[i] {
				case 'u':
					n = 4
				case 'U':
					n = 8
				}
				if i+n >= len(t) {
					return "", false
				}
				r, err := strconv.ParseUint(string(t[i+1:i+1+n]), 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return "", false
				}
				b.WriteRune(rune(r))
				i += n
			default:
				return "", false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// singleQuoted reads a single-quoted scalar ending on its line.
func singleQuoted(t []byte) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(t); i++ {
		if t[i] != '\'' {
			b.WriteByte(t[i])
			continue
		}
		if i+1 < len(t) && t[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if len(bytes.TrimRight(t[i+1:], " ")) != 0 {
			return "", false
		}
		return b.String(), true
	}
	return "", false
}

// literal reads a literal block scalar ("|", "|-" or "|+" and the lines below,
// indented further than indent).
func (s *chartScanner) literal(header []byte, indent int) (string, bool) {
	var chomp byte
	switch h := string(bytes.TrimRight(header, " ")); h {
	case "|":
	case "|-", "|+":
		chomp = h[1]
	default:
		return "", false
	}
	var lines []string
	blanks := 0 // blank lines since the last content line
	content := -1
	for {
		line, next, more := s.line()
		if !more {
			break
		}
		if next == len(line) { // blank
			if content < 0 || len(line) > content {
				return "", false
			}
			blanks++
			s.advance()
			continue
		}
		if content < 0 {
			if next <= indent {
				return "", false
			}
			content = next
		}
		if next < content {
			break
		}
		for ; blanks > 0; blanks-- {
			lines = append(lines, "")
		}
		lines = append(lines, string(line[content:]))
		s.advance()
	}
	if len(lines) == 0 {
		return "", false
	}
	text := strings.Join(lines, "\n")
	switch chomp {
	case '-':
		return text, true
	case '+':
		return text + strings.Repeat("\n", blanks+1), true
	}
	return text + "\n", true
}

func boolScalar(dst *bool, value []byte) bool {
	switch string(bytes.TrimRight(value, " ")) {
	case "true", "True", "TRUE":
		*dst = true
	case "false", "False", "FALSE":
		*dst = false
	default:
		return false
	}
	return true
}

// timeScalar reads a creation time: quoted, as time.Time reads text; plain, as
// the YAML decoder reads a timestamp.
func timeScalar(dst *time.Time, value []byte) bool {
	value = bytes.TrimRight(value, " ")
	if len(value) > 0 && value[0] == '"' {
		text, ok := doubleQuoted(value)
		return ok && dst.UnmarshalText([]byte(text)) == nil
	}
	if !plainOK(value) || len(value) < 5 || value[4] != '-' {
		return false
	}
	for _, c := range value[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, layout := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if t, err := time.Parse(layout, string(value)); err == nil {
			*dst = t
			return true
		}
	}
	return false
}

// seqStart finds the dashes of a block sequence that is the value of a key at
// indent: at the key's indentation (as Helm writes) or deeper. It returns -1 for
// a null value.
func (s *chartScanner) seqStart(indent int) (int, bool) {
	line, next, more, ok := s.contentLine()
	if !ok {
		return 0, false
	}
	if !more || next < indent || (next == indent && !bytes.HasPrefix(line[next:], []byte("- "))) {
		return -1, true
	}
	if !bytes.HasPrefix(line[next:], []byte("- ")) {
		return 0, false
	}
	return next, true
}

// strings reads a sequence of strings.
func (s *chartScanner) strings(dst *[]string, value []byte, indent int) bool {
	if len(value) != 0 {
		if string(bytes.TrimRight(value, " ")) == "[]" {
			*dst = []string{}
			return true
		}
		return false
	}
	dash, ok := s.seqStart(indent)
	if !ok || dash < 0 {
		return ok
	}
	for {
		line, next, more, ok := s.contentLine()
		if !ok {
			return false
		}
		if !more || next < dash || (next == dash && !bytes.HasPrefix(line[next:], []byte("- "))) {
			return true
		}
		if next != dash || !bytes.HasPrefix(line[next:], []byte("- ")) {
			return false
		}
		s.advance()
		item, null, ok := s.scalar(bytes.TrimLeft(line[next+2:], " "), dash)
		if !ok || null {
			return false
		}
		*dst = append(*dst, item)
	}
}

// annotations reads a mapping of strings.
func (s *chartScanner) annotations(dst *map[string]string, value []byte, indent int) bool {
	if len(value) != 0 {
		if string(bytes.TrimRight(value, " ")) == "{}" {
			*dst = map[string]string{}
			return true
		}
		return false
	}
	_, keys, more, ok := s.contentLine()
	if !ok || !more || keys <= indent {
		return ok
	}
	m := map[string]string{}
	for {
		line, next, more, ok := s.contentLine()
		if !ok {
			return false
		}
		if !more || next < keys {
			*dst = m
			return true
		}
		if next != keys {
			return false
		}
		k, v, ok := splitField(line[next:])
		if !ok {
			return false
		}
		key, ok := plainKey(k)
		if !ok {
			return false
		}
		if _, dup := m[key]; dup {
			return false
		}
		s.advance()
		val, null, ok := s.scalar(v, keys)
		if !ok || null {
			return false
		}
		m[key] = val
	}
}

// mappings reads a sequence of mappings, calling field for each key of each item
// (item counts them from 0).
func (s *chartScanner) mappings(value []byte, indent int, field func(item int, key string, value []byte, indent int) bool) bool {
	if len(value) != 0 {
		return false
	}
	dash, ok := s.seqStart(indent)
	if !ok || dash < 0 {
		return ok
	}
	keys := dash + 2
	for item := 0; ; item++ {
		line, next, more, ok := s.contentLine()
		if !ok {
			return false
		}
		if !more || next < dash || (next == dash && !bytes.HasPrefix(line[next:], []byte("- "))) {
			return true
		}
		if next != dash || !bytes.HasPrefix(line[next:], []byte("- ")) || len(line) <= keys || line[keys] == ' ' {
			return false
		}
		seen := map[string]bool{}
		for {
			k, v, ok := splitField(line[keys:])
			if !ok || seen[string(k)] {
				return false
			}
			seen[string(k)] = true
			s.advance()
			if !field(item, string(k), v, keys) {
				return false
			}
			l, n, more, ok := s.contentLine()
			if !ok {
				return false
			}
			if !more || n < keys {
				break
			}
			if n != keys {
				return false
			}
			line = l
		}
	}
}

func (s *chartScanner) maintainers(md *chart.Metadata, value []byte, indent int) bool {
	return s.mappings(value, indent, func(item int, key string, value []byte, indent int) bool {
		if item == len(md.Maintainers) {
			md.Maintainers = append(md.Maintainers, &chart.Maintainer{})
		}
		m := md.Maintainers[item]
		switch key {
		case "name":
			return s.str(&m.Name, value, indent)
		case "email":
			return s.str(&m.Email, value, indent)
		case "url":
			return s.str(&m.URL, value, indent)
		}
		return false
	})
}

func (s *chartScanner) dependencies(md *chart.Metadata, value []byte, indent int) bool {
	return s.mappings(value, indent, func(item int, key string, value []byte, indent int) bool {
		if item == len(md.Dependencies) {
			md.Dependencies = append(md.Dependencies, &chart.Dependency{})
		}
		d := md.Dependencies[item]
		switch key {
		case "name":
			return s.str(&d.Name, value, indent)
		case "version":
			return s.str(&d.Version, value, indent)
		case "repository":
			return s.str(&d.Repository, value, indent)
		case "condition":
			return s.str(&d.Condition, value, indent)
		case "alias":
			return s.str(&d.Alias, value, indent)
		case "enabled":
			return boolScalar(&d.Enabled, value)
		case "tags":
			return s.strings(&d.Tags, value, indent)
		}
		return false
	})
}

// printableYAML tells whether text is UTF-8 of the characters a YAML stream may
// hold (the decoder rejects others).
func printableYAML(text []byte) bool {
	for i := 0; i < len(text); {
		if len(text)-i >= 8 && printableASCII8(binary.LittleEndian.Uint64(text[i:])) {
			i += 8
			continue
		}
		c := text[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !(r == 0x85 || (r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF) || r >= 0x10000) {
			return false
		}
		i += n
	}
	return true
}

// printableASCII8 tells whether all eight bytes of w are ASCII from space to '~',
// which printableYAML would take one by one: no byte has its top bit set, none is
// below 0x20 and none is 0x7f (the usual tests for a byte below n and a zero byte,
// both exact as to whether any byte qualifies).
func printableASCII8(w uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w & tops
	del := w ^ 0x7f*ones
	return (w&tops | below | (del-ones)&^del&tops) == 0
}
