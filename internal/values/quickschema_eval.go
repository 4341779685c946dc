package values

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"
)

// quickValid reports whether vals certainly satisfy the schema document doc (as
// parseSchema decodes it): true only when the library would compile doc without
// error and accept vals. False means "not sure", never "invalid".
func quickValid(doc any, vals map[string]any) (sure bool) {
	defer func() {
		if recover() != nil {
			sure = false // a fault of the check is "not sure", never a verdict
		}
	}()
	root, hasRefs := compileQuick(doc)
	if root == nil {
		return false
	}
	e := quickEval{track: hasRefs}
	return e.valid(root, vals, 0) && !e.abort
}

// quickEval applies quickSchemas to values with the library's rules. Where the
// library would fail with an error rather than a verdict (a value of a type it
// does not know, a number it cannot read, a $ref cycle), it sets abort: the
// answer is then "not sure", whatever the verdicts so far.
type quickEval struct {
	abort bool
	// track is set when the schema has $refs, which can loop: the library
	// fails when a schema comes back to the same value without descending.
	track bool
	stack []*quickSchema // schemas being applied, in place, to the values on the path
}

// valid reports whether v satisfies s. The schemas on e.stack from base on are
// the ones already applied to this same value.
func (e *quickEval) valid(s *quickSchema, v any, base int) bool {
	if e.abort {
		return false
	}
	if s.always {
		return true
	}
	if s.never {
		return false
	}
	if e.track {
		for _, seen := range e.stack[base:] {
			if seen == s {
				e.abort = true
				return false
			}
		}
		e.stack = append(e.stack, s)
	}
	ok := e.check(s, v, base)
	if e.track {
		e.stack = e.stack[:len(e.stack)-1]
	}
	return ok && !e.abort
}

func (e *quickEval) check(s *quickSchema, v any, base int) bool {
	kind := jsonKind(v)
	if kind == 0 {
		e.abort = true // the library reports an invalid JSON value
		return false
	}
	if s.types != 0 && s.types&kind == 0 &&
		!(s.types&typeInteger != 0 && kind == typeNumber && isIntegral(v)) {
		return false
	}
	if s.hasConst && !e.same(v, s.constVal) {
		return false
	}
	if s.hasEnum && !e.inEnum(v, s.enum) {
		return false
	}
	if s.hasRef && !e.valid(s.ref, v, base) {
		return false
	}
	switch t := v.(type) {
	case map[string]any:
		if !e.object(s, t) {
			return false
		}
	case []any:
		if !e.array(s, t) {
			return false
		}
	case string:
		if !stringValid(s, t) {
			return false
		}
	case bool, nil:
	default:
		if !e.number(s, v) {
			return false
		}
	}
	return e.applicators(s, v, base)
}

// applicators applies allOf, anyOf, oneOf, not and if/then/else, in the
// library's order: anyOf stops at its first match, as the library does.
func (e *quickEval) applicators(s *quickSchema, v any, base int) bool {
	if s.not != nil && e.valid(s.not, v, base) {
		return false
	}
	for _, sub := range s.allOf {
		if !e.valid(sub, v, base) {
			return false
		}
	}
	if len(s.anyOf) > 0 {
		matched := false
		for _, sub := range s.anyOf {
			if e.valid(sub, v, base) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if len(s.oneOf) > 0 {
		n := 0
		for _, sub := range s.oneOf {
			if e.valid(sub, v, base) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	if s.ifSchema != nil {
		if e.valid(s.ifSchema, v, base) {
			return s.thenSchema == nil || e.valid(s.thenSchema, v, base)
		}
		return s.elseSchema == nil || e.valid(s.elseSchema, v, base)
	}
	return true
}

func (e *quickEval) object(s *quickSchema, m map[string]any) bool {
	if (s.minProperties >= 0 && len(m) < s.minProperties) || (s.maxProperties >= 0 && len(m) > s.maxProperties) {
		return false
	}
	for _, name := range s.required {
		if _, ok := m[name]; !ok {
			return false
		}
	}
	if s.properties == nil && s.patternProperties == nil && s.additionalProperties == nil {
		return true
	}
	child := len(e.stack) // a property's value is a new value: no in-place schemas yet
	for name, pv := range m {
		evaluated := false
		if sub, ok := s.properties[name]; ok {
			evaluated = true
			if !e.valid(sub, pv, child) {
				return false
			}
		}
		for _, pp := range s.patternProperties {
			if pp.re.MatchString(name) {
				evaluated = true
				if !e.valid(pp.schema, pv, child) {
					return false
				}
			}
		}
		if !evaluated && s.additionalProperties != nil && !e.valid(s.additionalProperties, pv, child) {
			return false
		}
	}
	return true
}

// maxUniqueItems bounds the pairwise comparison of uniqueItems; longer lists
// are left to the library.
const maxUniqueItems = 256

func (e *quickEval) array(s *quickSchema, arr []any) bool {
	if (s.minItems >= 0 && len(arr) < s.minItems) || (s.maxItems >= 0 && len(arr) > s.maxItems) {
		return false
	}
	if s.uniqueItems && len(arr) > 1 {
		// The library hashes lists longer than 20 and would fail on an item it
		// cannot hash: every item must be plain JSON with readable numbers.
		if len(arr) > maxUniqueItems {
			e.abort = true
			return false
		}
		for _, item := range arr {
			if !plainJSON(item) {
				e.abort = true
				return false
			}
		}
		if !uniqueJSON(arr) {
			return false
		}
	}
	if s.items != nil {
		child := len(e.stack)
		for _, item := range arr {
			if !e.valid(s.items, item, child) {
				return false
			}
		}
	}
	return true
}

func stringValid(s *quickSchema, str string) bool {
	if s.minLength >= 0 || s.maxLength >= 0 {
		n := utf8.RuneCountInString(str) // the library counts runes
		if (s.minLength >= 0 && n < s.minLength) || (s.maxLength >= 0 && n > s.maxLength) {
			return false
		}
	}
	return s.pattern == nil || s.pattern.MatchString(str)
}

func (e *quickEval) number(s *quickSchema, v any) bool {
	if s.minimum == nil && s.maximum == nil && s.exclusiveMinimum == nil && s.exclusiveMaximum == nil && s.multipleOf == nil {
		return true
	}
	n, ok := ratOf(v)
	if !ok {
		e.abort = true // the library cannot compare what it cannot read
		return false
	}
	switch {
	case s.minimum != nil && n.Cmp(s.minimum) < 0,
		s.maximum != nil && n.Cmp(s.maximum) > 0,
		s.exclusiveMinimum != nil && n.Cmp(s.exclusiveMinimum) <= 0,
		s.exclusiveMaximum != nil && n.Cmp(s.exclusiveMaximum) >= 0,
		s.multipleOf != nil && !new(big.Rat).Quo(n, s.multipleOf).IsInt():
		return false
	}
	return true
}

// same reports whether v equals want; a value the library cannot compare aborts.
func (e *quickEval) same(v, want any) bool {
	eq, ok := sameJSON(v, want)
	if !ok {
		e.abort = true
	}
	return eq
}

// inEnum looks for v in the list in order, stopping at the first match as the
// library does (an uncomparable value before it aborts).
func (e *quickEval) inEnum(v any, list []any) bool {
	for _, item := range list {
		if e.same(v, item) {
			return true
		}
		if e.abort {
			return false
		}
	}
	return false
}

// jsonKind returns the type bit of a value as the library types it, or 0 for a
// value it does not take (NaN, infinities, any other Go type).
func jsonKind(v any) uint8 {
	switch t := v.(type) {
	case nil:
		return typeNull
	case bool:
		return typeBoolean
	case string:
		return typeString
	case map[string]any:
		return typeObject
	case []any:
		return typeArray
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0
		}
		return typeNumber
	case float32:
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return 0
		}
		return typeNumber
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return typeNumber
	}
	return 0
}

// ratOf reads a number as the library does: the exact rational of its fmt.Sprint
// text (so 0.1 is one tenth, not the nearest binary fraction).
func ratOf(v any) (*big.Rat, bool) {
	if i, ok := v.(int64); ok { // what values hold; the same number, without the text
		return new(big.Rat).SetInt64(i), true
	}
	return new(big.Rat).SetString(fmt.Sprint(v))
}

// isIntegral is the library's "integer" test for a number.
func isIntegral(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	n, ok := ratOf(v)
	return ok && n.IsInt()
}

// sameJSON compares a value with a schema's value as the library's equality
// does: numbers by exact value whatever their Go type, maps by keys, lists in
// order. ok is false where the library fails (a type it does not know on the
// left).
func sameJSON(a, b any) (eq, ok bool) {
	switch a := a.(type) {
	case map[string]any:
		bm, isMap := b.(map[string]any)
		if !isMap || len(a) != len(bm) {
			return false, true
		}
		for k, av := range a {
			bv, found := bm[k]
			if !found {
				return false, true
			}
			if eq, ok := sameJSON(av, bv); !eq || !ok {
				return eq, ok
			}
		}
		return true, true
	case []any:
		bl, isList := b.([]any)
		if !isList || len(a) != len(bl) {
			return false, true
		}
		for i := range a {
			if eq, ok := sameJSON(a[i], bl[i]); !eq || !ok {
				return eq, ok
			}
		}
		return true, true
	case nil:
		return b == nil, true
	case bool:
		bb, isBool := b.(bool)
		return isBool && a == bb, true
	case string:
		bs, isString := b.(string)
		return isString && a == bs, true
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if jsonKind(b) != typeNumber {
			return false, true
		}
		an, ok1 := ratOf(a)
		bn, ok2 := ratOf(b)
		return ok1 && ok2 && an.Cmp(bn) == 0, true
	}
	return false, false
}

// uniqueJSON reports whether no two items of arr are equal (and comparable).
func uniqueJSON(arr []any) bool {
	for i := 1; i < len(arr); i++ {
		for j := range i {
			if eq, ok := sameJSON(arr[i], arr[j]); eq || !ok {
				return false
			}
		}
	}
	return true
}

// plainJSON reports whether v is JSON all the way down with numbers the library
// can read: what its hashing of long uniqueItems lists needs.
func plainJSON(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for _, child := range t {
			if !plainJSON(child) {
				return false
			}
		}
		return true
	case []any:
		for _, child := range t {
			if !plainJSON(child) {
				return false
			}
		}
		return true
	case nil, bool, string:
		return true
	}
	if jsonKind(v) != typeNumber {
		return false
	}
	_, ok := ratOf(v)
	return ok
}
