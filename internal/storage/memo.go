package storage

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// Memo remembers the records of the releases a driver listed, so that the
// listings one operation makes of one release (Last, History, Deployed and
// the pruning of old revisions each list its records) cost the API server one
// request instead of one each. A write through the driver, or Forget, drops
// what it remembers: the listings then read the API server afresh.
//
// What a Memo answers is as fresh as its first listing, so it suits one
// operation that holds the release's lock: call Forget once the lock is
// taken, so that the operation reads what the last holder wrote.
type Memo struct {
	mu      sync.Mutex
	records map[string][]kubeObject // by namespace/name
}

// Forget drops everything remembered.
func (m *Memo) Forget() {
	m.mu.Lock()
	clear(m.records)
	m.mu.Unlock()
}

// NewSecretsMemo is NewSecrets whose listings of one release's records are
// answered from a Memo, which it returns.
func NewSecretsMemo(c kubetypes.GroupClient, namespace string, opts DriverOptions) (*Secrets, *Memo) {
	m := &Memo{records: map[string][]kubeObject{}}
	return &Secrets{kubeDriver{api: memoAPI{kubeAPI: secretAPI{c}, memo: m}, namespace: namespace, opts: opts}}, m
}

// memoAPI answers the listings of one release's records (a selector that
// requires owner=helm and name=NAME) from its memo, listing all the records
// of that release first when it has none; other requests go to the API
// server, and writes drop the memo.
type memoAPI struct {
	kubeAPI
	memo *Memo
}

func (a memoAPI) list(ctx context.Context, namespace string, opts metav1.ListOptions) ([]kubeObject, string, error) {
	sel, err := labels.Parse(opts.LabelSelector)
	if err != nil || opts.Continue != "" {
		return a.kubeAPI.list(ctx, namespace, opts)
	}
	name, ok := sel.RequiresExactMatch(labelName)
	if own, mine := sel.RequiresExactMatch(labelOwner); !ok || !mine || own != owner {
		return a.kubeAPI.list(ctx, namespace, opts)
	}
	key := namespace + "/" + name
	a.memo.mu.Lock()
	all, known := a.memo.records[key]
	a.memo.mu.Unlock()
	if !known {
		if all, err = a.listRelease(ctx, namespace, name); err != nil {
			return nil, "", err
		}
		a.memo.mu.Lock()
		a.memo.records[key] = all
		a.memo.mu.Unlock()
	}
	var out []kubeObject
	for i := range all {
		if sel.Matches(labels.Set(all[i].meta.Labels)) {
			out = append(out, kubeObject{meta: *all[i].meta.DeepCopy(), payload: all[i].payload})
		}
	}
	return out, "", nil
}

// listRelease lists every record of the release name, all pages.
func (a memoAPI) listRelease(ctx context.Context, namespace, name string) ([]kubeObject, error) {
	sel := labels.NewSelector().Add(requirement(labelOwner, selection.Equals, owner), requirement(labelName, selection.Equals, name))
	opts := metav1.ListOptions{LabelSelector: sel.String(), Limit: listPageSize}
	var all []kubeObject
	for {
		items, next, err := a.kubeAPI.list(ctx, namespace, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		opts.Continue = next
	}
}

func (a memoAPI) create(ctx context.Context, namespace string, obj *kubeObject) error {
	defer a.memo.Forget()
	return a.kubeAPI.create(ctx, namespace, obj)
}

func (a memoAPI) update(ctx context.Context, namespace string, obj *kubeObject) error {
	defer a.memo.Forget()
	return a.kubeAPI.update(ctx, namespace, obj)
}

func (a memoAPI) delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error {
	defer a.memo.Forget()
	return a.kubeAPI.delete(ctx, namespace, name, opts)
}

func (a memoAPI) deleteAll(ctx context.Context, namespace, selector string) error {
	defer a.memo.Forget()
	return a.kubeAPI.deleteAll(ctx, namespace, selector)
}
