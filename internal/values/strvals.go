package values

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits applied by the --set family of parsers. They keep a hostile or mistyped
// flag from allocating huge lists or recursing without end; the values are Helm's.
const (
	// MaxListIndex is the largest list index a --set key may name (a[65536]=x).
	MaxListIndex = 65536
	// MaxKeyDepth is the deepest nested level a --set key may name: the first
	// name is level 0 and each dot goes one level down, so a key may hold
	// MaxKeyDepth dots, that is MaxKeyDepth+1 names ("a.b" is nested level 1).
	// Dots after a list index ("a[0].b") are not counted, as in Helm.
	MaxKeyDepth = 30
)

// ErrNotList reports that a value expected to be a {a,b} list is something else.
// The parsers use it internally; it never escapes an exported function.
var ErrNotList = errors.New("not a list")

// ParseSet applies a --set line such as "a.b=1,list={x,y},c[0].d=true" to dest.
//
// Keys are split on dots, may carry list indexes, and may escape any character with
// a backslash ("a\.b=1" names the key "a.b"; "v=x\,y" keeps the comma). Values are
// typed the way Helm types them: true/false (any case), null (deletes the key when
// values are coalesced), int64 for integers without a leading zero, and strings
// for everything else, including "1.5", "007" and integers beyond int64.
func ParseSet(s string, dest map[string]any) error {
	return newSetParser(s, dest, modeTyped, nil).parse()
}

// ParseSetString applies a --set-string line to dest: like ParseSet, but every
// value stays a string.
func ParseSetString(s string, dest map[string]any) error {
	return newSetParser(s, dest, modeString, nil).parse()
}

// ParseSetJSON applies a --set-json line such as `a={"b":1},c=[1,2]` to dest.
// Each value is one JSON document (numbers become float64); an empty value sets
// null. Several key=value pairs may follow each other, separated by commas.
func ParseSetJSON(s string, dest map[string]any) error {
	return newSetParser(s, dest, modeJSON, nil).parse()
}

// ParseSetFile applies a --set-file line such as "cert=tls.pem" to dest: each value
// is a path handed to read, and the contents it returns become the string value.
// The package does no file I/O of its own; read decides what a path means.
func ParseSetFile(s string, dest map[string]any, read func(path string) ([]byte, error)) error {
	valueOf := func(rs []rune) (any, error) {
		data, err := read(string(rs))
		if err != nil {
			return nil, err
		}
		return string(data), nil
	}
	return newSetParser(s, dest, modeFile, valueOf).parse()
}

// ParseSetLiteral applies one --set-literal assignment to dest: everything after the
// first "=" is the string value, commas, braces and backslashes included. The key
// still splits on dots and list indexes, but backslashes in it are not escapes.
func ParseSetLiteral(s string, dest map[string]any) error {
	return newSetParser(s, dest, modeLiteral, nil).parse()
}

// setMode says how a setParser turns the text after "=" into a value.
type setMode int

const (
	modeTyped   setMode = iota // --set: inferred scalar types, {a,b} lists
	modeString                 // --set-string: strings, {a,b} lists
	modeJSON                   // --set-json: one JSON document per value
	modeFile                   // --set-file: value is a path, contents become the value
	modeLiteral                // --set-literal: rest of the line, verbatim
)

// setParser walks one --set style line, writing into data as it goes.
type setParser struct {
	in      *runeCursor
	data    map[string]any
	mode    setMode
	valueOf func([]rune) (any, error) // scalar conversion, unused by JSON and literal modes
}

func newSetParser(s string, dest map[string]any, mode setMode, valueOf func([]rune) (any, error)) *setParser {
	p := &setParser{in: &runeCursor{s: s}, data: dest, mode: mode, valueOf: valueOf}
	if valueOf == nil {
		asString := mode == modeString
		p.valueOf = func(rs []rune) (any, error) { return inferType(string(rs), asString), nil }
	}
	return p
}

// parse reads assignments until the input runs out. Like Helm, any error that
// wraps io.EOF counts as a clean end of input: "a.", "a[" and "a[0" set nothing
// and are not errors.
func (p *setParser) parse() error {
	for {
		err := p.key(p.data, 0)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// literal reports whether backslashes and commas lose their meaning.
func (p *setParser) literal() bool { return p.mode == modeLiteral }

// until reads up to (and consumes) the first rune in stop; see readUntil.
func (p *setParser) until(stop string) ([]rune, rune, error) {
	return readUntil(p.in, stop, !p.literal())
}

// key reads one key segment and whatever follows it into data. depth counts the
// dots seen so far in this key.
func (p *setParser) key(data map[string]any, depth int) (err error) {
	defer recoverAsError(&err, "unable to parse key")

	stop := "=[,."
	if p.literal() {
		stop = "=[."
	}
	k, last, err := p.until(stop)
	name := string(k)
	switch {
	case err != nil:
		if len(k) == 0 {
			return err
		}
		return fmt.Errorf("key %q has no value", name)

	case last == '[':
		idx, err := p.index()
		if err != nil {
			return fmt.Errorf("error parsing index: %w", err)
		}
		list := []any{}
		if existing, ok := data[name]; ok {
			l, ok := existing.([]any)
			if !ok {
				return fmt.Errorf("unable to parse key: %w", conversionError(existing, "[]interface {}"))
			}
			list = l
		}
		list, err = p.listItem(list, idx, depth)
		setKey(data, name, list)
		return err

	case last == '=':
		return p.assign(data, name)

	case last == ',':
		setKey(data, name, "")
		return fmt.Errorf("key %q has no value (cannot end with ,)", name)

	default: // '.'
		depth++
		if depth > MaxKeyDepth {
			// Helm's words, then what they mean: Helm counts levels below the
			// first name, which users read as one level fewer than they typed.
			return fmt.Errorf("value name nested level is greater than maximum supported nested level of %d: a key may hold at most %d dots (%d names)",
				MaxKeyDepth, MaxKeyDepth, MaxKeyDepth+1)
		}
		inner := map[string]any{}
		if existing, ok := data[name]; ok {
			m, ok := existing.(map[string]any)
			if !ok {
				return fmt.Errorf("unable to parse key: %w", conversionError(existing, "map[string]interface {}"))
			}
			inner = m
		}
		err := p.key(inner, depth)
		if err == nil && len(inner) == 0 {
			return fmt.Errorf("key map %q has no value", name)
		}
		if len(inner) != 0 {
			setKey(data, name, inner)
		}
		return err
	}
}

// assign reads the value after "key=" and stores it under name.
func (p *setParser) assign(data map[string]any, name string) error {
	switch p.mode {
	case modeLiteral:
		setKey(data, name, p.rest())
		return nil
	case modeJSON:
		v, err := p.jsonValue()
		if err != nil {
			return err
		}
		setKey(data, name, v)
		return nil
	}

	list, err := p.braceList()
	switch {
	case err == nil:
		setKey(data, name, list)
		return nil
	case errors.Is(err, io.EOF):
		// "key=" at the very end: an empty string.
		setKey(data, name, "")
		return err
	case errors.Is(err, ErrNotList):
		rs, err := p.scalar()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		v, err := p.valueOf(rs)
		setKey(data, name, v)
		return err
	default:
		return err
	}
}

// listItem handles what follows "name[i]": "=value", ".key...", or another "[j]".
// It returns the (possibly grown) list, which the caller stores.
func (p *setParser) listItem(list []any, i, depth int) ([]any, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	k, last, err := p.until("[.=")
	switch {
	case len(k) > 0:
		return list, fmt.Errorf("unexpected data at end of array index: %q", k)
	case err != nil:
		return list, err

	case last == '=':
		return p.assignIndex(list, i)

	case last == '[':
		next, err := p.index()
		if err != nil {
			return list, fmt.Errorf("error parsing index: %w", err)
		}
		var inner []any
		if i < len(list) && list[i] != nil {
			l, ok := list[i].([]any)
			if !ok {
				return list, fmt.Errorf("unable to parse key: %w", conversionError(list[i], "[]interface {}"))
			}
			inner = l
		}
		inner, err = p.listItem(inner, next, depth)
		if err != nil {
			return list, err
		}
		return setIndex(list, i, inner)

	default: // '.'
		inner := map[string]any{}
		if i < len(list) {
			m, ok := list[i].(map[string]any)
			if !ok {
				// The slot holds something else (often nil from a later index set
				// first): it becomes a fresh map.
				m = map[string]any{}
				list[i] = m
			}
			inner = m
		}
		if err := p.key(inner, depth); err != nil {
			return list, err
		}
		return setIndex(list, i, inner)
	}
}

// assignIndex reads the value after "name[i]=" and stores it at list[i].
func (p *setParser) assignIndex(list []any, i int) ([]any, error) {
	switch p.mode {
	case modeLiteral:
		return setIndex(list, i, p.rest())
	case modeJSON:
		v, err := p.jsonValue()
		if err != nil {
			return list, err
		}
		return setIndex(list, i, v)
	}

	vals, err := p.braceList()
	switch {
	case err == nil:
		return setIndex(list, i, vals)
	case errors.Is(err, io.EOF):
		return setIndex(list, i, "")
	case errors.Is(err, ErrNotList):
		rs, err := p.scalar()
		if err != nil && !errors.Is(err, io.EOF) {
			return list, err
		}
		v, err := p.valueOf(rs)
		if err != nil {
			return list, err
		}
		return setIndex(list, i, v)
	default:
		return list, err
	}
}

// index reads the list index up to "]".
func (p *setParser) index() (int, error) {
	rs, _, err := p.until("]")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(rs))
}

// scalar reads a plain value up to the next comma.
func (p *setParser) scalar() ([]rune, error) {
	rs, _, err := p.until(",")
	return rs, err
}

// rest consumes and returns the remainder of the line, verbatim.
func (p *setParser) rest() string {
	s := p.in.s[p.in.pos:]
	p.in.pos = len(p.in.s)
	return s
}

// braceList reads a "{a,b,c}" list. It returns ErrNotList (consuming nothing) when
// the value does not start with "{", and io.EOF when there is no value at all.
func (p *setParser) braceList() ([]any, error) {
	r, err := p.in.readRune()
	if err != nil {
		return []any{}, err
	}
	if r != '{' {
		p.in.unreadRune()
		return []any{}, ErrNotList
	}
	list := []any{}
	for {
		rs, last, err := p.until(",}")
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("list must terminate with '}'")
			}
			return list, err
		}
		v, verr := p.valueOf(rs)
		if last == '}' {
			// A comma right after the list separates it from the next assignment.
			if r, err := p.in.readRune(); err == nil && r != ',' {
				p.in.unreadRune()
			}
			list = append(list, v)
			return list, verr
		}
		if verr != nil {
			return list, verr
		}
		list = append(list, v)
	}
}

// jsonValue decodes one JSON document from the input and consumes the blanks and
// comma after it. An empty value (nothing but blanks before a comma or the end)
// is null.
func (p *setParser) jsonValue() (any, error) {
	if p.skipSeparator() {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(p.in.s[p.in.pos:]))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	p.in.pos += int(dec.InputOffset())
	p.in.last = 0
	p.skipSeparator()
	return v, nil
}

// skipSeparator consumes blanks and at most one comma. It reports true when it
// reached a comma or the end of input, and leaves any other rune unread.
func (p *setParser) skipSeparator() bool {
	for {
		r, err := p.in.readRune()
		if err != nil {
			return true
		}
		if r == ',' {
			return true
		}
		if !unicode.IsSpace(r) {
			p.in.unreadRune()
			return false
		}
	}
}

// inferType converts a --set scalar to the type Helm gives it.
func inferType(s string, asString bool) any {
	if asString {
		return s
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true
	case strings.EqualFold(s, "false"):
		return false
	case strings.EqualFold(s, "null"):
		return nil
	case s == "0":
		return int64(0)
	}
	// Leading zeros keep the value a string ("007" is not 7); so does anything
	// that does not fit in an int64.
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// setKey stores v under key; an empty key is silently ignored, as in Helm.
func setKey(data map[string]any, key string, v any) {
	if key != "" {
		data[key] = v
	}
}

// setIndex stores v at list[i], growing the list with nils as needed, within
// MaxListIndex.
func setIndex(list []any, i int, v any) ([]any, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	if i > MaxListIndex {
		return list, fmt.Errorf("index of %d is greater than maximum supported index of %d", i, MaxListIndex)
	}
	if i >= len(list) {
		grown := make([]any, i+1)
		copy(grown, list)
		list = grown
	}
	list[i] = v
	return list, nil
}

// conversionError describes a value of the wrong type met while walking a key, in
// the words Go uses for a failed type assertion (which is what Helm reports).
func conversionError(v any, want string) error {
	if v == nil {
		return fmt.Errorf("interface conversion: interface {} is nil, not %s", want)
	}
	return fmt.Errorf("interface conversion: interface {} is %T, not %s", v, want)
}

// recoverAsError turns a panic into an error, a last guard for malformed input.
func recoverAsError(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: %v", what, r)
	}
}

// readUntil reads runes up to the first one in stop, which it consumes and returns
// as last. With escapes, a backslash makes the next rune ordinary (a trailing
// backslash is dropped). At the end of input it returns what it read and io.EOF.
func readUntil(in *runeCursor, stop string, escapes bool) (out []rune, last rune, err error) {
	out = []rune{}
	for {
		r, err := in.readRune()
		if err != nil {
			return out, 0, err
		}
		switch {
		case strings.ContainsRune(stop, r):
			return out, r, nil
		case escapes && r == '\\':
			next, err := in.readRune()
			if err != nil {
				return out, 0, err
			}
			out = append(out, next)
		default:
			out = append(out, r)
		}
	}
}

// runeCursor reads runes from a string and can step back one rune. Invalid UTF-8
// reads as utf8.RuneError, one byte at a time.
type runeCursor struct {
	s    string
	pos  int
	last int // byte size of the rune just read, 0 when there is none to unread
}

func (c *runeCursor) readRune() (rune, error) {
	if c.pos >= len(c.s) {
		c.last = 0
		return 0, io.EOF
	}
	r, n := utf8.DecodeRuneInString(c.s[c.pos:])
	c.pos += n
	c.last = n
	return r, nil
}

func (c *runeCursor) unreadRune() {
	c.pos -= c.last
	c.last = 0
}
