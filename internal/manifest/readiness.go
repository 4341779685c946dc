package manifest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Readiness is one readiness expression of HIP-0025: a JSONPath query into an
// object's .status, an operator and a scalar, as in
//
//	{.conditions[?(@.type=="Ready")].status} == "True"
//	{.succeeded} >= 1
//
// The query reads fields (.name or ['name']), list items ([0], [-1], [*]) and
// filters ([?(@.field=="value")], with == or !=). The expression holds when any
// value the query finds compares true; a query that finds nothing does not hold.
type Readiness struct {
	Text  string
	path  []step
	op    string
	value any
}

type step struct {
	field  string // a field, or
	index  *int   // a list index, or
	all    bool   // every item, or
	filter *filter
}

type filter struct {
	path  []string
	op    string
	value any
}

var operators = []string{"==", "!=", "<=", ">=", "<", ">"}

// ParseReadiness reads an annotation holding a JSON list of readiness expressions.
func ParseReadiness(annotation string) ([]Readiness, error) {
	var texts []string
	if err := json.Unmarshal([]byte(annotation), &texts); err != nil {
		return nil, fmt.Errorf("want a JSON list of expressions like [\"{.succeeded} == 1\"], got %q", annotation)
	}
	out := make([]Readiness, 0, len(texts))
	for _, t := range texts {
		r, err := parseExpression(t)
		if err != nil {
			return nil, fmt.Errorf("expression %q: %w", t, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseExpression(text string) (Readiness, error) {
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "{") {
		return Readiness{}, fmt.Errorf("want {query} operator value")
	}
	end := closingBrace(s)
	if end < 0 {
		return Readiness{}, fmt.Errorf("the query has no closing }")
	}
	path, err := parsePath(s[1:end])
	if err != nil {
		return Readiness{}, err
	}
	rest := strings.TrimSpace(s[end+1:])
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Readiness{}, fmt.Errorf("want one of the operators %s after the query", strings.Join(operators, " "))
	}
	lit := strings.TrimSpace(rest[len(op):])
	if lit == "" {
		return Readiness{}, fmt.Errorf("no value after %s", op)
	}
	v, err := parseScalar(lit)
	if err != nil {
		return Readiness{}, err
	}
	return Readiness{Text: text, path: path, op: op, value: v}, nil
}

// closingBrace finds the } that ends the query, skipping quoted strings.
func closingBrace(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '}':
			return i
		}
	}
	return -1
}

func parsePath(q string) ([]step, error) {
	q = strings.TrimPrefix(strings.TrimSpace(q), ".status")
	if q == "" || q == "." {
		return nil, fmt.Errorf("the query is empty")
	}
	var out []step
	for len(q) > 0 {
		switch q[0] {
		case '.':
			n := fieldEnd(q[1:])
			if n == 0 {
				return nil, fmt.Errorf("a field name is missing after %q", ".")
			}
			out = append(out, step{field: q[1 : 1+n]})
			q = q[1+n:]
		case '[':
			end := strings.IndexByte(q, ']')
			if strings.HasPrefix(q, "[?(") {
				end = strings.Index(q, ")]")
				if end >= 0 {
					end++
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("%q has no closing ]", q)
			}
			st, err := parseBracket(q[1:end])
			if err != nil {
				return nil, err
			}
			out = append(out, st)
			q = q[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q in the query", q)
		}
	}
	return out, nil
}

func fieldEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return i
		}
	}
	return len(s)
}

func parseBracket(b string) (step, error) {
	b = strings.TrimSpace(b)
	switch {
	case b == "*":
		return step{all: true}, nil
	case len(b) >= 2 && (b[0] == '\'' || b[0] == '"') && b[len(b)-1] == b[0]:
		return step{field: b[1 : len(b)-1]}, nil
	case strings.HasPrefix(b, "?(") && strings.HasSuffix(b, ")"):
		f, err := parseFilter(strings.TrimSpace(b[2 : len(b)-1]))
		return step{filter: f}, err
	}
	i, err := strconv.Atoi(b)
	if err != nil {
		return step{}, fmt.Errorf("[%s] is not an index, a quoted field, * or a filter", b)
	}
	return step{index: &i}, nil
}

func parseFilter(f string) (*filter, error) {
	if !strings.HasPrefix(f, "@.") {
		return nil, fmt.Errorf("filter %q must start with @.", f)
	}
	op := ""
	at := -1
	for _, o := range []string{"==", "!="} {
		if i := strings.Index(f, o); i >= 0 {
			op, at = o, i
			break
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("filter %q needs == or !=", f)
	}
	var path []string
	for _, p := range strings.Split(strings.TrimSpace(f[2:at]), ".") {
		if p == "" || fieldEnd(p) != len(p) {
			return nil, fmt.Errorf("filter %q has a bad field name", f)
		}
		path = append(path, p)
	}
	v, err := parseScalar(strings.TrimSpace(f[at+2:]))
	if err != nil {
		return nil, err
	}
	return &filter{path: path, op: op, value: v}, nil
}

// parseScalar reads a value: a quoted string, a number, true, false, or a bare word
// taken as a string.
func parseScalar(s string) (any, error) {
	if s == "" {
		return nil, fmt.Errorf("a value is missing")
	}
	if s[0] == '\'' || s[0] == '"' {
		if len(s) < 2 || s[len(s)-1] != s[0] {
			return nil, fmt.Errorf("value %s has no closing quote", s)
		}
		return s[1 : len(s)-1], nil
	}
	if s == "true" || s == "false" {
		return s == "true", nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	if strings.ContainsAny(s, " \t{}[]()") {
		return nil, fmt.Errorf("value %q is not a scalar", s)
	}
	return s, nil
}

// Holds evaluates the expression on an object's status (nil when it has none).
func (r Readiness) Holds(status map[string]any) bool {
	vals := []any{any(status)}
	for _, st := range r.path {
		var next []any
		for _, v := range vals {
			next = append(next, st.apply(v)...)
		}
		vals = next
	}
	for _, v := range vals {
		if compare(v, r.op, r.value) {
			return true
		}
	}
	return false
}

func (st step) apply(v any) []any {
	switch {
	case st.filter != nil:
		var out []any
		list, _ := v.([]any)
		for _, item := range list {
			if got, ok := lookup(item, st.filter.path); ok && compare(got, st.filter.op, st.filter.value) {
				out = append(out, item)
			}
		}
		return out
	case st.all:
		switch t := v.(type) {
		case []any:
			return t
		case map[string]any:
			out := make([]any, 0, len(t))
			for _, x := range t {
				out = append(out, x)
			}
			return out
		}
	case st.index != nil:
		list, _ := v.([]any)
		i := *st.index
		if i < 0 {
			i += len(list)
		}
		if i >= 0 && i < len(list) {
			return []any{list[i]}
		}
	default:
		if m, ok := v.(map[string]any); ok {
			if x, ok := m[st.field]; ok {
				return []any{x}
			}
		}
	}
	return nil
}

func lookup(v any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// compare compares a found value with the expression's: numbers as numbers,
// anything else by its text (so that "True" and True agree), ordering only numbers.
func compare(got any, op string, want any) bool {
	g, gNum := number(got)
	w, wNum := number(want)
	if gNum && wNum {
		switch op {
		case "==":
			return g == w
		case "!=":
			return g != w
		case "<":
			return g < w
		case "<=":
			return g <= w
		case ">":
			return g > w
		case ">=":
			return g >= w
		}
	}
	gs, ws := fmt.Sprint(got), fmt.Sprint(want)
	if _, ok := got.(map[string]any); ok || got == nil {
		return false
	}
	if _, ok := got.([]any); ok {
		return false
	}
	switch op {
	case "==":
		return gs == ws
	case "!=":
		return gs != ws
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
