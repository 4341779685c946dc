package values

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// quickParse decodes a schema document for the quick check, several times faster
// than encoding/json's reflection. It takes only plain JSON whose tree it is sure
// encoding/json (as parseSchema calls it) would build the same: anything unusual
// (invalid UTF-8, surrogate escapes, a byte-order mark, deep nesting, a document
// that is not an object) is refused with ok false, and parseSchema then reads the
// document as before, errors included.
func quickParse(data []byte) (doc any, ok bool) {
	p := quickParser{data: data}
	p.space()
	if p.i >= len(p.data) || p.data[p.i] != '{' {
		return nil, false
	}
	doc, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	return doc, p.i == len(p.data)
}

// maxQuickDepth bounds nesting well below encoding/json's own limit.
const maxQuickDepth = 500

type quickParser struct {
	data []byte
	i    int
}

func (p *quickParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *quickParser) value(depth int) (any, bool) {
	if p.i >= len(p.data) || depth > maxQuickDepth {
		return nil, false
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range [...]struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(p.data)-p.i >= len(lit.text) && string(p.data[p.i:p.i+len(lit.text)]) == lit.text {
			p.i += len(lit.text)
			return lit.v, true
		}
	}
	return nil, false
}

func (p *quickParser) object(depth int) (any, bool) {
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, false
		}
		key, ok := p.string()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		m[key.(string)] = v // a repeated key: the last wins, as in encoding/json
		p.space()
		if p.i >= len(p.data) {
			return nil, false
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *quickParser) array(depth int) (any, bool) {
	p.i++ // [
	list := []any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return list, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		list = append(list, v)
		p.space()
		if p.i >= len(p.data) {
			return nil, false
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return list, true
		default:
			return nil, false
		}
	}
}

// string reads a string whose bytes are valid UTF-8 without control characters,
// with the simple escapes and \u escapes outside the surrogates.
func (p *quickParser) string() (any, bool) {
	p.i++ // "
	start := p.i
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			s := p.data[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return nil, false // encoding/json would replace the bad bytes
			}
			return string(s), true
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return nil, false
		default:
			p.i++
		}
	}
	return nil, false
}

func (p *quickParser) escapedString(start int) (any, bool) {
	buf := append([]byte(nil), p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return nil, false
			}
			return string(buf), true
		case c < 0x20:
			return nil, false
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.data) {
			return nil, false
		}
		esc := p.data[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			if p.i+4 > len(p.data) {
				return nil, false
			}
			r, err := strconv.ParseUint(string(p.data[p.i:p.i+4]), 16, 16)
			// Surrogates pair up (or turn into U+FFFD) in encoding/json.
			if err != nil || (r >= 0xD800 && r <= 0xDFFF) {
				return nil, false
			}
			buf = utf8.AppendRune(buf, rune(r))
			p.i += 4
		default:
			return nil, false
		}
	}
	return nil, false
}

// number reads a JSON number as json.Number, its text unchanged.
func (p *quickParser) number() (any, bool) {
	start := p.i
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, false
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(p.data[start:p.i]), true
}

func (p *quickParser) digits() int {
	n := 0
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
