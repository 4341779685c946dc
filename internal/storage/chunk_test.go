package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

// kubeDrivers are the two Kubernetes drivers in ns, by name.
func kubeDrivers(env *testenv.Env, ns string) map[string]*kubeDriver {
	core := env.Clientset().CoreV1()
	return map[string]*kubeDriver{
		"secret":    &NewSecrets(core, ns, DriverOptions{}).kubeDriver,
		"configmap": &NewConfigMaps(core, ns, DriverOptions{}).kubeDriver,
	}
}

// objects lists the names of the objects of d's kind in ns that selector selects.
func objects(t *testing.T, d *kubeDriver, ns, selector string) []string {
	t.Helper()
	items, _, err := d.api.list(t.Context(), ns, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range items {
		names = append(names, it.meta.Name)
	}
	slices.Sort(names)
	return names
}

// TestChunkLayout: a record over the limit is a head that Helm lists, with a
// stub release, and chunks that Helm's listings skip; an update replaces
// the chunks and a delete removes them. A record just under the limit is one
// object, written as Helm writes it.
func TestChunkLayout(t *testing.T) {
	env := testenv.Start(t)
	for name, d := range kubeDrivers(env, "") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			ns := env.Namespace(t)
			d.namespace = ns
			rel := inNamespace(bigRelease("big", 1, release.StatusDeployed, 5<<20), ns)
			mustCreate(t, d, rel)

			heads := objects(t, d, ns, "owner=helm")
			if !slices.Equal(heads, []string{Key("big", 1)}) {
				t.Fatalf("owner=helm lists %v, want only the head", heads)
			}
			chunks := objects(t, d, ns, "owner=rudder-chunk,name=big,version=1")
			if len(chunks) != 2 {
				t.Fatalf("chunks %v, want 2", chunks)
			}
			head, err := d.api.get(ctx, ns, Key("big", 1))
			if err != nil {
				t.Fatal(err)
			}
			if len(head.payload) > 4<<10 {
				t.Errorf("head holds %d bytes, want a small stub", len(head.payload))
			}
			stub, err := decodeRelease(head.payload)
			if err != nil {
				t.Fatalf("Helm could not decode the head: %v", err)
			}
			if !strings.Contains(stub.Info.Description, "stored in chunks by Rudder") || stub.Info.Status != release.StatusDeployed ||
				stub.Chart.Metadata.Name != "demo" || stub.Version != 1 {
				t.Errorf("stub: %q %s %v v%d", stub.Info.Description, stub.Info.Status, stub.Chart.Metadata, stub.Version)
			}

			// Update: new chunks, the old ones gone.
			rel.SetStatus(release.StatusSuperseded, "superseded")
			if err := d.Update(ctx, rel); err != nil {
				t.Fatal(err)
			}
			after := objects(t, d, ns, "owner=rudder-chunk")
			if len(after) != 2 || slices.Contains(after, chunks[0]) {
				t.Errorf("chunks after update %v, before %v", after, chunks)
			}
			// Update to a small record: one object, Helm's, no chunks.
			small := inNamespace(newRelease("big", 1, release.StatusSuperseded), ns)
			if err := d.Update(ctx, small); err != nil {
				t.Fatal(err)
			}
			head, _ = d.api.get(ctx, ns, Key("big", 1))
			if left := objects(t, d, ns, "owner=rudder-chunk"); len(left) != 0 || head.meta.Annotations != nil {
				t.Errorf("small update left chunks %v, annotations %v", left, head.meta.Annotations)
			}
			got, err := d.Get(ctx, "big", 1)
			if err != nil {
				t.Fatal(err)
			}
			sameRelease(t, got, small)

			// Delete removes the head and its chunks.
			mustCreate(t, d, inNamespace(bigRelease("big", 2, release.StatusDeployed, 5<<20), ns))
			if _, err := d.Delete(ctx, "big", 2); err != nil {
				t.Fatal(err)
			}
			if left := objects(t, d, ns, "name=big"); !slices.Equal(left, []string{Key("big", 1)}) {
				t.Errorf("after delete: %v", left)
			}
		})
	}
}

// TestChunkDamage: a chunk missing, corrupt or from another revision makes
// its revision unreadable with an error naming the release and revision; the
// other revisions read, list and roll back as before.
func TestChunkDamage(t *testing.T) {
	env := testenv.Start(t)
	core := env.Clientset().CoreV1()
	damage := map[string]func(t *testing.T, ns string){
		"missing": func(t *testing.T, ns string) {
			c := chunkOf(t, core, ns, 2, 1)
			if err := core.Secrets(ns).Delete(t.Context(), c.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		"corrupt": func(t *testing.T, ns string) {
			c := chunkOf(t, core, ns, 2, 0)
			c.Data[payloadKey][100] ^= 1
			if _, err := core.Secrets(ns).Update(t.Context(), c, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		"other revision": func(t *testing.T, ns string) {
			// Revision 2's chunk 0 replaced by revision 1's, under its name.
			mine, theirs := chunkOf(t, core, ns, 2, 0), chunkOf(t, core, ns, 1, 0)
			if err := core.Secrets(ns).Delete(t.Context(), mine.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			theirs.ObjectMeta = metav1.ObjectMeta{Name: mine.Name, Labels: theirs.Labels, Annotations: theirs.Annotations}
			if _, err := core.Secrets(ns).Create(t.Context(), theirs, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		},
	}
	for what, spoil := range damage {
		t.Run(what, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			ns := env.Namespace(t)
			d := NewSecrets(core, ns, DriverOptions{})
			var unreadable []string
			s := New(d, Options{OnUnreadable: func(e *RecordError) { unreadable = append(unreadable, e.Error()) }})
			v1 := inNamespace(bigRelease("dash", 1, release.StatusSuperseded, 5<<20), ns)
			v2 := inNamespace(bigRelease("dash", 2, release.StatusDeployed, 5<<20), ns)
			mustCreate(t, d, v1, v2)
			spoil(t, ns)

			_, err := s.Get(ctx, "dash", 2)
			if !errors.Is(err, ErrChunk) || !strings.Contains(err.Error(), `"dash" revision 2`) {
				t.Fatalf("get damaged revision: %v, want a chunk error naming \"dash\" revision 2", err)
			}
			t.Logf("%s: %v", what, err)
			got, err := s.Get(ctx, "dash", 1)
			if err != nil {
				t.Fatal(err)
			}
			sameRelease(t, got, v1)
			h, err := s.History(ctx, "dash")
			if err != nil || !slices.Equal(versions(h), []int{1}) {
				t.Errorf("history %v %v, want [1]", versions(h), err)
			}
			if len(unreadable) != 1 || !strings.Contains(unreadable[0], `"dash" revision 2`) {
				t.Errorf("reported unreadable %q", unreadable)
			}
			// Roll back to revision 1: revision 3 holds its release.
			v3 := inNamespace(bigRelease("dash", 3, release.StatusDeployed, 5<<20), ns)
			v3.Chart, v3.Manifest = got.Chart, got.Manifest
			if err := s.Create(ctx, v3, CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(ctx, "dash", 3); err != nil || got.Manifest != v1.Manifest {
				t.Errorf("rolled back revision: %v", err)
			}
		})
	}
}

// chunkOf is chunk i of revision version of "dash" in ns.
func chunkOf(t *testing.T, core corev1client.CoreV1Interface, ns string, version, i int) *corev1.Secret {
	t.Helper()
	head, err := core.Secrets(ns).Get(t.Context(), Key("dash", version), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.Secrets(ns).Get(t.Context(), chunkName("dash", version, head.Annotations[annotGeneration], i), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errCrash is what a crashedAPI answers once its process has "died".
var errCrash = errors.New("crashed")

// crashedAPI passes the first writes calls that write through to its
// kubeAPI, then fails every call, as a process killed there would make none.
type crashedAPI struct {
	kubeAPI
	writes atomic.Int64
}

func (a *crashedAPI) write() error {
	if a.writes.Add(-1) < 0 {
		return errCrash
	}
	return nil
}

func (a *crashedAPI) dead() bool { return a.writes.Load() < 0 }

func (a *crashedAPI) get(ctx context.Context, ns, name string) (*kubeObject, error) {
	if a.dead() {
		return nil, errCrash
	}
	return a.kubeAPI.get(ctx, ns, name)
}

func (a *crashedAPI) create(ctx context.Context, ns string, obj *kubeObject) error {
	if err := a.write(); err != nil {
		return err
	}
	return a.kubeAPI.create(ctx, ns, obj)
}

func (a *crashedAPI) update(ctx context.Context, ns string, obj *kubeObject) error {
	if err := a.write(); err != nil {
		return err
	}
	return a.kubeAPI.update(ctx, ns, obj)
}

func (a *crashedAPI) delete(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
	if err := a.write(); err != nil {
		return err
	}
	return a.kubeAPI.delete(ctx, ns, name, opts)
}

func (a *crashedAPI) deleteAll(ctx context.Context, ns, selector string) error {
	if err := a.write(); err != nil {
		return err
	}
	return a.kubeAPI.deleteAll(ctx, ns, selector)
}

// TestChunkCrash stops a process after each write of a chunked create,
// update and delete in turn: the revision reads as it was before or as it is
// after, never half written, and the next write of the revision leaves no
// chunk behind that its head does not point at.
func TestChunkCrash(t *testing.T) {
	env := testenv.Start(t)
	ops := []struct {
		name string
		// before is the release there before the operation; nil for none.
		before func(ns, name string) *release.Release
		op     func(ctx context.Context, d *kubeDriver, rel *release.Release) error
		after  func(ns, name string) *release.Release
	}{
		{"create", nil,
			func(ctx context.Context, d *kubeDriver, rel *release.Release) error { return d.Create(ctx, rel) },
			func(ns, name string) *release.Release {
				return inNamespace(bigRelease(name, 1, release.StatusDeployed, 5<<20), ns)
			}},
		{"update",
			func(ns, name string) *release.Release {
				return inNamespace(bigRelease(name, 1, release.StatusDeployed, 5<<20), ns)
			},
			func(ctx context.Context, d *kubeDriver, rel *release.Release) error { return d.Update(ctx, rel) },
			func(ns, name string) *release.Release {
				rel := inNamespace(bigRelease(name, 1, release.StatusSuperseded, 5<<20), ns)
				rel.Manifest += "# changed\n"
				return rel
			}},
		{"delete",
			func(ns, name string) *release.Release {
				return inNamespace(bigRelease(name, 1, release.StatusDeployed, 5<<20), ns)
			},
			func(ctx context.Context, d *kubeDriver, rel *release.Release) error {
				_, err := d.Delete(ctx, rel.Name, rel.Version)
				return err
			},
			func(string, string) *release.Release { return nil }},
	}
	for kind, good := range kubeDrivers(env, "") {
		for _, op := range ops {
			t.Run(kind+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				ns := env.Namespace(t)
				good := &kubeDriver{api: good.api, namespace: ns}
				for n := 0; ; n++ {
					name := fmt.Sprintf("crash%d", n)
					var before *release.Release
					if op.before != nil {
						before = op.before(ns, name)
						mustCreate(t, good, before)
					}
					after := op.after(ns, name)
					if after == nil {
						after = before
					}
					crashed := &kubeDriver{api: &crashedAPI{kubeAPI: good.api}, namespace: ns}
					crashed.api.(*crashedAPI).writes.Store(int64(n))
					opErr := op.op(ctx, crashed, after)
					if opErr != nil && !errors.Is(opErr, errCrash) {
						t.Fatalf("crash after %d writes: %v", n, opErr)
					}
					got, gerr := good.Get(ctx, name, 1)
					switch {
					case errors.Is(gerr, ErrReleaseNotFound) && (before == nil || op.name == "delete"):
					case gerr != nil:
						t.Fatalf("crash after %d writes: revision unreadable: %v", n, gerr)
					case before != nil && got.Manifest == before.Manifest && got.Info.Status == before.Info.Status:
					case got.Manifest == after.Manifest && got.Info.Status == after.Info.Status:
					default:
						t.Fatalf("crash after %d writes: revision 1 is neither the old nor the new release", n)
					}
					// The next write of the revision clears what the crash left.
					if op.name != "delete" {
						again := op.after(ns, name)
						again.Info.Description = "again"
						var err error
						if gerr != nil {
							err = good.Create(ctx, again)
						} else {
							err = good.Update(ctx, again)
						}
						if err != nil {
							t.Fatalf("crash after %d writes: the next write: %v", n, err)
						}
						head, _ := good.api.get(ctx, ns, Key(name, 1))
						chunks := objects(t, good, ns, "owner=rudder-chunk,name="+name)
						if want := head.meta.Annotations[annotChunks]; fmt.Sprint(len(chunks)) != want {
							t.Errorf("crash after %d writes: %d chunks left after the next write, the head has %s", n, len(chunks), want)
						}
					}
					if opErr == nil && !crashed.api.(*crashedAPI).dead() {
						t.Logf("%s: %d crash points, none left the revision unreadable", op.name, n)
						break
					}
				}
			})
		}
	}
}
