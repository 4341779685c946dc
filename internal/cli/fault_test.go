package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

// faultChart has enough in it (hooks that take a moment, thirty objects) for a kill
// to land in every phase of an operation: before the record, during pre hooks,
// while objects are applied, during post hooks, before the final record.
const faultChart = `-- Chart.yaml --
apiVersion: v2
name: fault
version: 1.0.0
-- values.yaml --
v: 1
-- templates/cms.yaml --
{{- range $i := until 30 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  v: {{ $.Values.v | quote }}
{{- end }}
-- templates/hooks.yaml --
{{- range $event := list "pre-install" "post-install" "pre-upgrade" "post-upgrade" "pre-rollback" "post-rollback" }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $event }}
  annotations:
    helm.sh/hook: {{ $event }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  template:
    metadata:
      annotations:
        rudder.test/run-duration: "400ms"
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
{{- end }}
`

// TestKillAnywhereLeavesNoStuckRelease kills install, upgrade and rollback with
// SIGKILL at many points of their run, then checks that the next operation on the
// release succeeds without any manual repair and leaves a consistent history.
func TestKillAnywhereLeavesNoStuckRelease(t *testing.T) {
	killAnywhere(t, faultChart, 10)
}

// bigChart makes a release record of about 5 MiB, which storage chunks over
// several Secrets: kills land between the writes of its chunks and its head.
const bigChart = `-- Chart.yaml --
apiVersion: v2
name: big
version: 1.0.0
-- values.yaml --
v: 1
-- templates/cms.yaml --
{{- range $i := until 8 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  v: {{ $.Values.v | quote }}
  {{- range $j := until 10000 }}
  line-{{ $j }}: {{ printf "%d-%d" $i $j | sha256sum }}
  {{- end }}
{{- end }}
`

// TestKillChunkedRelease is TestKillAnywhereLeavesNoStuckRelease for a release
// whose record is chunked.
// It takes minutes: -short skips it.
func TestKillChunkedRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes of 5 MiB installs")
	}
	// Two kill points per operation in the suite (at the start and halfway);
	// RUDDER_FULL_FAULTS=1 tries four each, as the README says.
	points := 2
	if os.Getenv("RUDDER_FULL_FAULTS") != "" {
		points = 4
	}
	killAnywhere(t, bigChart, points)
}

// killAnywhere kills install, upgrade and rollback of chart (a txtar text) at
// points moments spread over their run, and checks that the next operation
// recovers each time.
func killAnywhere(t *testing.T, chart string, points int) {
	env := testenv.Start(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTxtarFiles(t, filepath.Join(dir, "fault"), chart)
	chartDir := filepath.Join(dir, "fault")

	var tried, unrecoverable atomic.Int64
	ops := []struct {
		name    string
		prepare [][]string // commands run before the one that is killed
		op      []string   // the command killed
		recover []string   // the next operation, which must succeed
	}{
		{"install", nil, []string{"install", "r", chartDir}, []string{"upgrade", "--install", "r", chartDir, "--set", "v=9"}},
		{"upgrade", [][]string{{"install", "r", chartDir}}, []string{"upgrade", "r", chartDir, "--set", "v=2"}, []string{"upgrade", "r", chartDir, "--set", "v=9"}},
		{"rollback", [][]string{{"install", "r", chartDir}, {"upgrade", "r", chartDir, "--set", "v=2"}}, []string{"rollback", "r", "1"}, []string{"rollback", "r", "1"}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			// How long the operation takes uninterrupted sets where the kills land.
			ns := env.Namespace(t)
			run := func(ctx context.Context, args ...string) *exec.Cmd {
				c := exec.CommandContext(ctx, self, args...)
				c.Env = append(os.Environ(), selfCLIEnv+"=1", "KUBECONFIG="+env.Kubeconfig(), "HELM_NAMESPACE="+ns, "HOME="+dir)
				return c
			}
			mustRun := func(args ...string) {
				t.Helper()
				if out, err := run(t.Context(), args...).CombinedOutput(); err != nil {
					t.Fatalf("rudder %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			reset := func() {
				_ = run(t.Context(), "uninstall", "r", "--ignore-not-found", "--no-hooks").Run()
				for _, p := range op.prepare {
					mustRun(append(p, "--no-hooks")...)
				}
			}
			reset()
			start := time.Now()
			mustRun(op.op...)
			full := time.Since(start)
			t.Logf("%s takes %v uninterrupted", op.name, full.Round(time.Millisecond))

			for k := range points {
				reset()
				delay := full * time.Duration(k) / time.Duration(points)
				cmd := run(t.Context(), op.op...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(delay)
				_ = cmd.Process.Signal(syscall.SIGKILL)
				_ = cmd.Wait()
				tried.Add(1)

				rec, err := run(t.Context(), op.recover...).CombinedOutput()
				problem := ""
				if err != nil {
					problem = fmt.Sprintf("recovery %q failed: %v\n%s", strings.Join(op.recover, " "), err, rec)
				} else {
					problem = checkHistory(t, env.Clientset(), ns, "r")
				}
				if problem != "" {
					unrecoverable.Add(1)
					t.Errorf("killed %s after %v: %s", op.name, delay.Round(time.Millisecond), problem)
				}
			}
		})
	}
	t.Cleanup(func() {
		t.Logf("kill points tried: %d; releases left unrecoverable: %d", tried.Load(), unrecoverable.Load())
	})
}

// checkHistory verifies that a release's history is consistent after recovery: its
// last revision is deployed, no other is, none is pending, and its lock is free.
func checkHistory(t *testing.T, cs kubernetes.Interface, ns, name string) string {
	ctx := t.Context()
	store := storage.New(storage.NewSecrets(cs.CoreV1(), ns, storage.DriverOptions{}), storage.Options{})
	h, err := store.History(ctx, name)
	if err != nil {
		return err.Error()
	}
	deployed := 0
	var summary []string
	for i, r := range h {
		summary = append(summary, fmt.Sprintf("%d:%s", r.Version, r.Info.Status))
		if r.Info.Status.IsPending() {
			return fmt.Sprintf("revision %d still pending: %v", r.Version, summary)
		}
		if r.Info.Status == release.StatusDeployed {
			deployed++
			if i != len(h)-1 {
				return fmt.Sprintf("revision %d deployed but not the last: %v", r.Version, summary)
			}
		}
	}
	if deployed != 1 {
		return fmt.Sprintf("%d deployed revisions: %v", deployed, summary)
	}
	_, err = cs.CoordinationV1().Leases(ns).Get(ctx, storage.LeaseName(name), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return fmt.Sprintf("lock still there after recovery (err %v)", err)
	}
	return ""
}

// writeTxtarFiles writes the "-- name --" sections of archive under dir.
func writeTxtarFiles(t *testing.T, dir, archive string) {
	t.Helper()
	parts := strings.Split(archive, "-- ")
	for _, p := range parts[1:] {
		name, body, ok := strings.Cut(p, " --\n")
		if !ok {
			t.Fatalf("bad archive section %q", p)
		}
		file := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
