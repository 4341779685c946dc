package values

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The quick schema check is a fast path in front of the JSON Schema library. It
// answers only "certainly valid" or "not sure": when it is sure, Validate returns
// nil without compiling the schema (compiling a big schema costs more than all
// the rest of validation); when it is not, the library runs exactly as before, so
// every error text stays the library's.
//
// "Certainly valid" needs two things to hold:
//
//  1. the schema compiles under the library as Validate calls it: the same draft
//     from $schema (2020-12 when absent), and a schema that passes its draft's
//     meta-schema. So every keyword the draft knows is checked for the shape its
//     meta-schema demands, and a keyword the check does not understand makes it
//     unsure. Keywords no draft knows (Bitnami's "form", ...) are ignored, as the
//     library and the meta-schemas ignore them.
//  2. the values satisfy the schema, decided with the library's own rules: numbers
//     compared as exact rationals of their fmt.Sprint text, string lengths in runes,
//     patterns with Go's regexp, a value of a type the library does not know
//     (NaN, a map[string]string, ...) making it unsure.
//
// The subset: type, enum, const, the numeric bounds and multipleOf, minLength,
// maxLength, pattern, items (the schema form), minItems, maxItems, uniqueItems,
// required, properties, patternProperties, additionalProperties, minProperties,
// maxProperties, allOf, anyOf, oneOf, not, if/then/else, definitions and $defs,
// local $refs by JSON pointer, a root $id when nothing refers, and annotations.

// Drafts by number, in order; the library's Draft values are not comparable.
const (
	draft4    = 4
	draft6    = 6
	draft7    = 7
	draft2019 = 2019
	draft2020 = 2020
)

// keywordDrafts gives the first and last draft whose meta-schema (or the
// library's compiler, or its walk for ids and anchors) knows a keyword; ok is
// false for a keyword no draft knows. Outside that range a keyword is just an
// unknown property: neither checked, walked nor applied. (A switch rather than
// a map: nothing to build when the program starts.)
func keywordDrafts(kw string) (first, last int, ok bool) {
	switch kw {
	case "$schema", "$ref", "title", "description", "default",
		"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
		"maxLength", "minLength", "pattern", "items", "maxItems", "minItems", "uniqueItems",
		"maxProperties", "minProperties", "required", "additionalProperties", "definitions", "properties",
		"patternProperties", "dependencies", "enum", "type", "format", "allOf", "anyOf", "oneOf", "not",
		// 2020-12 dropped additionalItems, but the library still walks it for
		// ids and anchors (a duplicate anchor there fails the compile).
		"additionalItems":
		return draft4, draft2020, true
	case "id":
		return draft4, draft4, true
	case "$id", "const", "contains", "propertyNames":
		return draft6, draft2020, true
	case "$comment", "readOnly", "writeOnly", "examples", "contentMediaType", "contentEncoding", "if", "then", "else":
		return draft7, draft2020, true
	case "$anchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary", "$defs", "dependentSchemas",
		"dependentRequired", "unevaluatedItems", "unevaluatedProperties", "maxContains", "minContains",
		"contentSchema", "deprecated":
		return draft2019, draft2020, true
	case "prefixItems", "$dynamicRef", "$dynamicAnchor":
		return draft2020, draft2020, true
	}
	return 0, 0, false
}

// identityKeyword reports the keywords that change how references resolve or
// load other documents; the check refuses them in every draft (even where a draft
// ignores them) rather than model ids, anchors and dynamic scopes. A root $id is
// handled apart.
func identityKeyword(kw string) bool {
	switch kw {
	case "$schema", "id", "$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$recursiveAnchor", "$vocabulary":
		return true
	}
	return false
}

// JSON types as bits, "integer" apart from "number" as the library keeps them.
const (
	typeNull uint8 = 1 << iota
	typeBoolean
	typeNumber
	typeInteger
	typeString
	typeArray
	typeObject
)

// typeBit returns the bit of a type name, 0 for a name that is none.
func typeBit(name string) uint8 {
	switch name {
	case "null":
		return typeNull
	case "boolean":
		return typeBoolean
	case "number":
		return typeNumber
	case "integer":
		return typeInteger
	case "string":
		return typeString
	case "array":
		return typeArray
	case "object":
		return typeObject
	}
	return 0
}

// quickSchema is one compiled schema position. The zero value (with always set)
// is the schema `true`.
type quickSchema struct {
	always bool // `true` or {}: anything goes, the value is not even looked at
	never  bool // `false`

	hasRef bool
	ref    *quickSchema // resolved $ref
	refPtr string       // the JSON pointer $ref names, until resolved

	types    uint8 // 0: no type keyword
	enum     []any
	hasEnum  bool
	constVal any
	hasConst bool

	minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf *big.Rat

	minLength, maxLength int // -1: absent
	pattern              *regexp.Regexp

	minItems, maxItems int // -1: absent
	uniqueItems        bool
	items              *quickSchema

	minProperties, maxProperties int // -1: absent
	required                     []string
	properties                   map[string]*quickSchema
	patternProperties            []patternSchema
	additionalProperties         *quickSchema

	allOf, anyOf, oneOf []*quickSchema
	not                 *quickSchema
	ifSchema            *quickSchema
	thenSchema          *quickSchema
	elseSchema          *quickSchema
}

// newQuickSchema returns a schema with no keywords (the counts absent).
func newQuickSchema() *quickSchema {
	return &quickSchema{minLength: -1, maxLength: -1, minItems: -1, maxItems: -1, minProperties: -1, maxProperties: -1}
}

type patternSchema struct {
	re     *regexp.Regexp
	schema *quickSchema
}

// quickCompiler turns a parsed schema document into quickSchemas, or gives up.
type quickCompiler struct {
	draft    int
	withPtrs bool                    // record each position's JSON pointer (only when $refs need them)
	byPtr    map[string]*quickSchema // JSON pointer -> schema, when withPtrs
	refs     []*quickSchema          // schemas with a $ref to resolve
}

// compileQuick compiles doc, the whole values.schema.json, or returns nil when the
// check cannot be sure the library would compile it without error. hasRefs
// tells whether it holds $refs (and so may loop).
func compileQuick(doc any) (root *quickSchema, hasRefs bool) {
	draft, ok := quickDraft(doc)
	if !ok {
		return nil, false
	}
	c := &quickCompiler{draft: draft}
	root = c.compileRoot(doc)
	if root == nil || len(c.refs) == 0 {
		return root, false
	}
	// $refs need positions by pointer: compile again, recording them. The
	// second pass is rare (most charts' schemas have no $ref) and cheap.
	c = &quickCompiler{draft: draft, withPtrs: true, byPtr: map[string]*quickSchema{}}
	if root = c.compileRoot(doc); root == nil {
		return nil, false
	}
	for _, s := range c.refs {
		// A pointer to a place that is not a schema the check compiled (inside an
		// enum, under an unknown keyword, or nowhere) is refused: the library
		// either fails or compiles something the check never looked at.
		target, ok := c.byPtr[s.refPtr]
		if !ok {
			return nil, false
		}
		s.ref = target
	}
	return root, true
}

// quickDraft returns the draft the library picks for doc: the one its root $schema
// names, else 2020-12 (the library's default, which Validate does not change).
func quickDraft(doc any) (int, bool) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return draft2020, true
	}
	raw, ok := obj["$schema"]
	if !ok {
		return draft2020, true
	}
	// Any other $schema makes the library load a meta-schema by URL (or fail):
	// only the standard drafts' addresses, as the library spells them, are taken.
	s, ok := raw.(string)
	if !ok {
		return 0, false
	}
	u, frag, _ := strings.Cut(s, "#")
	if frag != "" {
		return 0, false
	}
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		u = rest
	} else {
		u = strings.TrimPrefix(u, "https://")
	}
	switch u {
	case "json-schema.org/schema", "json-schema.org/draft/2020-12/schema":
		return draft2020, true
	case "json-schema.org/draft/2019-09/schema":
		return draft2019, true
	case "json-schema.org/draft-07/schema":
		return draft7, true
	case "json-schema.org/draft-06/schema":
		return draft6, true
	case "json-schema.org/draft-04/schema":
		return draft4, true
	}
	return 0, false
}

// plainRootID reports whether a root $id is one the check takes: a plain absolute
// http(s) address (letters, digits and "-._~/" after the scheme, no query, no
// fragment), which the meta-schemas accept as a URI reference without a
// fragment and which the library joins to its base without surprises. Not under
// json-schema.org, where the library keeps its meta-schemas.
func plainRootID(id string) bool {
	rest, ok := strings.CutPrefix(id, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(id, "http://")
	}
	host, _, _ := strings.Cut(rest, "/")
	if !ok || host == "" || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") ||
		strings.Contains(host, "..") || strings.Contains(id, "json-schema.org") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		inHost := i < len(host)
		if !(isPlainByte(c) || c == '/') || (inHost && (c == '_' || c == '~')) {
			return false
		}
	}
	return true
}

// isPlainByte reports an ASCII letter, digit or one of "-._~".
func isPlainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

func (c *quickCompiler) compileRoot(doc any) *quickSchema {
	obj, ok := doc.(map[string]any)
	if !ok {
		return c.compile(doc, "")
	}
	// The root may carry $schema (already read) and a plain $id; take them off a
	// shallow copy so that the general rule below refuses them anywhere else.
	_, hasSchema := obj["$schema"]
	id, hasID := obj["$id"]
	if hasID && c.draft < draft6 {
		hasID = false // "$id" means nothing to draft-04
	}
	if hasSchema || hasID {
		if hasID {
			s, ok := id.(string)
			// A root $id moves the base URL; json-schema.org addresses are
			// where the library keeps its meta-schemas.
			if !ok || !plainRootID(s) {
				return nil
			}
		}
		trimmed := make(map[string]any, len(obj))
		for k, v := range obj {
			if (k == "$schema") || (k == "$id" && hasID) {
				continue
			}
			trimmed[k] = v
		}
		obj = trimmed
	}
	root := c.compile(obj, "")
	if root != nil && hasID && len(c.refs) > 0 {
		// References resolve against the $id then; not modelled.
		return nil
	}
	return root
}

// knows reports whether the compiler's draft has the keyword.
func (c *quickCompiler) knows(kw string) bool {
	first, last, ok := keywordDrafts(kw)
	return ok && c.draft >= first && c.draft <= last
}

// compile compiles the schema v found at JSON pointer ptr.
func (c *quickCompiler) compile(v any, ptr string) *quickSchema {
	var s *quickSchema
	switch t := v.(type) {
	case bool:
		// Draft-04's meta-schema wants every schema to be an object.
		if c.draft == draft4 {
			return nil
		}
		s = &quickSchema{always: t, never: !t}
	case map[string]any:
		s = c.compileObject(t, ptr)
	default:
		return nil // not a schema: the meta-schema refuses it
	}
	if s != nil && c.withPtrs {
		c.byPtr[ptr] = s
	}
	return s
}

func (c *quickCompiler) compileObject(obj map[string]any, ptr string) *quickSchema {
	if len(obj) == 0 {
		// The library compiles {} as `true`: not even the value's type is looked at.
		return &quickSchema{always: true}
	}
	s := newQuickSchema()
	for kw, v := range obj {
		if identityKeyword(kw) {
			return nil
		}
		if !c.knows(kw) {
			continue
		}
		if !c.keyword(s, obj, kw, v, ptr) {
			return nil
		}
	}
	if s.hasRef && c.draft < draft2019 {
		// Before 2019-09 a $ref's siblings are ignored (but still checked
		// against the meta-schema above); draft-06/07 still apply a const
		// beside it, a quirk left to the library.
		if _, ok := obj["const"]; ok && c.draft >= draft6 {
			return nil
		}
		ref := newQuickSchema()
		ref.hasRef, ref.refPtr = true, s.refPtr
		s = ref
	}
	if s.hasRef {
		c.refs = append(c.refs, s)
	}
	return s
}

// keyword checks one keyword of a schema object for the shape its draft's
// meta-schema demands and records what it means; false when the check gives up.
func (c *quickCompiler) keyword(s *quickSchema, obj map[string]any, kw string, v any, ptr string) bool {
	switch kw {
	case "title", "description", "$comment", "format", "contentMediaType", "contentEncoding":
		// Annotations. "format" asserts in draft-04 to 07 (the library's default),
		// so there it is refused; from 2019-09 on Helm's compiler only annotates.
		// Content keywords assert only when AssertContent is called, and it is not.
		if kw == "format" && c.draft < draft2019 {
			return false
		}
		_, ok := v.(string)
		return ok
	case "default":
		return true
	case "readOnly", "writeOnly", "deprecated", "uniqueItems":
		b, ok := v.(bool)
		if kw == "uniqueItems" {
			s.uniqueItems = b
		}
		return ok
	case "examples":
		_, ok := v.([]any)
		return ok
	case "$ref":
		return c.refKeyword(s, v)
	case "type":
		return c.typeKeyword(s, v)
	case "enum":
		arr, ok := v.([]any)
		if !ok {
			return false
		}
		// Draft-04 to 07 want a non-empty list without duplicates.
		if c.draft < draft2019 && (len(arr) == 0 || !uniqueJSON(arr)) {
			return false
		}
		s.enum, s.hasEnum = arr, true
		return true
	case "const":
		s.constVal, s.hasConst = v, true
		return true
	case "minimum", "maximum":
		n, ok := schemaRat(v)
		if !ok {
			return false
		}
		// Draft-04 writes exclusive bounds as a boolean beside the bound.
		exclusive := c.draft == draft4 && obj["exclusive"+strings.ToUpper(kw[:1])+kw[1:]] == true
		switch {
		case kw == "minimum" && exclusive:
			s.exclusiveMinimum = n
		case kw == "minimum":
			s.minimum = n
		case exclusive:
			s.exclusiveMaximum = n
		default:
			s.maximum = n
		}
		return true
	case "exclusiveMinimum", "exclusiveMaximum":
		if c.draft == draft4 {
			// A boolean that needs its bound (the meta-schema's dependencies).
			_, isBool := v.(bool)
			_, hasBound := obj[strings.ToLower(kw[9:10])+kw[10:]]
			return isBool && hasBound
		}
		n, ok := schemaRat(v)
		if !ok {
			return false
		}
		if kw == "exclusiveMinimum" {
			s.exclusiveMinimum = n
		} else {
			s.exclusiveMaximum = n
		}
		return true
	case "multipleOf":
		n, ok := schemaRat(v)
		if !ok || n.Sign() <= 0 {
			return false
		}
		s.multipleOf = n
		return true
	case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
		n, ok := schemaCount(v)
		if !ok {
			return false
		}
		switch kw {
		case "minLength":
			s.minLength = n
		case "maxLength":
			s.maxLength = n
		case "minItems":
			s.minItems = n
		case "maxItems":
			s.maxItems = n
		case "minProperties":
			s.minProperties = n
		default:
			s.maxProperties = n
		}
		return true
	case "pattern":
		// The meta-schema's "regex" format and the compiler both use Go's regexp
		// (Validate does not change the library's regexp engine).
		p, ok := v.(string)
		if !ok {
			return false
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return false
		}
		s.pattern = re
		return true
	case "required":
		arr, ok := v.([]any)
		if !ok || (c.draft == draft4 && len(arr) == 0) || !uniqueJSON(arr) {
			return false
		}
		s.required = make([]string, len(arr))
		for i, name := range arr {
			if s.required[i], ok = name.(string); !ok {
				return false
			}
		}
		return true
	case "items":
		// The list form means different things across drafts (and is no schema
		// at all in 2020-12): refused.
		s.items = c.compile(v, c.at(ptr, "items"))
		return s.items != nil
	case "additionalProperties", "not", "if", "then", "else":
		var sub *quickSchema
		if kw == "additionalProperties" {
			sub = c.additional(v, c.at(ptr, kw))
		} else {
			sub = c.compile(v, c.at(ptr, kw))
		}
		if sub == nil {
			return false
		}
		switch kw {
		case "additionalProperties":
			s.additionalProperties = sub
		case "not":
			s.not = sub
		case "if":
			s.ifSchema = sub
		case "then":
			s.thenSchema = sub
		default:
			s.elseSchema = sub
		}
		return true
	case "properties", "patternProperties", "definitions", "$defs":
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if kw == "properties" {
			s.properties = make(map[string]*quickSchema, len(m))
		}
		for name, raw := range m {
			sub := c.compile(raw, c.join(ptr, kw, name))
			if sub == nil {
				return false
			}
			switch kw {
			case "properties":
				s.properties[name] = sub
			case "patternProperties":
				// Property-name patterns are Go regexps too, in every draft.
				re, err := regexp.Compile(name)
				if err != nil {
					return false
				}
				s.patternProperties = append(s.patternProperties, patternSchema{re, sub})
			}
		}
		return true
	case "allOf", "anyOf", "oneOf":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return false
		}
		list := make([]*quickSchema, len(arr))
		for i, raw := range arr {
			if list[i] = c.compile(raw, c.join(ptr, kw, strconv.Itoa(i))); list[i] == nil {
				return false
			}
		}
		switch kw {
		case "allOf":
			s.allOf = list
		case "anyOf":
			s.anyOf = list
		default:
			s.oneOf = list
		}
		return true
	}
	// A keyword of this draft outside the subset (dependencies, contains,
	// propertyNames, prefixItems, unevaluated*, additionalItems, ...).
	return false
}

// additional compiles additionalProperties, which draft-04 also takes as a
// boolean (where no other schema may be one).
func (c *quickCompiler) additional(v any, ptr string) *quickSchema {
	if b, ok := v.(bool); ok && c.draft == draft4 {
		s := &quickSchema{always: b, never: !b}
		if c.withPtrs {
			c.byPtr[ptr] = s
		}
		return s
	}
	return c.compile(v, ptr)
}

// at appends a keyword to a JSON pointer (when pointers are recorded).
func (c *quickCompiler) at(ptr, kw string) string {
	if !c.withPtrs {
		return ""
	}
	return ptr + "/" + kw
}

// join appends two tokens to a JSON pointer, escaped as the library escapes them.
func (c *quickCompiler) join(ptr, kw, name string) string {
	if !c.withPtrs {
		return ""
	}
	return ptr + "/" + kw + "/" + escapePointer(name)
}

func escapePointer(tok string) string {
	tok = strings.ReplaceAll(tok, "~", "~0")
	return strings.ReplaceAll(tok, "/", "~1")
}

// localRef reports whether a $ref is the only kind the check follows: "#" and a
// JSON pointer into this document, in letters, digits, "/" and "-._~$", which
// need no percent-decoding and which every draft's meta-schema takes as a URI
// reference. Anything else may load another document (a file, the network, a
// URN) or rely on anchors.
func localRef(ref string) bool {
	if ref != "#" && !strings.HasPrefix(ref, "#/") {
		return false
	}
	for i := 1; i < len(ref); i++ {
		if c := ref[i]; !isPlainByte(c) && c != '/' && c != '$' {
			return false
		}
	}
	return true
}

func (c *quickCompiler) refKeyword(s *quickSchema, v any) bool {
	ref, ok := v.(string)
	if !ok || !localRef(ref) {
		return false
	}
	ptr := ref[1:]
	// The library unescapes ~0 and ~1 and fails on any other "~"; escaping
	// again gives the key the positions were recorded under.
	for tok := range strings.SplitSeq(ptr, "/") {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(tok, "~0", ""), "~1", ""), "~") {
			return false
		}
	}
	s.hasRef, s.refPtr = true, ptr
	return true
}

func (c *quickCompiler) typeKeyword(s *quickSchema, v any) bool {
	switch t := v.(type) {
	case string:
		s.types = typeBit(t)
		return s.types != 0
	case []any:
		// A non-empty list of distinct type names.
		if len(t) == 0 {
			return false
		}
		for _, item := range t {
			name, ok := item.(string)
			bit := typeBit(name)
			if !ok || bit == 0 || s.types&bit != 0 {
				return false
			}
			s.types |= bit
		}
		return true
	}
	return false
}

// schemaRat reads a number of the schema as the library does (an exact rational
// of its text). Exponents are refused: "1e999999999" would cost more than it is
// worth to anyone.
func schemaRat(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(string(n), "eE") {
		return nil, false
	}
	return new(big.Rat).SetString(string(n))
}

// schemaCount reads a non-negative integer keyword. The meta-schemas also take
// 1.0 or 1e2; the check takes plain digits only.
func schemaCount(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil || i < 0 {
		return 0, false
	}
	return int(i), true
}
