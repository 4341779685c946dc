package engine

import (
	"fmt"
	"reflect"
	"strings"
	"text/template"

	"github.com/rudderpm/rudder/internal/chart/common"
)

// guardFuncs replaces, in f, the functions whose result can be far bigger than their
// arguments (repeat, printf, indent, until, toYaml, ...) with ones that first charge
// the render's budget with the size of what they are about to build. Charging every
// call, not only the last, also stops a loop that feeds a result back into the
// function ({{ $s = print $s $s }}), long before it holds more than the budget.
func (g *guard) guardFuncs(f template.FuncMap) {
	// The size of the arguments as fmt would print them, stopping past the budget.
	argSize := func(args ...any) int64 {
		left := g.max - g.used
		n := int64(0)
		for _, a := range args {
			n += formattedSize(a, left-n+1)
		}
		return n
	}

	// text/template's own print functions, which a FuncMap may replace.
	f["print"] = func(args ...any) (string, error) {
		if err := g.take(argSize(args...) + int64(len(args))); err != nil {
			return "", err
		}
		return fmt.Sprint(args...), nil
	}
	f["println"] = func(args ...any) (string, error) {
		if err := g.take(argSize(args...) + int64(len(args))); err != nil {
			return "", err
		}
		return fmt.Sprintln(args...), nil
	}
	f["printf"] = func(format string, args ...any) (string, error) {
		if err := g.take(printfSize(format, argSize(args...))); err != nil {
			return "", err
		}
		return fmt.Sprintf(format, args...), nil
	}

	anyArgs := func(name string) {
		orig := f[name].(func(...any) string)
		f[name] = func(args ...any) (string, error) {
			if err := g.take(argSize(args...) * 2); err != nil {
				return "", err
			}
			return orig(args...), nil
		}
	}
	for _, name := range []string{"cat", "quote", "squote"} {
		anyArgs(name)
	}
	oneAny := func(name string) {
		switch orig := f[name].(type) {
		case func(any) string:
			f[name] = func(v any) (string, error) {
				if err := g.take(argSize(v) * 2); err != nil {
					return "", err
				}
				return orig(v), nil
			}
		case func(any) (string, error):
			f[name] = func(v any) (string, error) {
				if err := g.take(argSize(v) * 2); err != nil {
					return "", err
				}
				return orig(v)
			}
		default:
			panic(fmt.Sprintf("engine: %s has an unexpected type %T", name, orig))
		}
	}
	for _, name := range []string{"toString", "toJson", "mustToJson", "toPrettyJson", "mustToPrettyJson",
		"toRawJson", "mustToRawJson", "toYaml", "mustToYaml", "toYamlPretty", "toToml", "mustToToml"} {
		oneAny(name)
	}
	oneString := func(name string, factor int64) {
		orig := f[name].(func(string) string)
		f[name] = func(s string) (string, error) {
			if err := g.take(int64(len(s)) * factor); err != nil {
				return "", err
			}
			return orig(s), nil
		}
	}
	oneString("b64enc", 2)
	oneString("b32enc", 2)

	join := f["join"].(func(string, any) string)
	f["join"] = func(sep string, v any) (string, error) {
		if err := g.take(argSize(v) + int64(len(sep))*int64(listLen(v))); err != nil {
			return "", err
		}
		return join(sep, v), nil
	}
	repeat := f["repeat"].(func(int, string) string)
	f["repeat"] = func(count int, s string) (string, error) {
		if err := g.take(product(count, len(s))); err != nil {
			return "", err
		}
		return repeat(count, s), nil
	}
	for _, name := range []string{"indent", "nindent"} {
		orig := f[name].(func(int, string) string)
		f[name] = func(spaces int, s string) (string, error) {
			size := int64(len(s)) + 1 + product(max(spaces, 0), strings.Count(s, "\n")+1)
			if err := g.take(size); err != nil {
				return "", err
			}
			return orig(spaces, s), nil
		}
	}
	replace := f["replace"].(func(string, string, string) string)
	f["replace"] = func(old, new, src string) (string, error) {
		size := int64(len(src))
		if len(new) > len(old) {
			size += product(strings.Count(src, old), len(new)-len(old))
		}
		if err := g.take(size); err != nil {
			return "", err
		}
		return replace(old, new, src), nil
	}
	wrap := f["wrap"].(func(int, string) string)
	f["wrap"] = func(l int, s string) (string, error) {
		if err := g.take(2*int64(len(s)) + 1); err != nil {
			return "", err
		}
		return wrap(l, s), nil
	}
	wrapWith := f["wrapWith"].(func(int, string, string) string)
	f["wrapWith"] = func(l int, sep, s string) (string, error) {
		breaks := len(s)/max(l, 1) + strings.Count(s, " ") + 1
		if err := g.take(int64(len(s)) + product(breaks, len(sep))); err != nil {
			return "", err
		}
		return wrapWith(l, sep, s), nil
	}
	for _, name := range []string{"randAlpha", "randAlphaNum", "randAscii", "randNumeric"} {
		orig := f[name].(func(int) string)
		f[name] = func(n int) (string, error) {
			if err := g.take(product(n, 4)); err != nil {
				return "", err
			}
			return orig(n), nil
		}
	}
	randBytes := f["randBytes"].(func(int) (string, error))
	f["randBytes"] = func(n int) (string, error) {
		if err := g.take(product(n, 3)); err != nil {
			return "", err
		}
		return randBytes(n)
	}

	// Lists of numbers: 8 bytes an element (seq prints them too).
	until := f["until"].(func(int) []int)
	f["until"] = func(n int) ([]int, error) {
		step := 1
		if n < 0 {
			step = -1
		}
		if err := g.take(8 * stepCount(0, n, step)); err != nil {
			return nil, err
		}
		return until(n), nil
	}
	untilStep := f["untilStep"].(func(int, int, int) []int)
	f["untilStep"] = func(start, stop, step int) ([]int, error) {
		if err := g.take(8 * stepCount(start, stop, step)); err != nil {
			return nil, err
		}
		return untilStep(start, stop, step), nil
	}
	seq := f["seq"].(func(...int) string)
	f["seq"] = func(params ...int) (string, error) {
		n := int64(0)
		switch len(params) {
		case 1:
			n = stepCount(1, params[0], 1) + stepCount(1, params[0], -1)
		case 2:
			n = stepCount(params[0], params[1], 1) + stepCount(params[0], params[1], -1)
		case 3:
			n = stepCount(params[0], params[2], params[1])
		}
		size := int64(-1)
		if n >= 0 {
			size = 32 * (n + 1)
		}
		if err := g.take(size); err != nil {
			return "", err
		}
		return seq(params...), nil
	}
}

// product is a*b, or -1 (which take refuses) when it does not fit.
func product(a, b int) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if int64(a) > (1<<62)/int64(b) {
		return -1
	}
	return int64(a) * int64(b)
}

// stepCount is about how many numbers untilStep(start, stop, step) lists, or -1
// (which take refuses) when that is past counting.
func stepCount(start, stop, step int) int64 {
	if step == 0 || (stop > start) != (step > 0) {
		return 0
	}
	n := (float64(stop) - float64(start)) / float64(step)
	if n > 1<<50 {
		return -1
	}
	return int64(n) + 1
}

// printfSize is more than the size of fmt.Sprintf(format, args...) where the
// arguments print as argSize bytes together: the format, each verb as all arguments,
// and the widths and precisions written in it (fmt refuses those over a million).
func printfSize(format string, argSize int64) int64 {
	size := int64(len(format)) + int64(strings.Count(format, "%"))*argSize
	num := int64(0)
	for i := 0; i <= len(format); i++ {
		if i < len(format) && format[i] >= '0' && format[i] <= '9' {
			num = min(num*10+int64(format[i]-'0'), 1e6)
			continue
		}
		size += num
		num = 0
		if i < len(format) && format[i] == '*' {
			size += 1e6
		}
	}
	return size
}

func listLen(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len()
	}
	return 0
}

// maxSizeDepth bounds how deep formattedSize follows lists and maps: deeper values
// count as too big. Values read from YAML or JSON cannot nest that deep.
const maxSizeDepth = 10000

// formattedSize estimates the bytes of printing v with fmt, or encoding it as JSON or
// YAML: its strings and a few bytes for every other value, following lists and maps
// as deep as they go. It stops once past limit, so a value that contains itself or
// shares its parts ({{ $l = list $l $l }}, forty times) costs no more than that to
// measure.
func formattedSize(v any, limit int64) int64 {
	s := sizer{limit: limit}
	s.add(v, 0)
	return s.n
}

type sizer struct {
	n, limit int64
}

func (s *sizer) add(v any, depth int) {
	if s.n > s.limit {
		return
	}
	if depth > maxSizeDepth {
		s.n = s.limit + 1
		return
	}
	switch v := v.(type) {
	case nil:
		s.n += 5
	case string:
		s.n += int64(len(v)) + 2
	case []byte:
		s.n += int64(len(v)) + 2
	case bool, int, int64, float64:
		s.n += 8
	case []any:
		s.n += 2
		for _, e := range v {
			s.n++
			s.add(e, depth+1)
			if s.n > s.limit {
				return
			}
		}
	case map[string]any:
		s.addMap(v, depth)
	case common.Values:
		s.addMap(v, depth)
	default:
		s.addValue(reflect.ValueOf(v), depth)
	}
}

func (s *sizer) addMap(m map[string]any, depth int) {
	s.n += 2
	for k, e := range m {
		s.n += int64(len(k)) + 2
		s.add(e, depth+1)
		if s.n > s.limit {
			return
		}
	}
}

func (s *sizer) addValue(v reflect.Value, depth int) {
	if s.n > s.limit {
		return
	}
	if depth > maxSizeDepth {
		s.n = s.limit + 1
		return
	}
	switch v.Kind() {
	case reflect.Invalid:
		s.n += 5
	case reflect.String:
		s.n += int64(v.Len()) + 2
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			s.n += int64(v.Len()) + 2
			return
		}
		s.n += 2
		for i := range v.Len() {
			s.n++
			s.addElem(v.Index(i), depth+1)
			if s.n > s.limit {
				return
			}
		}
	case reflect.Map:
		s.n += 2
		for it := v.MapRange(); it.Next(); {
			s.n += 2
			s.addElem(it.Key(), depth+1)
			s.addElem(it.Value(), depth+1)
			if s.n > s.limit {
				return
			}
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			s.n += 5
			return
		}
		s.addElem(v.Elem(), depth+1)
	case reflect.Struct:
		s.n += 2
		for i := range v.NumField() {
			s.n += int64(len(v.Type().Field(i).Name)) + 2
			s.addElem(v.Field(i), depth+1)
			if s.n > s.limit {
				return
			}
		}
	default:
		s.n += 8
	}
}

// addElem sizes a value met through reflection, by its dynamic type when it has one.
func (s *sizer) addElem(v reflect.Value, depth int) {
	if v.Kind() == reflect.Interface && !v.IsNil() && v.Elem().CanInterface() {
		s.add(v.Elem().Interface(), depth)
		return
	}
	s.addValue(v, depth)
}
