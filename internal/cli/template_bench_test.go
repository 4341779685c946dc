package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTemplateCommand runs whole `rudder template` command lines in process,
// the work bench/template.sh times as processes less the start-up: kube-prometheus-stack
// (fetched by bench/kps.sh) and the five largest renders of the conformance corpus,
// each with its case's arguments, its output checked against the case's expected.out.
// For profiles of the render:
//
//	go test -run '^$' -bench TemplateCommand -cpuprofile cpu.out ./internal/cli
func BenchmarkTemplateCommand(b *testing.B) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("kube-prometheus-stack", func(b *testing.B) {
		dir := filepath.Join(root, "bench", ".cache", "kube-prometheus-stack")
		if _, err := os.Stat(dir); err != nil {
			b.Skip("kube-prometheus-stack not fetched: run bench/kps.sh")
		}
		benchmarkCommand(b, dir, []string{"template", "kps", ".", "-n", "monitoring"}, "")
	})
	corpus := os.Getenv("RUDDER_CONFORMANCE")
	if corpus == "" {
		corpus = "/work/shared/conformance"
	}
	for _, name := range []string{"argo-rollouts-default", "argo-workflows-minimal-crds", "keda-default-with-crds", "traefik-include-crds", "tempo-distributed-include-crds"} {
		b.Run(name, func(b *testing.B) {
			dir := filepath.Join(corpus, "cases", name)
			raw, err := os.ReadFile(filepath.Join(dir, "args"))
			if err != nil {
				b.Skipf("conformance corpus not found (%v); set RUDDER_CONFORMANCE", err)
			}
			benchmarkCommand(b, dir, shellWords(b, string(raw)), filepath.Join(dir, "expected.out"))
		})
	}
}

// benchmarkCommand runs args in dir b.N times with an empty Helm environment; the
// output must equal the file expected, when named.
func benchmarkCommand(b *testing.B, dir string, args []string, expected string) {
	b.Chdir(dir)
	home := b.TempDir()
	env := map[string]string{
		"HOME":            home,
		"HELM_CACHE_HOME": filepath.Join(home, "cache"), "HELM_CONFIG_HOME": filepath.Join(home, "config"),
		"HELM_DATA_HOME": filepath.Join(home, "data"), "KUBECONFIG": filepath.Join(home, "kubeconfig"),
	}
	var out, errOut bytes.Buffer
	s := Streams{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }}
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		out.Reset()
		errOut.Reset()
		if code := Run(context.Background(), args, s); code != 0 {
			b.Fatalf("rudder %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
	}
	// The whole process's CPU time, background parsing and the collector included,
	// which wall time on a loaded machine does not tell.
	b.ReportMetric(float64(processCPU(b)-start)/1e6/float64(b.N), "cpu-ms/op")
	if expected == "" {
		return
	}
	want, err := os.ReadFile(expected)
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		b.Fatalf("rudder %s: output differs from %s", strings.Join(args, " "), expected)
	}
}

// processCPU is the user and system time the process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
