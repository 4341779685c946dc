package manifest

import (
	"strings"
	"unicode/utf8"
)

// scanHead reads the head of a document without a YAML parser, for the shape most
// rendered manifests have. It reports true only when it can tell, line by line,
// that yaml.v2 parses the whole document without error and that every way of
// decodeHeads (the short ways and Helm's) would give this head and namespace; for
// anything else it reports false and the document takes those ways, which also
// word any error. It never decides that a document is invalid.
//
// The subset it accepts:
//
//   - the document is one block mapping (or only comments and blank lines);
//   - block mappings and block sequences, nested by indentation made of spaces,
//     including a sequence at its parent key's indentation ("key:\n- a");
//   - keys that are plain scalars read as strings (see plainString) or quoted
//     scalars on one line, followed by ":" and a space or the line's end;
//   - values on the key's or the entry's line: plain scalars, quoted scalars
//     (known escapes), "{}", "[]", flow sequences of such scalars on one line
//     (see flowScalars), and literal or folded block scalars (|, |-, |+, >, >-,
//     >+) without an indentation indicator;
//   - plain and quoted scalars that go on over lines indented more than their
//     collection, outside the head (see moreLine);
//   - comments after a space, comment lines, blank lines.
//
// Head values (apiVersion, kind, metadata.name, metadata.namespace, each
// annotation) must besides be strings as written: plain scalars that plainString
// takes, quoted scalars whose escapes the scan decodes, or literal block scalars
// with a clipped or stripped end and no empty line among their text; null is
// taken where yaml.v2 and JSON both read it as "" or absent.
//
// Refused, each because yaml.v2 or the conversion to JSON may read it otherwise,
// or fail, and telling which needs the parser: tabs outside block scalar text
// (yaml.v2 refuses them as indentation), carriage returns and characters it does
// not allow, document markers and directives, other flow collections, anchors,
// aliases, tags, "? " keys, merge keys, head values over several lines (other
// than block scalars), plain continuation lines that could end the scalar,
// quoted lines not indented past their collection, block scalars whose first
// text is not indented past their collection, empty sequence entries and "- - "
// entries, keys that might not be strings (numbers, booleans, null), ".inf" and
// ".nan" (no JSON form), keys over 1000 bytes (yaml.v2 looks 1024 characters
// ahead for ":"), nesting deeper than maxDepth, head keys given twice or spelled
// in another case (JSON matches keys regardless of case).
func scanHead(doc string, h *Head) (fastString, bool) {
	if !printable(doc) {
		return fastString{}, false
	}
	var s headScan
	for pos := 0; pos < len(doc); {
		line, broken := doc[pos:], false
		if n := strings.IndexByte(line, '\n'); n >= 0 {
			line, broken = line[:n], true
		}
		pos += len(line) + 1
		if !s.line(line, broken) {
			return fastString{}, false
		}
	}
	if !s.end() {
		return fastString{}, false
	}
	*h = Head{APIVersion: s.apiVersion, Kind: s.kind}
	if s.metadata {
		h.Metadata = &HeadMetadata{Name: s.name, Annotations: s.annotations}
	}
	return fastString{s: s.namespace}, true
}

// printable reports whether every character of doc is one yaml.v2 reads as
// text: printable ASCII, newline, tab (checked where it stands later) and valid
// UTF-8 outside the C1 controls, surrogates and non-characters. Line and
// paragraph separators, NEL and the byte order mark are refused as well: yaml.v2
// treats them as line breaks or markers.
func printable(doc string) bool {
	for i := 0; i < len(doc); {
		c := doc[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		if c < 0x80 {
			return false // other controls, DEL, carriage return
		}
		r, size := utf8.DecodeRuneInString(doc[i:])
		if size == 1 || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return false
		}
		i += size
	}
	return true
}

// role is what a mapping is to the head.
type role uint8

const (
	roleOther role = iota
	roleRoot       // the document
	roleMeta       // metadata
	roleAnn        // metadata.annotations
)

// field is the head field a value is read into.
type field uint8

const (
	fieldNone field = iota
	fieldAPIVersion
	fieldKind
	fieldMetadata
	fieldName
	fieldNamespace
	fieldAnnotations
	fieldAnnotation // one annotation's value
)

// frame is an open block collection.
type frame struct {
	indent int
	seq    bool // a sequence, else a mapping
	// indentless is a sequence at its parent key's indentation: a line there that
	// is not an entry closes it.
	indentless bool
	role       role
}

// maxDepth bounds the nesting the scan follows; deeper documents take the parser.
const maxDepth = 64

// headScan is the state of one scan.
type headScan struct {
	frames  [maxDepth]frame
	depth   int
	started bool // the root mapping is open

	// pending is a key whose value did not start on its line: it is a collection
	// on the following lines, or null.
	pending struct {
		active bool
		indent int // of the mapping holding the key
		field  field
		key    string // the annotation's key, for fieldAnnotation
	}

	// block is the block scalar being read.
	block struct {
		active bool
		parent int // indentation of the collection holding it
		indent int // of its text, 0 until its first line
		// capture is set when the scalar is a head value; only literal scalars
		// with clipped or stripped ends are read so.
		capture   bool
		strip     bool
		field     field
		key       string
		text      []byte
		lastBreak bool // the last text line ended with a line break
		leading   int  // the most spaces on an empty line before the first text
		sawEmpty  bool // an empty line followed the last text line
	}

	// more is a flow scalar (plain or quoted) that may go on over the next lines.
	more struct {
		active bool
		parent int  // indentation of the collection holding it
		quote  byte // '\'' or '"' while a quoted scalar is open; 0 for a plain one
		head   bool // a head value: its text must end on its first line
	}

	seen                              uint8 // head fields already given, by 1 << field
	apiVersion, kind, name, namespace string
	metadata                          bool
	annotations                       map[string]string
}

// line reads one line (without its line break; broken tells whether it had one).
func (s *headScan) line(line string, broken bool) bool {
	if s.block.active {
		done, ok := s.blockLine(line, broken)
		if !ok {
			return false
		}
		if !done {
			return true
		}
	}
	if s.more.active {
		done, ok := s.moreLine(line)
		if !ok {
			return false
		}
		if !done {
			return true
		}
	}
	n := indentation(line)
	rest := line[n:]
	if rest == "" || rest[0] == '#' {
		return true // blank or comment
	}
	if strings.IndexByte(line, '\t') >= 0 {
		return false // tabs outside block scalar text
	}
	if n == 0 && (strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...")) {
		return false // document markers
	}
	entry := rest == "-" || strings.HasPrefix(rest, "- ")

	if s.pending.active {
		p := s.pending
		s.pending.active = false
		switch {
		case n > p.indent && (rest[0] == '{' || rest[0] == '['):
			// A flow collection the scan reads ({}, [], [a, b]) on a line of its
			// own: the value. A line indented more than the key after it is
			// refused below, as nothing open has its indentation.
			v, ok := inlineValue(rest)
			return ok && s.value(p.field, p.key, p.indent, v)
		case n > p.indent:
			// A nested collection: a mapping or a sequence.
			r, ok := nestedRole(p.field)
			if !ok || entry && r != roleOther {
				return false
			}
			switch r {
			case roleMeta:
				s.metadata = true
			case roleAnn:
				s.annotations = map[string]string{}
			}
			if !s.push(frame{indent: n, seq: entry, role: r}) {
				return false
			}
		case n == p.indent && entry:
			// A sequence at the key's indentation.
			if p.field != fieldNone || !s.push(frame{indent: n, seq: true, indentless: true}) {
				return false
			}
		default:
			if !s.null(p.field) {
				return false
			}
		}
	}

	// Close the collections this line is outside of.
	for s.depth > 0 {
		top := s.frames[s.depth-1]
		if top.indent > n || top.indent == n && top.indentless && !entry {
			s.depth--
			continue
		}
		break
	}
	if s.depth == 0 {
		if s.started {
			return false // less indented than the document's mapping
		}
		s.started = true
		if !s.push(frame{indent: n, role: roleRoot}) {
			return false
		}
	}
	top := s.frames[s.depth-1]
	if top.indent != n {
		return false // an indentation no open collection has
	}
	if top.seq {
		return entry && s.entry(n, rest)
	}
	return !entry && s.keyLine(top, rest)
}

// indentation counts the spaces a line starts with.
func indentation(line string) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

func (s *headScan) push(f frame) bool {
	if s.depth == maxDepth {
		return false
	}
	s.frames[s.depth] = f
	s.depth++
	return true
}

// nestedRole is the role of a collection given as the value of a field, and
// whether the field may hold one.
func nestedRole(f field) (role, bool) {
	switch f {
	case fieldNone:
		return roleOther, true
	case fieldMetadata:
		return roleMeta, true
	case fieldAnnotations:
		return roleAnn, true
	}
	return 0, false // a string field
}

// null records a field whose value is null (nothing was written).
func (s *headScan) null(f field) bool {
	switch f {
	case fieldAnnotation:
		return false // not a string: the JSON way converts, the short way gives up
	case fieldMetadata:
		// yaml.v2 and JSON both leave the metadata absent.
	case fieldAnnotations:
		s.annotations = nil
	}
	return true
}

// entry reads a sequence entry, "- " and what follows, at indentation n.
func (s *headScan) entry(n int, rest string) bool {
	i := 1
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	item := rest[i:]
	if item == "" || item[0] == '#' || item == "-" || strings.HasPrefix(item, "- ") {
		return false // an empty entry, or a sequence in an entry
	}
	if _, _, isKey, ok := splitKey(item); !ok {
		return false
	} else if isKey {
		// A mapping starts in the entry, at the key's column.
		if !s.push(frame{indent: n + i}) {
			return false
		}
		return s.keyLine(s.frames[s.depth-1], item)
	}
	v, ok := inlineValue(item)
	if !ok || v.kind == valueNone {
		return false
	}
	return s.value(fieldNone, "", n, v)
}

// keyLine reads a "key: value" line of the mapping f.
func (s *headScan) keyLine(f frame, rest string) bool {
	key, after, isKey, ok := splitKey(rest)
	if !ok || !isKey {
		return false
	}
	fld, ok := s.field(f.role, key)
	if !ok {
		return false
	}
	v, ok := inlineValue(after)
	if !ok {
		return false
	}
	if v.kind == valueNone {
		s.pending.active, s.pending.indent, s.pending.field, s.pending.key = true, f.indent, fld, key.text
		return true
	}
	return s.value(fld, key.text, f.indent, v)
}

// field tells which head field a key of a mapping with role r names, refusing
// keys that repeat a head field or that the JSON way would read as one.
func (s *headScan) field(r role, key scalar) (field, bool) {
	var f field
	switch r {
	case roleOther:
		return fieldNone, true
	case roleAnn:
		if !key.decoded {
			return 0, false
		}
		if _, dup := s.annotations[key.text]; dup {
			return 0, false
		}
		return fieldAnnotation, true
	case roleRoot:
		switch key.text {
		case "apiVersion":
			f = fieldAPIVersion
		case "kind":
			f = fieldKind
		case "metadata":
			f = fieldMetadata
		default:
			return fieldNone, restKey(key, "apiversion", "kind", "metadata")
		}
	case roleMeta:
		switch key.text {
		case "name":
			f = fieldName
		case "namespace":
			f = fieldNamespace
		case "annotations":
			f = fieldAnnotations
		default:
			return fieldNone, restKey(key, "name", "namespace", "annotations")
		}
	}
	if s.seen&(1<<f) != 0 {
		return 0, false
	}
	s.seen |= 1 << f
	return f, true
}

// restKey reports whether a key beside the head fields reads the same every way:
// not empty, not number-like, and matching no head field regardless of case (as
// plainKeys checks it for the short way).
func restKey(key scalar, fields ...string) bool {
	if !key.decoded || key.text == "" || strings.IndexByte("0123456789+-.", key.text[0]) >= 0 {
		return false
	}
	for _, f := range fields {
		if strings.EqualFold(key.text, f) {
			return false
		}
	}
	return true
}

// value records a value written on its key's or entry's line; parent is the
// indentation of the collection holding it.
func (s *headScan) value(f field, key string, parent int, v inline) bool {
	switch f {
	case fieldNone:
		switch v.kind {
		case valueBlock:
			s.startBlock(parent, v, false, f, "")
		case valuePlain, valueQuotedOpen:
			s.startMore(parent, v, false)
		}
		return true
	case fieldMetadata:
		if v.kind != valueEmptyMap {
			return false
		}
		s.metadata = true
		return true
	case fieldAnnotations:
		if v.kind != valueEmptyMap {
			return false
		}
		s.annotations = map[string]string{}
		return true
	}
	switch v.kind {
	case valuePlain:
		if !plainString(v.text) {
			return false
		}
	case valueQuoted:
		if !v.decoded {
			return false
		}
	case valueBlock:
		if !v.literal || v.keep {
			return false
		}
		s.startBlock(parent, v, true, f, key)
		return true
	default:
		return false // a quoted scalar over several lines, or a collection
	}
	s.set(f, key, v.text)
	s.startMore(parent, v, true)
	return true
}

// startMore notes a plain or quoted scalar that the next lines may continue:
// a plain one without a comment after it, a quoted one not closed on its line.
func (s *headScan) startMore(parent int, v inline, head bool) {
	if v.kind == valuePlain && v.comment || v.kind == valueQuoted {
		return
	}
	m := &s.more
	m.active, m.parent, m.quote, m.head = true, parent, v.quote, head
}

// moreLine reads a line while a flow scalar may go on. done tells whether the
// line is not the scalar's, to be read as any other.
//
// A plain scalar goes on over lines indented more than its collection, blank
// lines among them; a comment line or a line indented no more ends it. Its
// continuation lines are taken only where yaml.v2 reads them as text, folded
// into the value (see plainMore), and none continues a head value (the scan
// does not fold them).
//
// A quoted scalar goes on until its closing quote, after which only a comment
// may follow. yaml.v2 does not look at the indentation of its lines; the scan
// takes only lines indented more than its collection.
func (s *headScan) moreLine(line string) (done, ok bool) {
	m := &s.more
	n := indentation(line)
	rest := line[n:]
	if rest == "" {
		return false, true // a blank line: a line break if more text follows
	}
	if m.quote == 0 && (rest[0] == '#' || n <= m.parent) {
		m.active = false // a comment, or a line outside: read as any other
		return true, true
	}
	if strings.IndexByte(line, '\t') >= 0 {
		return false, false
	}
	if m.quote != 0 {
		if n <= m.parent {
			return false, false
		}
		end, closed, ok := quotedText(rest, m.quote)
		if !ok {
			return false, false
		}
		if closed {
			m.active = false
			return false, lineEnd(rest[end:])
		}
		return false, true
	}
	if m.head || !plainMore(rest) {
		return false, false
	}
	return false, true
}

// plainMore reports whether a line that goes on with a plain scalar is text
// to yaml.v2. In block context only a comment (" #", or "#" first) and ":"
// before a space or the line's end end a plain scalar there; other indicators
// are text once the scalar has started. Lines that start like a sequence entry,
// an explicit key or a value ("-", "?", ":" then a space) are refused all the
// same, as nothing needs them.
func plainMore(rest string) bool {
	if (rest[0] == '-' || rest[0] == '?' || rest[0] == ':') && (len(rest) == 1 || rest[1] == ' ') {
		return false
	}
	t := strings.TrimRight(rest, " ")
	return !strings.Contains(t, ": ") && !strings.HasSuffix(t, ":") && !strings.Contains(t, " #")
}

// set stores a head field's string value.
func (s *headScan) set(f field, key, text string) {
	switch f {
	case fieldAPIVersion:
		s.apiVersion = text
	case fieldKind:
		s.kind = text
	case fieldName:
		s.name = text
	case fieldNamespace:
		s.namespace = text
	case fieldAnnotation:
		s.annotations[key] = text
	}
}

func (s *headScan) startBlock(parent int, v inline, capture bool, f field, key string) {
	b := &s.block
	b.active, b.parent, b.indent, b.capture, b.strip, b.field, b.key = true, parent, 0, capture, v.strip, f, key
	b.text, b.lastBreak, b.sawEmpty, b.leading = b.text[:0], false, false, 0
}

// blockLine reads a line while a block scalar is open. done tells whether the
// line is not the scalar's: the scalar has ended and the line is read as any other.
func (s *headScan) blockLine(line string, broken bool) (done, ok bool) {
	b := &s.block
	n := indentation(line)
	if b.indent == 0 {
		// yaml.v2 takes the scalar's indentation from its first line with text
		// and the empty lines before it, refusing tabs among their spaces. Only
		// text indented more than the collection, and at least as much as those
		// empty lines, is taken.
		if n < len(line) && line[n] == '\t' {
			return false, false
		}
		if n == len(line) {
			b.leading = max(b.leading, n)
			b.sawEmpty = true
			return false, true
		}
		if n <= b.parent && b.leading <= b.parent && !b.capture {
			// No text: the scalar is empty and this line is not its.
			b.active = false
			return true, true
		}
		if n <= b.parent || n < b.leading {
			return false, false
		}
		b.indent = n
	}
	switch {
	case n == len(line) && n <= b.indent:
		// An empty line, part of the text if more text follows.
		b.sawEmpty = true
		return false, true
	case n >= b.indent:
		// A line of text; everything after the indentation is text, tabs too.
		if b.capture {
			if b.sawEmpty || n == len(line) {
				return false, false // empty lines inside, or a line of spaces
			}
			if len(b.text) > 0 {
				b.text = append(b.text, '\n')
			}
			b.text = append(b.text, line[b.indent:]...)
			b.lastBreak = broken
		}
		return false, true
	}
	// A line with text, less indented: the scalar ends. A tab where yaml.v2
	// expects indentation spaces is an error.
	if line[n] == '\t' {
		return false, false
	}
	return true, s.endBlock()
}

// endBlock closes the open block scalar, storing it if it is a head value.
func (s *headScan) endBlock() bool {
	b := &s.block
	b.active = false
	if b.capture {
		text := string(b.text)
		if !b.strip && b.lastBreak {
			text += "\n" // clipped: the last line break is kept
		}
		s.set(b.field, b.key, text)
	}
	return true
}

// end closes what is open at the end of the document.
func (s *headScan) end() bool {
	if s.block.active {
		if s.block.indent == 0 && (s.block.capture || s.block.leading > s.block.parent) {
			return false // a head value without text
		}
		s.endBlock()
	}
	if s.more.active && s.more.quote != 0 {
		return false // a quoted scalar not closed
	}
	if s.pending.active {
		return s.null(s.pending.field)
	}
	return true
}

// scalar is a key or value scalar as written on one line.
type scalar struct {
	text    string // the value, when decoded
	decoded bool   // text holds the value: plain, or quoted with known escapes
}

// splitKey reads a mapping key at the start of rest. isKey is false when rest is
// a scalar and no key; ok is false when the scan cannot tell. after is what
// follows the key's ":".
func splitKey(rest string) (key scalar, after string, isKey, ok bool) {
	const maxKey = 1000
	switch rest[0] {
	case '"', '\'':
		n, text, decoded, ok := quoted(rest)
		if !ok {
			// A quoted scalar that goes on over the next lines is no key.
			_, closed, valid := quotedText(rest[1:], rest[0])
			return key, "", false, valid && !closed
		}
		if n == len(rest) || rest[n] != ':' {
			return key, "", false, true
		}
		if n+1 < len(rest) && rest[n+1] != ' ' || n > maxKey {
			return key, "", false, false
		}
		return scalar{text: text, decoded: decoded}, rest[n+1:], true, true
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ' ':
			if i+1 < len(rest) && rest[i+1] == '#' {
				return key, "", false, true // a comment before any ":"
			}
		case ':':
			if i+1 < len(rest) && rest[i+1] != ' ' {
				continue
			}
			text := strings.TrimRight(rest[:i], " ")
			if !plainString(text) || i > maxKey {
				return key, "", false, false
			}
			return scalar{text: text, decoded: true}, rest[i+1:], true, true
		}
	}
	return key, "", false, true
}

// plainString reports whether a plain scalar is certainly a string to yaml.v2:
// either it starts with a letter, "_", "/" or "$" (numbers, null and the
// indicators start otherwise) and is no boolean or null word; or it starts with a
// digit and holds a character no integer or float has (10m, 5Gi). Timestamps are
// strings to every way here: yaml.v2 gives their text when decoding into any.
func plainString(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c >= '0' && c <= '9' {
		for i := 1; i < len(s); i++ {
			if strings.IndexByte("0123456789abcdefABCDEFxXoO_+-.", s[i]) < 0 {
				return true
			}
		}
		return false
	}
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/' || c == '$') {
		return false
	}
	if len(s) <= 5 {
		for _, w := range [...]string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"} {
			if strings.EqualFold(s, w) {
				return false
			}
		}
	}
	return true
}

// valueKind is the kind of value written after a key or a sequence entry's dash.
type valueKind uint8

const (
	valueNone       valueKind = iota // nothing: the value is on the next lines, or null
	valuePlain                       // a plain scalar
	valueQuoted                      // a quoted scalar
	valueBlock                       // a block scalar's header
	valueEmptyMap                    // {}
	valueEmptySeq                    // []
	valueFlowSeq                     // [a, "b"]: scalars on one line
	valueQuotedOpen                  // a quoted scalar that goes on over the next lines
)

// inline is a value written on its key's line.
type inline struct {
	kind valueKind
	scalar
	literal, strip, keep bool // a block scalar's style and chomping
	comment              bool // a comment follows a plain scalar on its line
	quote                byte // the quote of a quoted scalar not closed on its line
}

// inlineValue reads the value after a key's ":" or an entry's dash, refusing
// anything outside the subset.
func inlineValue(after string) (inline, bool) {
	v := strings.TrimLeft(after, " ")
	if v == "" || v[0] == '#' {
		if v != "" && len(v) == len(after) {
			return inline{}, false // "#" right after the ":"
		}
		return inline{}, true
	}
	switch c := v[0]; c {
	case '"', '\'':
		n, text, decoded, ok := quoted(v)
		if !ok {
			if _, closed, valid := quotedText(v[1:], c); valid && !closed {
				return inline{kind: valueQuotedOpen, quote: c}, true
			}
			return inline{}, false
		}
		if !lineEnd(v[n:]) {
			return inline{}, false
		}
		return inline{kind: valueQuoted, scalar: scalar{text: text, decoded: decoded}}, true
	case '{', '[':
		inner := strings.TrimLeft(v[1:], " ")
		switch {
		case c == '{' && strings.HasPrefix(inner, "}") && lineEnd(inner[1:]):
			return inline{kind: valueEmptyMap}, true
		case c == '[' && strings.HasPrefix(inner, "]") && lineEnd(inner[1:]):
			return inline{kind: valueEmptySeq}, true
		case c == '[':
			if n, ok := flowScalars(v); ok && lineEnd(v[n:]) {
				return inline{kind: valueFlowSeq}, true
			}
		}
		return inline{}, false // other flow collections
	case '|', '>':
		b := inline{kind: valueBlock, literal: c == '|'}
		n := 1
		if n < len(v) && (v[n] == '-' || v[n] == '+') {
			b.strip, b.keep = v[n] == '-', v[n] == '+'
			n++
		}
		if !lineEnd(v[n:]) {
			return inline{}, false // an indentation indicator, or more
		}
		return b, true
	case '-', '?', ':':
		// Plain when text follows at once; else a sequence entry, an explicit
		// key or a value where a value goes.
		if len(v) < 2 || v[1] == ' ' {
			return inline{}, false
		}
	default:
		if strings.IndexByte(",]}#&*!%@`", c) >= 0 {
			return inline{}, false // indicators
		}
	}
	// A plain scalar: it ends at the line's end or at a comment.
	text, comment := v, false
	if i := strings.Index(v, " #"); i >= 0 {
		text, comment = v[:i], true
	}
	text = strings.TrimRight(text, " ")
	if strings.Contains(text, ": ") || strings.HasSuffix(text, ":") {
		return inline{}, false // a mapping where a scalar goes
	}
	if t := strings.TrimLeft(text, "+-"); strings.EqualFold(t, ".inf") || strings.EqualFold(t, ".nan") || text == "<<" {
		return inline{}, false // no JSON form; a merge key's marker
	}
	return inline{kind: valuePlain, scalar: scalar{text: text, decoded: true}, comment: comment}, true
}

// flowScalars reads a flow sequence of scalars that closes on this line, returning
// its length as written: "[", items separated by "," and spaces, "]". An item is a
// quoted scalar or a plain one of letters, digits and "_./=-", neither ".inf" nor
// ".nan"; anything else (nested collections, "a: b" pairs, empty items, a
// trailing comma, other characters whose meaning in flow context needs the
// parser) is refused.
func flowScalars(v string) (int, bool) {
	i := 1
	for {
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) {
			return 0, false
		}
		switch c := v[i]; {
		case c == '"' || c == '\'':
			n, _, _, ok := quoted(v[i:])
			if !ok {
				return 0, false
			}
			i += n
		case c == '.' || c == '-' || c == '+':
			return 0, false // .inf, .nan, -.inf and the like, or an entry
		default:
			start := i
			for i < len(v) && flowPlainByte(v[i]) {
				i++
			}
			if i == start {
				return 0, false
			}
		}
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) {
			return 0, false
		}
		switch v[i] {
		case ']':
			return i + 1, true
		case ',':
			i++
		default:
			return 0, false
		}
	}
}

// flowPlainByte reports whether c may be part of a plain item of flowScalars.
func flowPlainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_./=-", c) >= 0
}

// lineEnd reports whether rest holds nothing but spaces and a comment after a
// space.
func lineEnd(rest string) bool {
	t := strings.TrimLeft(rest, " ")
	return t == "" || t[0] == '#' && len(t) < len(rest)
}

// quoted reads a single- or double-quoted scalar that closes on this line,
// returning its length as written and its value when decoded (double-quoted
// scalars are decoded only when their escapes are \\, \" , \n and \t).
func quoted(v string) (n int, text string, decoded, ok bool) {
	if v[0] == '\'' {
		for i := 1; i < len(v); i++ {
			if v[i] != '\'' {
				continue
			}
			if i+1 < len(v) && v[i+1] == '\'' {
				i++ // '' is a quote
				continue
			}
			return i + 1, strings.ReplaceAll(v[1:i], "''", "'"), true, true
		}
		return 0, "", false, false
	}
	simple, escaped := true, false
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '"':
			if !simple {
				return i + 1, "", false, true
			}
			text = v[1:i]
			if escaped {
				text = unescape(text)
			}
			return i + 1, text, true, true
		case '\\':
			i++
			if i == len(v) {
				return 0, "", false, false // continued on the next line
			}
			escaped = true
			skip, plain, ok := escapeSize(v[i:])
			if !ok {
				return 0, "", false, false
			}
			simple = simple && plain
			i += skip
		}
	}
	return 0, "", false, false // not closed on this line
}

// quotedText reads the text of a quoted scalar on one line, from just after its
// opening quote or from the start of a line that goes on with it. end is just
// past the closing quote when closed; ok is false for an escape yaml.v2 refuses
// or the scan does not know. A backslash at the end of a double-quoted line
// escapes the line break.
func quotedText(v string, q byte) (end int, closed, ok bool) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++ // '' is a quote
		case c == q:
			return i + 1, true, true
		case c == '\\' && q == '"':
			i++
			if i == len(v) {
				return 0, false, true
			}
			skip, _, ok := escapeSize(v[i:])
			if !ok {
				return 0, false, false
			}
			i += skip
		}
	}
	return 0, false, true
}

// escapeSize checks the escape whose letter starts s, just after a backslash in a
// double-quoted scalar: skip is how many bytes follow the letter (the digits of \x,
// \u and \U), simple whether unescape decodes it (\\, \", \n and \t), and ok is
// false for an escape yaml.v2 refuses.
func escapeSize(s string) (skip int, simple, ok bool) {
	switch s[0] {
	case '\\', '"', 'n', 't':
		return 0, true, true
	case '0', 'a', 'b', 'v', 'f', 'r', 'e', ' ', '\'', 'N', '_', 'L', 'P':
		return 0, false, true
	case 'x':
		return 2, false, hexEscape(s[1:], 2)
	case 'u':
		return 4, false, hexEscape(s[1:], 4)
	case 'U':
		return 8, false, hexEscape(s[1:], 8)
	}
	return 0, false, false
}

// hexEscape reports whether s starts with size hexadecimal digits naming a
// character yaml.v2 accepts (no surrogate, nothing beyond U+10FFFF).
func hexEscape(s string, size int) bool {
	if len(s) < size {
		return false
	}
	r := 0
	for _, c := range []byte(s[:size]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | int(c-'A'+10)
		default:
			return false
		}
	}
	return !(r >= 0xd800 && r <= 0xdfff) && r <= 0x10ffff
}

// unescape decodes \\, \", \n and \t.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
