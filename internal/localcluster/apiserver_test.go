package localcluster

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The API server stops and comes back on the same address with the same data,
// while the rest of the cluster keeps running; the components that watch it
// are started anew once it is back, and work at once. The state file follows
// them.
func TestStopStartAPIServer(t *testing.T) {
	bins := binaries(t)
	dir := filepath.Join(t.TempDir(), "c3")
	t.Cleanup(func() { _ = Down(context.Background(), dir, DownOptions{}) })
	c := up(t, Options{Dir: dir, Binaries: bins})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := c.clientset()
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "survivor"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	old, _ := c.apiserver()
	etcd := c.st.Processes[0]
	watchers := map[string]int{}
	for _, p := range c.st.Processes {
		if slices.Contains(apiserverWatchers, p.Name) {
			watchers[p.Name] = p.PID
		}
	}
	if len(watchers) != len(apiserverWatchers) {
		t.Fatalf("processes %v, want all of %v among them", watchers, apiserverWatchers)
	}

	if err := c.StopAPIServer(ctx); err != nil {
		t.Fatalf("StopAPIServer: %v", err)
	}
	if alive(old.PID) {
		t.Fatalf("kube-apiserver (pid %d) still runs after StopAPIServer", old.PID)
	}
	if !alive(etcd.PID) {
		t.Fatalf("StopAPIServer stopped etcd too")
	}
	if err := c.Check(ctx); err == nil {
		t.Fatalf("Check passes with the API server stopped")
	}
	if err := c.StopAPIServer(ctx); err != nil {
		t.Errorf("StopAPIServer again: %v", err)
	}

	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatalf("StartAPIServer: %v", err)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatalf("Check after StartAPIServer: %v", err)
	}
	got, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "survivor", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("ConfigMap after the restart: %v, %v; want it kept", got, err)
	}
	for _, p := range c.st.Processes {
		if was, ok := watchers[p.Name]; ok && (p.PID == was || !alive(p.PID)) {
			t.Errorf("%s: pid %d (alive %t) after StartAPIServer, was %d; want a new process", p.Name, p.PID, alive(p.PID), was)
		}
	}
	// A Job needs the controller-manager, the scheduler and kwok: it completes.
	began := time.Now()
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "after"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "main", Image: "busybox"}},
		}}},
	}
	if _, err := cs.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.waitFor(ctx, "Job/default/after to complete", func(ctx context.Context) (bool, error) {
		j, err := cs.BatchV1().Jobs("default").Get(ctx, "after", metav1.GetOptions{})
		return err == nil && j.Status.CompletionTime != nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("a Job completed %s after the API server was back", time.Since(began).Round(10*time.Millisecond))
	// Another process sees the new API server in the state file, and Down stops it.
	opened, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := opened.Check(ctx); err != nil {
		t.Fatalf("Check of the reopened cluster: %v", err)
	}
	now, _ := c.apiserver()
	if err := Down(ctx, dir, DownOptions{}); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if alive(now.PID) {
		t.Errorf("restarted kube-apiserver (pid %d) still runs after Down", now.PID)
	}
}
