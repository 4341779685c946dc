package engine

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// durationFuncs are Helm's duration helpers. A duration is given as a time.Duration, a
// Go duration string ("1h30m"), or a number of seconds (number or numeric string).
// The conversions return 0 for input that is not a duration; mustToDuration fails.
func durationFuncs() map[string]any {
	conv := func(f func(time.Duration) float64) func(any) float64 {
		return func(v any) float64 {
			d, err := toDuration(v)
			if err != nil {
				return 0
			}
			return f(d)
		}
	}
	convInt := func(f func(time.Duration) int64) func(any) int64 {
		return func(v any) int64 {
			d, err := toDuration(v)
			if err != nil {
				return 0
			}
			return f(d)
		}
	}
	round := func(op func(d, m time.Duration) time.Duration) func(v, m any) time.Duration {
		return func(v, m any) time.Duration {
			d, err := toDuration(v)
			if err != nil {
				return 0
			}
			mul, err := toDuration(m)
			if err != nil {
				return d
			}
			return op(d, mul)
		}
	}
	return map[string]any{
		"mustToDuration":       toDuration,
		"durationSeconds":      conv(time.Duration.Seconds),
		"durationMinutes":      conv(time.Duration.Minutes),
		"durationHours":        conv(time.Duration.Hours),
		"durationDays":         conv(func(d time.Duration) float64 { return d.Hours() / 24 }),
		"durationWeeks":        conv(func(d time.Duration) float64 { return d.Hours() / 24 / 7 }),
		"durationMilliseconds": convInt(time.Duration.Milliseconds),
		"durationMicroseconds": convInt(time.Duration.Microseconds),
		"durationNanoseconds":  convInt(time.Duration.Nanoseconds),
		"durationRoundTo":      round(time.Duration.Round),
		"durationTruncateTo":   round(time.Duration.Truncate),
	}
}

func toDuration(v any) (time.Duration, error) {
	switch t := v.(type) {
	case nil:
		return 0, errors.New("invalid duration")
	case time.Duration:
		return t, nil
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return 0, errors.New("empty duration")
		}
		if d, err := time.ParseDuration(s); err == nil {
			return d, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return secondsToDuration(f)
		}
		return 0, fmt.Errorf("could not parse duration %q", t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s := rv.Int()
		if s > math.MaxInt64/int64(time.Second) || s < math.MinInt64/int64(time.Second) {
			return 0, fmt.Errorf("duration seconds overflow: %d", s)
		}
		return time.Duration(s) * time.Second, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s := rv.Uint()
		if s > uint64(math.MaxInt64/int64(time.Second)) {
			return 0, fmt.Errorf("duration seconds overflow: %d", s)
		}
		return time.Duration(s) * time.Second, nil
	case reflect.Float32, reflect.Float64:
		return secondsToDuration(rv.Float())
	}
	return 0, fmt.Errorf("unsupported duration type %T", v)
}

func secondsToDuration(s float64) (time.Duration, error) {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, fmt.Errorf("invalid duration seconds: %v", s)
	}
	ns := s * float64(time.Second)
	if ns > math.MaxInt64 || ns < math.MinInt64 {
		return 0, fmt.Errorf("duration seconds overflow: %v", s)
	}
	return time.Duration(ns), nil
}
