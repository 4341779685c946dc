package plugin

import (
	"errors"
	"os"
	"runtime"
	"strings"
)

// platformCommand picks the command for this platform as Helm does: an exact OS
// and architecture match wins, then the first OS match without an architecture,
// then the first entry naming neither.
func platformCommand(cmds []PlatformCommand) (parts, args []string) {
	found, foundOS := false, false
	eq := strings.EqualFold
	for _, c := range cmds {
		if eq(c.OS, runtime.GOOS) && eq(c.Arch, runtime.GOARCH) {
			return strings.Split(c.Command, " "), c.Args
		}
		if (c.OS != "" && !eq(c.OS, runtime.GOOS)) || c.Arch != "" {
			continue
		}
		if !foundOS && c.OS != "" {
			parts, args, found, foundOS = strings.Split(c.Command, " "), c.Args, true, true
		} else if !found {
			parts, args, found = strings.Split(c.Command, " "), c.Args, true
		}
	}
	return parts, args
}

var errNoCommand = errors.New("no plugin command is applicable")

// prepareCommand returns the program and arguments to run: the platform command
// with $VARIABLES expanded from env (in the arguments only when expandArgs), then
// extra.
func prepareCommand(cmds []PlatformCommand, expandArgs bool, extra []string, env map[string]string) (string, []string, error) {
	parts, args := platformCommand(cmds)
	if len(parts) == 0 || parts[0] == "" {
		return "", nil, errNoCommand
	}
	expand := func(s string) string {
		if !expandArgs {
			return s
		}
		return os.Expand(s, func(k string) string { return env[k] })
	}
	main := os.Expand(parts[0], func(k string) string { return env[k] })
	out := make([]string, 0, len(parts)-1+len(args)+len(extra))
	for _, a := range parts[1:] {
		out = append(out, expand(a))
	}
	for _, a := range args {
		out = append(out, expand(a))
	}
	return main, append(out, extra...), nil
}

// envMap turns KEY=value pairs into a map, later pairs winning.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if k != "" {
			m[k] = v
		}
	}
	return m
}

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
