package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

const statusManifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-settings
data:
  a: "1"
  b: "2"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-extra-long-name
data:
  c: "3"
---
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector:
    app: shop
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: web
          image: nginx
`

// TestStatusShowsLiveObjects runs status against the local control plane:
// the objects of the release as kubectl get prints the server's tables, the
// pods of its Deployment, and the objects in full with -o json.
func TestStatusShowsLiveObjects(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kc, err := kube.New(env.RESTConfig(), kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := kc.Build(ctx, statusManifest, kube.BuildOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Create(ctx, objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	records := storage.New(storage.NewSecrets(env.Clientset().CoreV1(), ns, storage.DriverOptions{}), storage.Options{})
	deployed := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	rel := &release.Release{
		Name: "shop", Namespace: ns, Version: 1, Manifest: statusManifest,
		Info: &release.Info{Status: release.StatusDeployed, LastDeployed: deployed, FirstDeployed: deployed,
			Description: "Install complete", Notes: "  Enjoy.\n"},
	}
	if err := records.Create(ctx, rel, storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		env := map[string]string{"KUBECONFIG": env.Kubeconfig(), "HOME": t.TempDir()}
		code := Run(ctx, append(args, "-n", ns), Streams{Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
		if code != 0 {
			t.Fatalf("rudder %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}

	// The controller starts the pods in a moment.
	var out string
	for {
		out = run("status", "shop")
		if strings.Count(out, "shop-") >= 4 || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// AGE depends on the clock, and its width moves the spaces before it; the
	// rest is fixed.
	age := regexp.MustCompile(`(?m)(\S) +\d+(s|m\d*s?)$`)
	got := age.ReplaceAllString(out, "$1 AGE")
	podName := regexp.MustCompile(`shop-[a-z0-9]+-[a-z0-9]{5}`)
	got = podName.ReplaceAllString(got, "shop-POD")
	podHeader := regexp.MustCompile(`(?m)^NAME +READY   STATUS`)
	got = podHeader.ReplaceAllString(got, "NAME       READY   STATUS")
	clusterIP := regexp.MustCompile(`10\.\d+\.\d+\.\d+ +`)
	got = clusterIP.ReplaceAllString(got, "10.x.x.x   ")
	ipHeader := regexp.MustCompile(`CLUSTER-IP +EXTERNAL-IP`)
	got = ipHeader.ReplaceAllString(got, "CLUSTER-IP   EXTERNAL-IP")
	want := `NAME: shop
LAST DEPLOYED: Mon May  4 03:02:01 2026
NAMESPACE: ` + ns + `
STATUS: deployed
REVISION: 1
DESCRIPTION: Install complete
RESOURCES:
==> v1/ConfigMap
NAME            DATA   AGE
shop-settings   2 AGE
shop-extra-long-name   1 AGE

==> v1/Deployment
NAME   READY   UP-TO-DATE   AVAILABLE   AGE
shop   2/2     2            2 AGE

==> v1/Pod(related)
NAME       READY   STATUS    RESTARTS   AGE
shop-POD   1/1     Running   0 AGE
shop-POD   1/1     Running   0 AGE

==> v1/Service
NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
shop   ClusterIP   10.x.x.x   <none>        80/TCP AGE


TEST SUITE: None
NOTES:
Enjoy.
`
	// Deployments take a moment to count their ready pods; accept any count.
	ready := regexp.MustCompile(`(?m)^shop   \d/2     \d            \d AGE$`)
	got = ready.ReplaceAllString(got, "shop   2/2     2            2 AGE")
	podRow := regexp.MustCompile(`(?m)^shop-POD   [01]/1     \w+ +0 AGE$`)
	got = podRow.ReplaceAllString(got, "shop-POD   1/1     Running   0 AGE")
	if got != want {
		t.Errorf("status:\n%s\nwant (ages, pod names and IPs masked):\n%s", out, want)
	}

	// JSON: the whole objects, the pods in a PodList.
	var rec struct {
		Info struct {
			Resources map[string][]map[string]any `json:"resources"`
		} `json:"info"`
		Chart any `json:"chart"`
	}
	if err := json.Unmarshal([]byte(run("status", "shop", "-o", "json")), &rec); err != nil {
		t.Fatal(err)
	}
	res := rec.Info.Resources
	if len(res["v1/ConfigMap"]) != 2 || len(res["v1/Service"]) != 1 || len(res["v1/Deployment"]) != 1 {
		t.Errorf("resources: %v", keysAndCounts(res))
	}
	if pods := res[kube.RelatedPodsKey]; len(pods) != 1 || pods[0]["kind"] != "PodList" {
		t.Errorf("related pods: %v", keysAndCounts(res))
	} else if items, _ := pods[0]["items"].([]any); len(items) != 2 {
		t.Errorf("related pods: %d items, want 2", len(items))
	}
	if d := res["v1/Deployment"]; len(d) == 1 && d[0]["spec"] == nil {
		t.Errorf("deployment without its spec: %v", d[0])
	}
}

func keysAndCounts(m map[string][]map[string]any) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}
