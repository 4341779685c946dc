package action_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/storage"
)

// chartFiles loads a chart from files, Chart.yaml included.
func chartFiles(t *testing.T, files map[string]string) *chart.Chart {
	t.Helper()
	var fs []*chart.File
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		fs = append(fs, &chart.File{Name: name, Data: []byte(files[name])})
	}
	ch, err := chart.LoadFiles(fs)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// slowDeployment is a Deployment whose pod becomes ready after delay.
func slowDeployment(name, delay string, annotations ...string) string {
	s := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n"
	if len(annotations) > 0 {
		s += "  annotations:\n"
		for i := 0; i+1 < len(annotations); i += 2 {
			s += "    " + annotations[i] + ": '" + annotations[i+1] + "'\n"
		}
	}
	return s + `spec:
  replicas: 1
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
      annotations:
        rudder.test/start-delay: ` + delay + `
    spec:
      containers:
      - name: c
        image: nginx
`
}

// annotatedConfigMap is a ConfigMap with annotations (values quoted as given).
func annotatedConfigMap(name string, annotations ...string) string {
	s := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
	if len(annotations) > 0 {
		s += "  annotations:\n"
		for i := 0; i+1 < len(annotations); i += 2 {
			s += "    " + annotations[i] + ": '" + annotations[i+1] + "'\n"
		}
	}
	return s + "data:\n  k: v\n"
}

// orderedChart has two subcharts (api waits for db) and the parent's own
// objects waiting for api; api orders its own objects in two groups.
func orderedChart(t *testing.T) *chart.Chart {
	return chartFiles(t, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
annotations:
  helm.sh/depends-on/subcharts: '["api"]'
dependencies:
- name: db
  version: 1.0.0
- name: api
  version: 1.0.0
  depends-on: [db]
`,
		"templates/top.yaml":            annotatedConfigMap("top"),
		"charts/db/Chart.yaml":          "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"charts/db/templates/db.yaml":   slowDeployment("db", "3s") + "---\n" + annotatedConfigMap("db-config"),
		"charts/api/Chart.yaml":         "apiVersion: v2\nname: api\nversion: 1.0.0\n",
		"charts/api/templates/cfg.yaml": annotatedConfigMap("api-config", manifest.ResourceGroupAnnotation, "config"),
		"charts/api/templates/api.yaml": slowDeployment("api", "3s", manifest.ResourceGroupAnnotation, "serve", manifest.DependsOnGroupsAnnotation, `["config"]`),
	})
}

func ordered(o *action.InstallOptions) { o.Wait, o.Timeout = action.WaitOrdered, time.Minute }

func (f *fixture) created(kind, name string) time.Time {
	f.t.Helper()
	var m metav1.Object
	var err error
	switch kind {
	case "ConfigMap":
		m, err = f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	case "Deployment":
		m, err = f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	case "Job":
		m, err = f.cs.BatchV1().Jobs(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		f.t.Fatalf("%s/%s: %v", kind, name, err)
	}
	return m.GetCreationTimestamp().Time
}

func TestOrderedInstallUpgradeUninstall(t *testing.T) {
	f := newFixture(t)
	ch := orderedChart(t)
	rel := f.ok(f.install("ordered", ch, nil, ordered))

	// Batches: [db, db-config], [api-config], [api], [top]; each waits for the
	// one before, and the Deployments take 3s to become ready.
	db, dbConfig := f.created("Deployment", "db"), f.created("ConfigMap", "db-config")
	apiConfig, api, top := f.created("ConfigMap", "api-config"), f.created("Deployment", "api"), f.created("ConfigMap", "top")
	if d := dbConfig.Sub(db); d.Abs() > time.Second {
		t.Errorf("db and db-config, one batch, created %v apart", d)
	}
	// Creation times are in whole seconds: a 3s readiness shows as at least 2s.
	if d := apiConfig.Sub(db); d < 2*time.Second {
		t.Errorf("api-config created %v after db: api did not wait for db to be ready", d)
	}
	if api.Before(apiConfig) {
		t.Errorf("api created before api-config")
	}
	if d := top.Sub(api); d < 2*time.Second {
		t.Errorf("top created %v after api: the chart's own objects did not wait for api", d)
	}
	// The annotation the API server refuses is kept in the record, not sent.
	if !strings.Contains(rel.Manifest, manifest.DependsOnGroupsAnnotation) {
		t.Error("stored manifest lost helm.sh/depends-on/resource-groups")
	}
	live, err := f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := live.Annotations[manifest.DependsOnGroupsAnnotation]; ok || live.Annotations[manifest.ResourceGroupAnnotation] != "serve" {
		t.Errorf("live annotations %v", live.Annotations)
	}

	// An ordered upgrade applies and waits again, and removes what is gone.
	ch2 := orderedChart(t)
	ch2.Templates = slices.DeleteFunc(ch2.Templates, func(f *chart.File) bool { return f.Name == "templates/top.yaml" })
	f.ok(f.upgrade("ordered", ch2, nil, func(o *action.UpgradeOptions) { o.Wait, o.Timeout = action.WaitOrdered, time.Minute }))
	if _, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, "top", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("top after an upgrade without it: %v", err)
	}
	f.ok(f.upgrade("ordered", ch, nil, func(o *action.UpgradeOptions) { o.Wait, o.Timeout = action.WaitOrdered, time.Minute }))

	// Rollback to revision 2 (without top), ordered.
	rb := &action.Rollback{Cluster: f.c, RollbackOptions: action.RollbackOptions{Version: 2}}
	rb.Wait, rb.Timeout = action.WaitOrdered, time.Minute
	f.ok(rb.Run(f.ctx, "ordered"))
	if _, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, "top", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("top after a rollback to a revision without it: %v", err)
	}
	f.ok(f.upgrade("ordered", ch, nil, func(o *action.UpgradeOptions) { o.Wait, o.Timeout = action.WaitOrdered, time.Minute }))

	// Uninstall deletes in reverse: top, then api's groups, then db.
	w, err := f.cs.CoreV1().ConfigMaps(f.ns).Watch(f.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	f.uninstall("ordered", action.UninstallOptions{Wait: action.WaitOrdered, Timeout: time.Minute})
	var deleted []string
	for len(deleted) < 3 {
		select {
		case ev := <-w.ResultChan():
			if cm, ok := ev.Object.(*corev1.ConfigMap); ok && ev.Type == watch.Deleted && cm.Name != "kube-root-ca.crt" {
				deleted = append(deleted, cm.Name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("deleted ConfigMaps seen: %v", deleted)
		}
	}
	if want := []string{"top", "api-config", "db-config"}; !slices.Equal(deleted, want) {
		t.Errorf("deleted in order %v, want %v", deleted, want)
	}
}

func TestOrderedRefusesCycleBeforeApplying(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/a.yaml": annotatedConfigMap("a", manifest.ResourceGroupAnnotation, "a", manifest.DependsOnGroupsAnnotation, `["b"]`) + "---\n" +
			annotatedConfigMap("b", manifest.ResourceGroupAnnotation, "b", manifest.DependsOnGroupsAnnotation, `["a"]`),
	})
	_, err := f.install("cycle", ch, nil, ordered)
	if !errors.Is(err, manifest.ErrSequence) || !strings.Contains(err.Error(), "ConfigMap/a in app/templates/a.yaml") {
		t.Fatalf("install of a cycle: %v", err)
	}
	if _, err := f.c.Releases.Last(f.ctx, "cycle"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Errorf("a release was recorded: %v", err)
	}
	cms, err := f.cs.CoreV1().ConfigMaps(f.ns).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if cm.Name == "a" || cm.Name == "b" {
			t.Errorf("ConfigMap %s was applied", cm.Name)
		}
	}
}

// readinessJob is a Job that runs for 3s and fails when fail is "true", judged
// by readiness expressions; kstatus alone counts it ready once started.
func readinessJob(name, fail string) string {
	return `apiVersion: batch/v1
kind: Job
metadata:
  name: ` + name + `
  annotations:
    helm.sh/resource-group: migrate
    helm.sh/readiness-success: '["{.succeeded} >= 1"]'
    helm.sh/readiness-failure: '["{.failed} >= 1"]'
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        rudder.test/run-duration: 3s
        rudder.test/fail: "` + fail + `"
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox
`
}

func TestOrderedReadinessExpressionGates(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/job.yaml": readinessJob("migrate", "false"),
		"templates/cm.yaml":  annotatedConfigMap("after", manifest.ResourceGroupAnnotation, "app", manifest.DependsOnGroupsAnnotation, `["migrate"]`),
	})
	f.ok(f.install("gate", ch, nil, ordered))
	job, err := f.cs.BatchV1().Jobs(f.ns).Get(f.ctx, "migrate", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.CompletionTime == nil || f.created("ConfigMap", "after").Before(job.Status.CompletionTime.Time) {
		t.Errorf("ConfigMap created %v, before the Job completed (%v)", f.created("ConfigMap", "after"), job.Status.CompletionTime)
	}
}

func TestOrderedFailedBatchStopsAndRollsBack(t *testing.T) {
	f := newFixture(t)
	failing := func(job, cm string) *chart.Chart {
		return testChart(t, "1.0.0", map[string]string{
			"templates/job.yaml": readinessJob(job, "true"),
			"templates/cm.yaml":  annotatedConfigMap(cm, manifest.ResourceGroupAnnotation, "app", manifest.DependsOnGroupsAnnotation, `["migrate"]`),
		})
	}
	ch := failing("migrate", "after")
	_, err := f.install("stops", ch, nil, ordered)
	if err == nil || !strings.Contains(err.Error(), "batch 1 of 2") || !strings.Contains(err.Error(), "readiness-failure holds") {
		t.Fatalf("install with a failing Job: %v", err)
	}
	if _, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, "after", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the next batch was applied: %v", err)
	}
	if got := f.statuses("stops"); !slices.Equal(got, []string{"1:failed"}) {
		t.Errorf("history %v", got)
	}

	_, err = f.install("undone", failing("migrate2", "after2"), nil, ordered, func(o *action.InstallOptions) { o.RollbackOnFailure = true })
	if err == nil || !strings.Contains(err.Error(), "has been uninstalled due to rollback-on-failure") {
		t.Fatalf("install --rollback-on-failure: %v", err)
	}
	if _, err := f.c.Releases.Last(f.ctx, "undone"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Errorf("release left after rollback-on-failure: %v", err)
	}
}

func TestOrderedUpgradeFailureRollsBack(t *testing.T) {
	f := newFixture(t)
	good := testChart(t, "1.0.0", map[string]string{
		"templates/cm.yaml": annotatedConfigMap("kept", manifest.ResourceGroupAnnotation, "app"),
	})
	f.ok(f.install("up", good, nil, ordered))
	bad := testChart(t, "2.0.0", map[string]string{
		"templates/job.yaml": readinessJob("migrate", "true"),
		"templates/cm.yaml":  annotatedConfigMap("kept", manifest.ResourceGroupAnnotation, "app", manifest.DependsOnGroupsAnnotation, `["migrate"]`),
		"templates/new.yaml": annotatedConfigMap("new", manifest.ResourceGroupAnnotation, "app"),
	})
	_, err := f.upgrade("up", bad, nil, func(o *action.UpgradeOptions) {
		o.Wait, o.Timeout, o.RollbackOnFailure = action.WaitOrdered, time.Minute, true
	})
	if err == nil || !strings.Contains(err.Error(), "has been rolled back due to rollback-on-failure") || !strings.Contains(err.Error(), "readiness-failure holds") {
		t.Fatalf("upgrade with a failing first batch: %v", err)
	}
	// The batch after the failed one was never applied, and the rollback
	// removed the failed Job.
	if _, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, "new", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap new: %v", err)
	}
	if _, err := f.cs.BatchV1().Jobs(f.ns).Get(f.ctx, "migrate", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Job migrate after the rollback: %v", err)
	}
	if got := f.statuses("up"); !slices.Equal(got, []string{"1:superseded", "2:failed", "3:deployed"}) {
		t.Errorf("history %v", got)
	}
}
