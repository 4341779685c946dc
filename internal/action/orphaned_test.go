package action_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
	"github.com/rudderpm/rudder/internal/warn"
)

// An APIService whose backend is down (a stopped metrics-server) leaves
// discovery incomplete. As with Helm, install and upgrade warn and go on with
// the groups that answered. Not parallel: while it runs, discovery fails for
// every client of the cluster.
func TestOrphanedAPIServiceWarns(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	group := ns + ".orphaned.example.com"
	env.OrphanedAPIService(t, group, ns)
	kc, err := kube.New(env.RESTConfig(), kube.Options{})
	if err != nil {
		t.Fatal(err)
	}

	store := storage.New(storage.NewSecrets(env.Clientset().CoreV1(), ns, storage.DriverOptions{}), storage.Options{})
	c := &action.Cluster{Server: kc, Objects: kc, Waits: kc, Logs: kc, Releases: store}
	var mu sync.Mutex
	var got []string
	render := action.RenderOptions{Warnings: func(w warn.Warning) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, w.String())
	}}
	ch := testChart(t, "1.0.0", map[string]string{"templates/cm.yaml": configMap("orphaned")})
	check := func(op string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s with an orphaned APIService: %v", op, err)
		}
		mu.Lock()
		defer mu.Unlock()
		all := strings.Join(got, "\n")
		if !strings.Contains(all, "the kubernetes server has an orphaned API service error=") || !strings.Contains(all, group+"/v1") ||
			!strings.Contains(all, "to fix this, kubectl delete apiservice <service-name>") {
			t.Errorf("%s warnings = %q, want Helm's two about the orphaned API service, naming %s/v1", op, got, group)
		}
		got = nil
	}
	_, err = (&action.Install{Cluster: c, InstallOptions: action.InstallOptions{ReleaseName: "orphaned", Namespace: ns, Render: render}}).Run(ctx, ch, nil)
	check("install", err)
	_, err = (&action.Upgrade{Cluster: c, UpgradeOptions: action.UpgradeOptions{Render: render}}).Run(ctx, "orphaned", ch, map[string]any{"value": "2"})
	check("upgrade", err)
	cm, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "orphaned", metav1.GetOptions{})
	if err != nil || cm.Data["value"] != "2" {
		t.Errorf("ConfigMap orphaned after the upgrade: %v, %v; want value 2", cm.Data, err)
	}
}
