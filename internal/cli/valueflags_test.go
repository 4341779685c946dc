//go:build unix

package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// valuesChart writes a chart that prints .Values.v and returns its folder.
func valuesChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "chart")
	writeTxtarFiles(t, dir, `-- Chart.yaml --
apiVersion: v2
name: c
version: 1.0.0
-- templates/cm.yaml --
v: {{ .Values.v | len }}
`)
	return dir
}

// runWithStdin runs the CLI in-process with stdin and an environment of env only.
func runWithStdin(t *testing.T, stdin *os.File, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	in := os.Stdin
	if stdin != nil {
		in = stdin
	}
	getenv := func(k string) string { return env[k] }
	code = Run(context.Background(), args, Streams{In: in, Out: &out, Err: &errOut, Getenv: getenv})
	return out.String(), errOut.String(), code
}

// endlessFIFO makes a named pipe that a writer fills with "a" until the reader
// goes away, and returns its path.
func endlessFIFO(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the reader closed its end
			}
		}
	}()
	return path
}

// TestValuesInputsAreBounded: every way of giving values (-f file, -f -, -f URL,
// --set-file) stops at the size limit with an error naming the input, however
// endless the input is (/dev/zero, a named pipe, a stream, a server).
func TestValuesInputsAreBounded(t *testing.T) {
	chartDir := valuesChart(t)
	small := map[string]string{"RUDDER_MAX_VALUES_SIZE": "1Mi"}
	const over = "larger than the limit of 1048576 bytes (set RUDDER_MAX_VALUES_SIZE to raise it)"

	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer zero.Close()

	tests := []struct {
		name  string
		stdin *os.File
		env   map[string]string
		args  []string
		want  string
	}{
		{"-f /dev/zero, default limit", nil, nil, []string{"-f", "/dev/zero"},
			"Error: values file /dev/zero: larger than the limit of 8388608 bytes (set RUDDER_MAX_VALUES_SIZE to raise it)\n"},
		{"--set-file /dev/zero, default limit", nil, nil, []string{"--set-file", "v=/dev/zero"},
			"Error: failed parsing --set-file data: values file /dev/zero: larger than the limit of 8388608 bytes (set RUDDER_MAX_VALUES_SIZE to raise it)\n"},
		{"-f of a named pipe", nil, small, []string{"-f", "FIFO"}, "Error: values file FIFO: " + over + "\n"},
		{"--set-file of a named pipe", nil, small, []string{"--set-file", "v=FIFO"},
			"Error: failed parsing --set-file data: values file FIFO: " + over + "\n"},
		{"-f - from an endless stdin", zero, small, []string{"-f", "-"}, "Error: values file standard input: " + over + "\n"},
		{"-f of an endless download", nil, small, []string{"-f", endless.URL + "/values.yaml"},
			"Error: values file " + endless.URL + "/values.yaml: " + over + "\n"},
		{"--set-file of a regular file one byte too long", nil, map[string]string{"RUDDER_MAX_VALUES_SIZE": "1Ki"},
			[]string{"--set-file", "v=BIG"}, "Error: failed parsing --set-file data: values file BIG: larger than the limit of 1024 bytes (set RUDDER_MAX_VALUES_SIZE to raise it)\n"},
		{"a limit that is not a size", nil, map[string]string{"RUDDER_MAX_VALUES_SIZE": "lots"}, []string{"-f", "/dev/zero"},
			"Error: RUDDER_MAX_VALUES_SIZE: \"lots\" is not a size in bytes (such as 1048576 or 200Mi)\n"},
		{"a limit of zero", nil, map[string]string{"RUDDER_MAX_VALUES_SIZE": "0Mi"}, []string{"-f", "/dev/zero"},
			"Error: RUDDER_MAX_VALUES_SIZE: \"0Mi\" is not a positive size\n"},
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("b"), 1025), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fifo := ""
			args := []string{"template", "x", chartDir}
			for _, a := range tc.args {
				if strings.Contains(a, "FIFO") {
					if fifo == "" {
						fifo = endlessFIFO(t)
					}
					a = strings.ReplaceAll(a, "FIFO", fifo)
				}
				args = append(args, strings.ReplaceAll(a, "BIG", big))
			}
			want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "FIFO", fifo), "BIG", big)
			out, errOut, code := runWithStdin(t, tc.stdin, tc.env, args...)
			if code != 1 || errOut != want || out != "" {
				t.Fatalf("code %d\nstderr %q\nwant   %q\nstdout %q", code, errOut, want, out)
			}
		})
	}
}

// TestValuesInputsWithinTheLimit: an input exactly at the limit is read, and the
// limit can be raised.
func TestValuesInputsWithinTheLimit(t *testing.T) {
	chartDir := valuesChart(t)
	file := filepath.Join(t.TempDir(), "v")
	if err := os.WriteFile(file, bytes.Repeat([]byte("b"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []string{"1Ki", "1024", "2Mi"} {
		out, errOut, code := runWithStdin(t, nil, map[string]string{"RUDDER_MAX_VALUES_SIZE": limit},
			"template", "x", chartDir, "--set-file", "v="+file)
		if code != 0 || !strings.Contains(out, "v: 1024\n") {
			t.Errorf("limit %s: code %d, stdout %q, stderr %q", limit, code, out, errOut)
		}
	}
}
