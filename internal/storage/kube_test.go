package storage

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"maps"
	"slices"
	"testing"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

func TestSecretsContract(t *testing.T) {
	testDriverContract(t, kubeFactory(func(env *testenv.Env, ns string, opts DriverOptions) Driver {
		return NewSecrets(env.Clientset().CoreV1(), ns, opts)
	}))
}

func TestConfigMapsContract(t *testing.T) {
	testDriverContract(t, kubeFactory(func(env *testenv.Env, ns string, opts DriverOptions) Driver {
		return NewConfigMaps(env.Clientset().CoreV1(), ns, opts)
	}))
}

// kubeFactory makes drivers in two fresh namespaces of the test cluster. The
// driver for all namespaces sees other tests' records too; the contract
// tests only look at the releases they made.
func kubeFactory(newDriver func(env *testenv.Env, ns string, opts DriverOptions) Driver) driverFactory {
	return func(t *testing.T, clock *fakeClock) drivers {
		env := testenv.Start(t)
		ns1, ns2 := env.Namespace(t), env.Namespace(t)
		opts := DriverOptions{Now: clock.Now}
		return drivers{
			ns1: ns1, ns2: ns2,
			d1: newDriver(env, ns1, opts), d2: newDriver(env, ns2, opts),
			all:        newDriver(env, "", opts),
			clock:      clock,
			kubernetes: true,
		}
	}
}

// loadHelmFixtures creates the records Helm wrote (testdata/helm) in ns.
func loadHelmFixtures(t *testing.T, env *testenv.Env, driver, ns string) {
	t.Helper()
	ctx := t.Context()
	core := env.Clientset().CoreV1()
	for _, f := range helmFixtures {
		r := readHelmRecord(t, driver, f)
		var err error
		switch {
		case r.secret != nil:
			s := r.secret.DeepCopy()
			s.ObjectMeta = metav1.ObjectMeta{Name: s.Name, Labels: s.Labels}
			_, err = core.Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
		default:
			cm := r.cm.DeepCopy()
			cm.ObjectMeta = metav1.ObjectMeta{Name: cm.Name, Labels: cm.Labels}
			_, err = core.ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatalf("%s: %v", r.path, err)
		}
	}
}

// TestHelmRecordsInCluster reads and extends, through the API server, the
// release history that Helm wrote.
func TestHelmRecordsInCluster(t *testing.T) {
	env := testenv.Start(t)
	for _, driver := range []string{"secret", "configmap"} {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			ns := env.Namespace(t)
			loadHelmFixtures(t, env, driver, ns)
			d, err := Open(driver, Config{Namespace: ns, Core: env.Clientset().CoreV1()})
			if err != nil {
				t.Fatal(err)
			}
			s := New(d, Options{})

			h, err := s.History(ctx, "keel")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(versions(h), []int{1, 2, 3}) {
				t.Fatalf("history %v, want [1 2 3]", versions(h))
			}
			for i, f := range helmFixtures[:3] {
				checkFixtureRelease(t, driver, f, h[i])
			}
			last, err := s.Last(ctx, "keel")
			if err != nil || last.Version != 3 || last.Info.Status != release.StatusUninstalled {
				t.Errorf("last: %v %v", last, err)
			}
			_, err = s.Deployed(ctx, "keel")
			wantErr(t, err, ErrNoDeployedReleases)
			gold, err := s.ListReleases(ctx, ListOptions{Selector: labels.SelectorFromSet(labels.Set{"tier": "gold"})})
			if err != nil || !slices.Equal(versions(gold), []int{1, 3}) {
				t.Errorf("tier=gold: %v %v, want revisions [1 3]", versions(gold), err)
			}
			un, err := s.ListUninstalled(ctx)
			if err != nil || len(un) != 1 || un[0].Name != "keel" {
				t.Errorf("uninstalled: %v %v", un, err)
			}
			broken, err := s.Get(ctx, "keel-broken", 1)
			if err != nil {
				t.Fatal(err)
			}
			checkFixtureRelease(t, driver, helmFixtures[3], broken)

			// Reinstall over the uninstalled history, as helm install --replace
			// would, keeping 3 revisions: revision 1 goes.
			next := newRelease("keel", 4, release.StatusDeployed)
			next.Namespace, next.Labels = ns, map[string]string{"team": "storage"}
			if err := s.Create(ctx, next, CreateOptions{MaxHistory: 3}); err != nil {
				t.Fatal(err)
			}
			last.SetStatus(release.StatusSuperseded, "Superseded by Rudder")
			if err := s.Update(ctx, last); err != nil {
				t.Fatal(err)
			}
			h, err = s.History(ctx, "keel")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(versions(h), []int{2, 3, 4}) {
				t.Errorf("history after pruning %v, want [2 3 4]", versions(h))
			}
			if h[1].Info.Status != release.StatusSuperseded || !maps.Equal(h[1].Labels, helmFixtures[2].labels) {
				t.Errorf("updated Helm record: %s, labels %v", h[1].Info.Status, h[1].Labels)
			}
			if dep, err := s.Deployed(ctx, "keel"); err != nil || dep.Version != 4 {
				t.Errorf("deployed after reinstall: %v %v", dep, err)
			}
		})
	}
}

// TestUnreadableRecords: a record that cannot be decoded is reported and
// skipped by listings, as Helm skips it, and left alone by Delete.
func TestUnreadableRecords(t *testing.T) {
	env := testenv.Start(t)
	ctx := t.Context()
	ns := env.Namespace(t)
	core := env.Clientset().CoreV1()
	junk := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: Key("junk", 1), Labels: map[string]string{
			"name": "junk", "owner": "helm", "status": "deployed", "version": "1"}},
		Type: SecretType,
		Data: map[string][]byte{"release": []byte("not base64!")},
	}
	if _, err := core.Secrets(ns).Create(ctx, junk, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var reported []string
	d := NewSecrets(core, ns, DriverOptions{})
	s := New(d, Options{OnUnreadable: func(e *RecordError) { reported = append(reported, e.Object) }})
	mustCreate(t, d, inNamespace(newRelease("good", 1, release.StatusDeployed), ns))

	all, err := s.ListDeployed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Name != "good" {
		t.Errorf("listed %v, want only good", all)
	}
	want := "Secret/" + ns + "/" + Key("junk", 1)
	if !slices.Equal(reported, []string{want}) {
		t.Errorf("reported %v, want [%s]", reported, want)
	}
	if _, err := s.History(ctx, "junk"); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("history of an unreadable release: %v, want not found", err)
	}
	_, err = s.Get(ctx, "junk", 1)
	var re *RecordError
	if !errors.As(err, &re) || re.Object != want {
		t.Errorf("get: %v, want a RecordError for %s", err, want)
	}
	if _, err := s.Delete(ctx, "junk", 1); err == nil {
		t.Error("deleted a record it could not read")
	}
	if _, err := core.Secrets(ns).Get(ctx, Key("junk", 1), metav1.GetOptions{}); err != nil {
		t.Errorf("unreadable record gone: %v", err)
	}
	// The driver itself says what it skipped.
	_, err = d.List(ctx, nil)
	var ue *UnreadableError
	if !errors.As(err, &ue) || len(ue.Records) != 1 {
		t.Errorf("driver list: %v, want an UnreadableError", err)
	}
}

// TestChunkBoundary: a record that fits in one object is written as Helm
// writes it; one byte-for-byte past the limit is chunked.
func TestChunkBoundary(t *testing.T) {
	env := testenv.Start(t)
	noise := make([]byte, 900<<10) // incompressible: base64 makes it 1.2 MiB
	rand.Read(noise)
	for kind, d := range kubeDrivers(env, env.Namespace(t)) {
		rel := inNamespace(newRelease("edge", 1, release.StatusDeployed), d.namespace)
		rel.Manifest = base64.StdEncoding.EncodeToString(noise)
		mustCreate(t, d, rel)
		head, err := d.api.get(t.Context(), d.namespace, Key("edge", 1))
		if err != nil {
			t.Fatal(err)
		}
		if !isChunked(head) {
			t.Errorf("%s: a record over %d bytes is not chunked", kind, MaxRecordSize)
		}
		got, err := d.Get(t.Context(), "edge", 1)
		if err != nil {
			t.Fatal(err)
		}
		sameRelease(t, got, rel)
		// Just under the limit: one object, Helm's record.
		rel = inNamespace(newRelease("edge", 2, release.StatusDeployed), d.namespace)
		rel.Manifest = base64.StdEncoding.EncodeToString(noise[:700<<10])
		mustCreate(t, d, rel)
		head, err = d.api.get(t.Context(), d.namespace, Key("edge", 2))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := encodeRelease(rel)
		if isChunked(head) || string(head.payload) != want {
			t.Errorf("%s: a record under the limit is not written as one object holding the release", kind)
		}
	}
}

// TestListPages lists more records than one page holds.
func TestListPages(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	d := NewSecrets(env.Clientset().CoreV1(), ns, DriverOptions{})
	const n = listPageSize*2 + 5
	var g errgroup.Group
	g.SetLimit(16)
	for v := 1; v <= n; v++ {
		g.Go(func() error {
			return d.Create(t.Context(), inNamespace(newRelease("many", v, release.StatusSuperseded), ns))
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	h, err := New(d, Options{}).History(t.Context(), "many")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != n || h[0].Version != 1 || h[n-1].Version != n {
		t.Errorf("history of %d records: %d, from v%d to v%d", n, len(h), h[0].Version, h[len(h)-1].Version)
	}
}
