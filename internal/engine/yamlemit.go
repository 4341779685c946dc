package engine

import (
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file writes the values yamlShape builds as yaml.v2's Marshal writes them,
// byte for byte, without yaml.v2's event machinery. It knows only the common part
// of yaml.v2's layout and scalar styles; emitShaped reports ok false for anything
// else (a string it cannot place in a style for sure, a key yaml.v2 would write as
// a complex key, a type it does not know), and the caller then uses yaml.v2.

// yamlBestWidth is the column past which yaml.v2 folds long scalars at a space.
const yamlBestWidth = 80

// yamlMaxSimpleKey is the longest key, in bytes, yaml.v2 writes as a simple key.
const yamlMaxSimpleKey = 128

// Scalar styles.
const (
	stylePlain = iota
	styleSingle
	styleDouble
	styleLiteral
)

// yamlWriter mirrors the output state of yaml.v2's emitter that decides spaces,
// line breaks and indentation.
type yamlWriter struct {
	buf        []byte
	column     int // in characters
	whitespace bool
	indention  bool
}

// emitShaped writes v, a value built by yamlShape, as goyaml2.Marshal would.
func emitShaped(v any) ([]byte, bool) {
	w := &yamlWriter{buf: make([]byte, 0, 512), whitespace: true, indention: true}
	if !w.node(v, -1, false, false) {
		return nil, false
	}
	w.writeIndent(0) // document end
	return w.buf, true
}

func (w *yamlWriter) putBreak() {
	w.buf = append(w.buf, '\n')
	w.column = 0
}

// writeIndent starts a line at indent unless the writer is already there.
func (w *yamlWriter) writeIndent(indent int) {
	if indent < 0 {
		indent = 0
	}
	if !w.indention || w.column > indent || (w.column == indent && !w.whitespace) {
		w.putBreak()
	}
	for w.column < indent {
		w.buf = append(w.buf, ' ')
		w.column++
	}
	w.whitespace = true
	w.indention = true
}

func (w *yamlWriter) indicator(s string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !w.whitespace {
		w.buf = append(w.buf, ' ')
		w.column++
	}
	w.buf = append(w.buf, s...)
	w.column += utf8.RuneCountInString(s)
	w.whitespace = isWhitespace
	w.indention = w.indention && isIndention
}

// node writes v with parent the indentation of the enclosing collection (-1 at
// the root).
func (w *yamlWriter) node(v any, parent int, mapping, simpleKey bool) bool {
	switch t := v.(type) {
	case nil:
		return w.plainToken("null")
	case bool:
		if t {
			return w.plainToken("true")
		}
		return w.plainToken("false")
	case int:
		return w.plainToken(strconv.FormatInt(int64(t), 10))
	case int64:
		return w.plainToken(strconv.FormatInt(t, 10))
	case uint64:
		return w.plainToken(strconv.FormatUint(t, 10))
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if s == "+Inf" || s == "-Inf" || s == "NaN" {
			return false
		}
		return w.plainToken(s)
	case string:
		return w.str(t, parent, simpleKey)
	case []any:
		return w.seq(t, parent, mapping)
	case map[any]any:
		return w.mapping(t, parent)
	}
	return false
}

// plainToken writes a number, boolean or null, which need no analysis.
func (w *yamlWriter) plainToken(s string) bool {
	if !w.whitespace {
		w.buf = append(w.buf, ' ')
		w.column++
	}
	w.buf = append(w.buf, s...)
	w.column += len(s)
	w.whitespace = false
	w.indention = false
	return true
}

func (w *yamlWriter) seq(s []any, parent int, mapping bool) bool {
	if len(s) == 0 {
		w.indicator("[", true, true, false)
		w.indicator("]", false, false, false)
		return true
	}
	indent := parent + 2
	if parent < 0 {
		indent = 0
	} else if mapping && !w.indention {
		indent = parent
	}
	for _, e := range s {
		w.writeIndent(indent)
		w.indicator("-", true, false, true)
		if !w.node(e, indent, false, false) {
			return false
		}
	}
	return true
}

func (w *yamlWriter) mapping(m map[any]any, parent int) bool {
	if len(m) == 0 {
		w.indicator("{", true, true, false)
		w.indicator("}", false, false, false)
		return true
	}
	keys := make([]string, 0, len(m))
	digits := false
	for k := range m {
		s, ok := k.(string)
		if !ok || len(s) > yamlMaxSimpleKey {
			return false
		}
		digits = digits || hasDigitOrWide(s)
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if yamlKeyLess(a, b) {
			return -1
		}
		return 1 // keys differ; strictlyOrdered checks the order where that could mislead
	})
	if digits && !strictlyOrdered(keys) {
		return false
	}
	indent := parent + 2
	if parent < 0 {
		indent = 0
	}
	for _, k := range keys {
		w.writeIndent(indent)
		if !w.str(k, indent, true) {
			return false
		}
		w.indicator(":", false, false, false)
		if !w.node(m[k], indent, true, false) {
			return false
		}
	}
	return true
}

// str writes a string scalar whose enclosing collection is at parent.
func (w *yamlWriter) str(s string, parent int, simpleKey bool) bool {
	style, ok := stringStyle(s, simpleKey)
	if !ok {
		return false
	}
	indent := parent + 2
	if parent < 0 {
		indent = 2
	}
	switch style {
	case stylePlain:
		w.plain(s, indent, !simpleKey)
	case styleSingle:
		w.single(s, indent, !simpleKey)
	case styleDouble:
		w.double(s, indent, !simpleKey)
	case styleLiteral:
		w.literal(s, indent)
	}
	return true
}

// stringStyle returns the style yaml.v2 writes s in, with ok false when s holds
// anything this emitter does not write: characters yaml.v2 escapes or treats as
// line breaks other than \n, a line break in a key or in a string yaml.v2 would
// double-quote, or text whose resolution it does not know for sure.
func stringStyle(s string, simpleKey bool) (int, bool) {
	multiline := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				multiline = true
			} else if c < 0x20 || c == 0x7f {
				return 0, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// yaml.v2 counts only 2- and 3-byte characters as printable; it treats
		// NEL, LS and PS as line breaks.
		if size > 3 || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe || r == utf8.RuneError {
			return 0, false
		}
		i += size
	}
	if multiline {
		if simpleKey || s[len(s)-1] == ' ' {
			return 0, false
		}
		for i := 1; i < len(s); i++ {
			if s[i] == '\n' && s[i-1] == ' ' {
				return 0, false // yaml.v2 double-quotes it
			}
		}
		return styleLiteral, true
	}
	isStr, sure := resolvesToString(s)
	if !sure {
		return 0, false
	}
	if !isStr || isBase60Float(s) {
		return styleDouble, true
	}
	if plainAllowed(s) {
		return stylePlain, true
	}
	return styleSingle, true
}

// plainAllowed reports whether yaml.v2 may write s, a one-line non-empty string of
// printable characters, as a plain scalar in block context.
func plainAllowed(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	if len(s) >= 3 && (s[:3] == "---" || s[:3] == "...") {
		return false
	}
	followedByBlank := func(i int) bool {
		return i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\t'
	}
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if followedByBlank(0) {
			return false
		}
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			if followedByBlank(i) {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// isBase60Float reports whether s has the YAML 1.1 sexagesimal form yaml.v2
// quotes: [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?
func isBase60Float(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i >= len(s) || !isDigit(s[i]) {
		return false
	}
	for i < len(s) && (isDigit(s[i]) || s[i] == '_') {
		i++
	}
	groups := 0
	for i < len(s) && s[i] == ':' {
		i++
		n := 0
		for i < len(s) && isDigit(s[i]) && n < 2 {
			i++
			n++
		}
		if n == 0 || n == 2 && s[i-2] > '5' {
			return false
		}
		groups++
	}
	if groups == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && (isDigit(s[i]) || s[i] == '_') {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// resolvesToString reports whether yaml.v2 reads s, written plain, as a string;
// sure is false where this emitter does not follow yaml.v2's rules (dates).
func resolvesToString(s string) (isStr, sure bool) {
	if s == "" {
		return false, true
	}
	switch c := s[0]; {
	case c == '.':
		switch s {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return false, true
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil, true
	case c == '+' || c == '-' || isDigit(c):
		switch s {
		case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
			return false, true
		}
		if len(s) >= 5 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && s[4] == '-' {
			return false, false // perhaps a timestamp
		}
		return !numberLike(s), true
	case c == '~' || c == 'y' || c == 'Y' || c == 'n' || c == 'N' || c == 't' || c == 'T' ||
		c == 'f' || c == 'F' || c == 'o' || c == 'O':
		switch s {
		case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
			"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
			"~", "null", "Null", "NULL":
			return false, true
		}
	}
	return true, true
}

// numberLike reports whether yaml.v2 reads s, starting with a sign or digit, as an
// integer or float.
func numberLike(s string) bool {
	plain := s
	for i := 0; i < len(plain); i++ {
		if plain[i] == '_' {
			plain = removeUnderscores(s)
			break
		}
	}
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return true
	}
	if yamlStyleFloat(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return true
		}
	}
	if len(plain) > 2 && plain[:2] == "0b" {
		if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
			return true
		}
	} else if len(plain) > 3 && plain[:3] == "-0b" {
		if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
			return true
		}
	}
	return false
}

func removeUnderscores(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// yamlStyleFloat reports whether s matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
func yamlStyleFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// writeChar copies the character at s[i] and returns the index after it.
func (w *yamlWriter) writeChar(s string, i int) int {
	c := s[i]
	n := 1
	if c >= utf8.RuneSelf {
		_, n = utf8.DecodeRuneInString(s[i:])
	}
	w.buf = append(w.buf, s[i:i+n]...)
	w.column++
	return i + n
}

func (w *yamlWriter) plain(s string, indent int, allowBreaks bool) {
	if !w.whitespace {
		w.buf = append(w.buf, ' ')
		w.column++
	}
	spaces := false
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			if allowBreaks && !spaces && w.column > yamlBestWidth && !(i+1 < len(s) && s[i+1] == ' ') {
				w.writeIndent(indent)
				i++
			} else {
				i = w.writeChar(s, i)
			}
			spaces = true
			continue
		}
		i = w.writeChar(s, i)
		w.indention = false
		spaces = false
	}
	w.whitespace = false
	w.indention = false
}

func (w *yamlWriter) single(s string, indent int, allowBreaks bool) {
	w.indicator("'", true, false, false)
	spaces := false
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			if allowBreaks && !spaces && w.column > yamlBestWidth && i > 0 && i < len(s)-1 && s[i+1] != ' ' {
				w.writeIndent(indent)
				i++
			} else {
				i = w.writeChar(s, i)
			}
			spaces = true
			continue
		}
		if s[i] == '\'' {
			w.buf = append(w.buf, '\'')
			w.column++
		}
		i = w.writeChar(s, i)
		w.indention = false
		spaces = false
	}
	w.indicator("'", false, false, false)
	w.whitespace = false
	w.indention = false
}

func (w *yamlWriter) double(s string, indent int, allowBreaks bool) {
	w.indicator("\"", true, false, false)
	spaces := false
	for i := 0; i < len(s); {
		switch s[i] {
		case '"', '\\':
			w.buf = append(w.buf, '\\', s[i])
			w.column += 2
			i++
			spaces = false
		case ' ':
			if allowBreaks && !spaces && w.column > yamlBestWidth && i > 0 && i < len(s)-1 {
				w.writeIndent(indent)
				if s[i+1] == ' ' {
					w.buf = append(w.buf, '\\')
					w.column++
				}
				i++
			} else {
				i = w.writeChar(s, i)
			}
			spaces = true
		default:
			i = w.writeChar(s, i)
			spaces = false
		}
	}
	w.indicator("\"", false, false, false)
	w.whitespace = false
	w.indention = false
}

func (w *yamlWriter) literal(s string, indent int) {
	w.indicator("|", true, false, false)
	if s[0] == ' ' || s[0] == '\n' {
		w.indicator("2", false, false, false)
	}
	switch {
	case s[len(s)-1] != '\n':
		w.indicator("-", false, false, false)
	case len(s) == 1 || s[len(s)-2] == '\n':
		w.indicator("+", false, false, false)
	}
	w.putBreak()
	w.indention = true
	w.whitespace = true
	breaks := true
	for i := 0; i < len(s); {
		if s[i] == '\n' {
			w.putBreak()
			i++
			w.indention = true
			breaks = true
			continue
		}
		if breaks {
			w.writeIndent(indent)
		}
		i = w.writeChar(s, i)
		w.indention = false
		breaks = false
	}
}

// maxOrderCheck is the most keys strictlyOrdered compares pair by pair.
const maxOrderCheck = 64

// strictlyOrdered reports whether every key sorts before every later one. yaml.v2's
// order compares runs of digits by value and is not transitive for some sets of
// keys (a1 < a09 < a0o < a1); there the order yaml.v2 writes depends on the order
// Go's map iteration gave its sort, and only yaml.v2 can reproduce it.
func strictlyOrdered(keys []string) bool {
	if len(keys) > maxOrderCheck {
		return false
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if !yamlKeyLess(keys[i], keys[j]) {
				return false
			}
		}
	}
	return true
}

// hasDigitOrWide reports whether s holds a digit or a character outside ASCII:
// without those, yaml.v2's key order is a plain total order.
func hasDigitOrWide(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) || s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// yamlKeyLess orders two string keys as yaml.v2 sorts them: letters after other
// characters, runs of digits by their numeric value.
func yamlKeyLess(a, b string) bool {
	var abuf, bbuf [64]rune
	ar, br := appendRunes(abuf[:0], a), appendRunes(bbuf[:0], b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai := i
		for ; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		bi := i
		for ; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}
