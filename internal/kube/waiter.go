package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// waiter is one WaitReady call: the objects, the informers that watch them, and
// what was last reported.
type waiter struct {
	c        *Client
	opts     WaitOptions
	now      func() time.Time
	interval time.Duration
	maxWarn  int
	since    time.Time

	objs    []*waitObject
	watches []*objectWatch
	spaces  map[string]*namespaceWatch
	signal  chan struct{}

	// watched counts the objects read from the cluster.
	watched int
}

// waitObject is one object waited for, and what was last reported about it.
type waitObject struct {
	res   *Resource
	watch *objectWatch // nil: ready once it exists, not watched
	last  ObjectStatus
	sent  bool
	seen  map[string]bool // warnings already reported
	// logged are the containers, pod/container, whose logs were sent (LiveLogs).
	logged map[string]bool
}

// objectWatch is the informer for the waited-for objects of one resource in one
// namespace.
type objectWatch struct {
	gvk       schema.GroupVersionKind
	gvr       schema.GroupVersionResource
	namespace string
	names     []string
	informer  cache.SharedIndexInformer

	mu  sync.Mutex
	err error // the last list or watch error, cleared by the next event
}

func (ow *objectWatch) setErr(err error) {
	ow.mu.Lock()
	ow.err = err
	ow.mu.Unlock()
}

func (ow *objectWatch) lastErr() error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	return ow.err
}

func (ow *objectWatch) describe() string {
	r := ow.gvr.Resource
	if ow.gvr.Group != "" {
		r += "." + ow.gvr.Group
	}
	if ow.namespace == "" {
		return r
	}
	return r + " in namespace " + ow.namespace
}

// namespaceWatch holds the informers that explain, in one namespace, why objects
// are not ready: Warning events, Pods and ReplicaSets. Each may be nil.
type namespaceWatch struct {
	events, pods, replicaSets cache.SharedIndexInformer
}

const (
	ownerIndex    = "controller"
	involvedIndex = "involved"
)

func newWaiter(c *Client, resources []*Resource, opts WaitOptions) *waiter {
	w := &waiter{
		c:        c,
		opts:     opts,
		now:      opts.Now,
		interval: opts.Interval,
		maxWarn:  opts.MaxWarnings,
		since:    opts.Since,
		spaces:   map[string]*namespaceWatch{},
		signal:   make(chan struct{}, 1),
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.interval <= 0 {
		w.interval = 250 * time.Millisecond
	}
	if w.maxWarn == 0 {
		w.maxWarn = 3
	}
	type target struct {
		gvr schema.GroupVersionResource
		ns  string
	}
	byTarget := map[target]*objectWatch{}
	needs := map[string]*[3]bool{} // namespace -> events, pods, replicasets
	for _, r := range resources {
		o := &waitObject{res: r, seen: map[string]bool{}, logged: map[string]bool{}}
		w.objs = append(w.objs, o)
		if !needsWatch(r, opts) {
			continue
		}
		w.watched++
		t := target{r.GVR, r.Namespace()}
		ow := byTarget[t]
		if ow == nil {
			ow = &objectWatch{gvk: r.GVK, gvr: r.GVR, namespace: t.ns}
			byTarget[t] = ow
			w.watches = append(w.watches, ow)
		}
		if !slices.Contains(ow.names, r.Name()) {
			ow.names = append(ow.names, r.Name())
		}
		o.watch = ow
		if t.ns == "" {
			continue
		}
		n := needs[t.ns]
		if n == nil {
			n = &[3]bool{}
			needs[t.ns] = n
		}
		gk := r.GVK.GroupKind()
		n[0] = n[0] || w.maxWarn > 0
		n[1] = n[1] || workloadKinds[gk]
		n[2] = n[2] || gk == gkDeployment
	}
	for _, ow := range w.watches {
		ow.informer = w.objectInformer(ow)
	}
	for ns, n := range needs {
		nw := &namespaceWatch{}
		if n[0] {
			nw.events = w.eventInformer(ns)
		}
		if n[1] {
			nw.pods = w.podInformer(ns)
		}
		if n[2] {
			nw.replicaSets = w.replicaSetInformer(ns)
		}
		w.spaces[ns] = nw
	}
	return w
}

// poke tells the loop that something changed.
func (w *waiter) poke() {
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *waiter) handler(onEvent func()) cache.ResourceEventHandler {
	f := func() {
		if onEvent != nil {
			onEvent()
		}
		w.poke()
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { f() },
		UpdateFunc: func(any, any) { f() },
		DeleteFunc: func(any) { f() },
	}
}

// listWatch builds a ListWatch from a pair of functions and a field selector.
func listWatch[L runtime.Object](
	list func(context.Context, metav1.ListOptions) (L, error),
	watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error),
	fieldSelector string,
) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = fieldSelector
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = fieldSelector
			return watchFn(ctx, o)
		},
	}
}

func (w *waiter) objectInformer(ow *objectWatch) cache.SharedIndexInformer {
	nri := w.c.dynamic.Resource(ow.gvr)
	var ri interface {
		List(context.Context, metav1.ListOptions) (*unstructured.UnstructuredList, error)
		Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
	} = nri
	if ow.namespace != "" {
		ri = nri.Namespace(ow.namespace)
	}
	// One object of its kind here: watch just that one. Otherwise watch the kind
	// in the namespace, and pick ours out.
	var selector string
	if len(ow.names) == 1 {
		selector = fields.OneTermEqualSelector("metadata.name", ow.names[0]).String()
	}
	inf := cache.NewSharedIndexInformerWithOptions(listWatch(ri.List, ri.Watch, selector),
		&unstructured.Unstructured{}, cache.SharedIndexInformerOptions{ObjectDescription: ow.describe()})
	_ = inf.SetTransform(func(obj any) (any, error) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			u.SetManagedFields(nil)
			if u.GetKind() == "" {
				u.SetGroupVersionKind(ow.gvk)
			}
		}
		return obj, nil
	})
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		ow.setErr(err)
		w.poke()
	})
	_, _ = inf.AddEventHandler(w.handler(func() { ow.setErr(nil) }))
	return inf
}

func byController(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if uid := controllerUID(m); uid != "" {
		return []string{uid}, nil
	}
	return nil, nil
}

func (w *waiter) podInformer(ns string) cache.SharedIndexInformer {
	pods := kubetypes.Pods(w.c.core, ns)
	inf := cache.NewSharedIndexInformerWithOptions(listWatch(pods.List, pods.Watch, ""), &corev1.Pod{},
		cache.SharedIndexInformerOptions{Indexers: cache.Indexers{ownerIndex: byController}, ObjectDescription: "pods in namespace " + ns})
	_ = inf.SetTransform(func(obj any) (any, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			p.ManagedFields = nil
			p.Spec = corev1.PodSpec{} // only the status says what is wrong
		}
		return obj, nil
	})
	quiet(inf)
	_, _ = inf.AddEventHandler(w.handler(nil))
	return inf
}

func (w *waiter) replicaSetInformer(ns string) cache.SharedIndexInformer {
	rs := kubetypes.ReplicaSets(w.c.apps, ns)
	inf := cache.NewSharedIndexInformerWithOptions(listWatch(rs.List, rs.Watch, ""), &appsv1.ReplicaSet{},
		cache.SharedIndexInformerOptions{Indexers: cache.Indexers{ownerIndex: byController}, ObjectDescription: "replicasets in namespace " + ns})
	_ = inf.SetTransform(func(obj any) (any, error) {
		if r, ok := obj.(*appsv1.ReplicaSet); ok {
			r.ManagedFields = nil
			r.Spec.Template = corev1.PodTemplateSpec{}
		}
		return obj, nil
	})
	quiet(inf)
	_, _ = inf.AddEventHandler(w.handler(nil))
	return inf
}

func (w *waiter) eventInformer(ns string) cache.SharedIndexInformer {
	ev := kubetypes.Events(w.c.core, ns)
	selector := fields.OneTermEqualSelector("type", corev1.EventTypeWarning).String()
	inf := cache.NewSharedIndexInformerWithOptions(listWatch(ev.List, ev.Watch, selector), &corev1.Event{},
		cache.SharedIndexInformerOptions{Indexers: cache.Indexers{involvedIndex: func(obj any) ([]string, error) {
			if e, ok := obj.(*corev1.Event); ok && e.InvolvedObject.UID != "" {
				return []string{string(e.InvolvedObject.UID)}, nil
			}
			return nil, nil
		}}, ObjectDescription: "warning events in namespace " + ns})
	_ = inf.SetTransform(func(obj any) (any, error) {
		if e, ok := obj.(*corev1.Event); ok {
			e.ManagedFields = nil
		}
		return obj, nil
	})
	quiet(inf)
	_, _ = inf.AddEventHandler(w.handler(nil))
	return inf
}

// quiet keeps client-go from logging the errors of an informer that only adds
// detail: without it, the details are simply missing.
func quiet(inf cache.SharedIndexInformer) {
	_ = inf.SetWatchErrorHandlerWithContext(func(context.Context, *cache.Reflector, error) {})
}

func (w *waiter) informers() []cache.SharedIndexInformer {
	var out []cache.SharedIndexInformer
	for _, ow := range w.watches {
		out = append(out, ow.informer)
	}
	for _, nw := range w.spaces {
		for _, inf := range []cache.SharedIndexInformer{nw.events, nw.pods, nw.replicaSets} {
			if inf != nil {
				out = append(out, inf)
			}
		}
	}
	return out
}

// waited is how long a wait that started at started and ended at ended for
// cause lasted; one that ran out of time lasted until its deadline, however
// late it saw it pass (a busy machine).
func waited(ctx context.Context, cause error, started, ended time.Time) time.Duration {
	d := ended.Sub(started)
	if deadline, ok := ctx.Deadline(); ok && errors.Is(cause, context.DeadlineExceeded) {
		d = min(d, deadline.Sub(started))
	}
	return d
}

// snapshot is where every object stands at one moment.
type snapshot struct {
	time     time.Time
	statuses []ObjectStatus // as w.objs
	ready    int
	failed   int
	fatal    error
}

func (w *waiter) run(ctx context.Context) error {
	started := w.now()
	if w.since.IsZero() {
		w.since = started.Add(-time.Minute)
	}
	if w.watched == 0 {
		return nil
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()
	for _, inf := range w.informers() {
		wg.Go(func() { inf.RunWithContext(runCtx) })
	}
	base := WaitEvent{Started: started, Deadline: deadlineOf(ctx), Total: len(w.objs)}
	if w.opts.Events != nil {
		ev := base
		ev.Type, ev.Time = WaitStarted, started
		w.opts.Events(ev)
	}

	tick := time.NewTicker(time.Second) // time-dependent rules (an unschedulable pod's grace), elapsed time
	defer tick.Stop()
	var (
		flush    <-chan time.Time
		lastSent time.Time
	)
	for {
		var cause error
		select {
		case <-ctx.Done():
			cause = ctx.Err()
		case <-w.signal:
		case <-tick.C:
		case <-flush:
			flush = nil
		}
		snap := w.evaluate()
		switch {
		case cause != nil:
		case snap.fatal != nil:
			cause = snap.fatal
		case snap.failed > 0:
			cause = ErrObjectFailed
		case snap.ready == len(w.objs):
			w.send(ctx, base, WaitDone, snap, nil)
			return nil
		}
		if cause != nil {
			err := &WaitError{NotReady: notReady(snap), Total: len(w.objs), Waited: waited(ctx, cause, started, snap.time), Err: cause}
			// ctx may be over (a timeout): the logs get a moment of their own.
			w.attachLogs(context.WithoutCancel(ctx), err.NotReady)
			w.send(ctx, base, WaitDone, snap, err)
			return err
		}
		if !w.changed(snap) {
			continue
		}
		if wait := w.interval - snap.time.Sub(lastSent); wait > 0 {
			if flush == nil {
				flush = time.After(wait)
			}
			continue
		}
		w.send(ctx, base, WaitProgress, snap, nil)
		lastSent = snap.time
	}
}

// evaluate reads every object from the caches and computes its status.
func (w *waiter) evaluate() snapshot {
	snap := snapshot{time: w.now(), statuses: make([]ObjectStatus, len(w.objs))}
	for i, o := range w.objs {
		st, fatal := w.status(o)
		snap.statuses[i] = st
		switch st.Status {
		case StatusCurrent:
			snap.ready++
		case StatusFailed:
			snap.failed++
		}
		if fatal != nil && snap.fatal == nil {
			snap.fatal = fatal
		}
	}
	return snap
}

// status computes one object's status, with its detail and warnings when it is
// not ready. fatal is set when the object cannot be read at all.
func (w *waiter) status(o *waitObject) (st ObjectStatus, fatal error) {
	st.Object = o.res.Key()
	ow := o.watch
	if ow == nil {
		st.Status, st.Message = StatusCurrent, "ready once it exists"
		return st, nil
	}
	if !ow.informer.HasSynced() {
		st.Status = StatusUnknown
		if err := ow.lastErr(); err != nil {
			st.Message = "cannot read " + ow.describe() + ": " + err.Error()
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
				fatal = fmt.Errorf("cannot watch %s: %w", ow.describe(), err)
			}
		} else {
			st.Message = readingPrefix + ow.describe()
		}
		return st, fatal
	}
	key := o.res.Name()
	if ow.namespace != "" {
		key = ow.namespace + "/" + key
	}
	item, exists, _ := ow.informer.GetStore().GetByKey(key)
	u, _ := item.(*unstructured.Unstructured)
	if !exists || u == nil {
		st.Status, st.Message = StatusNotFound, "not found"
		return st, nil
	}
	nw := w.spaces[ow.namespace]
	res, err := ComputeStatus(u, StatusOptions{Readiness: w.opts.Readiness, WaitForJobs: w.opts.WaitForJobs, Owned: nw})
	if err != nil {
		st.Status, st.Message = StatusUnknown, "cannot compute status: "+err.Error()
		return st, nil
	}
	st.Status, st.Message = res.Status, res.Message
	if st.Ready() || nw == nil {
		return st, nil
	}
	gk := u.GroupVersionKind().GroupKind()
	var pods []*corev1.Pod
	uids := []string{string(u.GetUID())}
	switch {
	case gk == gkPod:
		if p := podOf(u); p != nil {
			st.Detail, _ = podProblem(p)
			st.pods = failingPods([]*corev1.Pod{p})
		}
	case workloadKinds[gk]:
		owners := []types.UID{u.GetUID()}
		if gk == gkDeployment {
			for _, rs := range nw.ReplicaSets(u.GetUID()) {
				owners = append(owners, rs.UID)
				uids = append(uids, string(rs.UID))
			}
		}
		for _, uid := range owners {
			pods = append(pods, nw.Pods(uid)...)
		}
		st.Detail = podsDetail(pods)
		st.pods = failingPods(pods)
	}
	if nw.events != nil && w.maxWarn > 0 {
		for _, p := range pods {
			uids = append(uids, string(p.UID))
		}
		var events []*corev1.Event
		for _, uid := range uids {
			items, _ := nw.events.GetIndexer().ByIndex(involvedIndex, uid)
			for _, it := range items {
				if e, ok := it.(*corev1.Event); ok {
					events = append(events, e)
				}
			}
		}
		// Warnings that say what the detail says already (FailedScheduling
		// and the pod's Unschedulable condition) are left out.
		st.Warnings = slices.DeleteFunc(newestWarnings(st.Object, events, w.since, w.maxWarn), func(we WarningEvent) bool {
			return st.Detail != "" && strings.Contains(st.Detail, we.Message)
		})
	}
	return st, nil
}

// ReplicaSets implements Owned from the namespace's cache.
func (nw *namespaceWatch) ReplicaSets(owner types.UID) []*appsv1.ReplicaSet {
	return byOwner[*appsv1.ReplicaSet](nw.replicaSetsInformer(), owner)
}

// Pods implements Owned from the namespace's cache.
func (nw *namespaceWatch) Pods(owner types.UID) []*corev1.Pod {
	return byOwner[*corev1.Pod](nw.podsInformer(), owner)
}

func (nw *namespaceWatch) replicaSetsInformer() cache.SharedIndexInformer {
	if nw == nil {
		return nil
	}
	return nw.replicaSets
}

func (nw *namespaceWatch) podsInformer() cache.SharedIndexInformer {
	if nw == nil {
		return nil
	}
	return nw.pods
}

func byOwner[T any](inf cache.SharedIndexInformer, owner types.UID) []T {
	if inf == nil || owner == "" {
		return nil
	}
	items, _ := inf.GetIndexer().ByIndex(ownerIndex, string(owner))
	out := make([]T, 0, len(items))
	for _, it := range items {
		if t, ok := it.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// changed tells whether snap differs from what was last sent.
func (w *waiter) changed(snap snapshot) bool {
	if w.unlogged(snap) {
		return true
	}
	for i, o := range w.objs {
		st := snap.statuses[i]
		if !o.sent || !st.same(o.last) {
			return true
		}
		for _, we := range st.Warnings {
			if !o.seen[we.id] {
				return true
			}
		}
	}
	return false
}

// send reports snap as an event of type t, and remembers what it reported.
func (w *waiter) send(ctx context.Context, base WaitEvent, t WaitEventType, snap snapshot, err error) {
	ev := base
	ev.Type, ev.Time, ev.Ready, ev.Err = t, snap.time, snap.ready, err
	ev.NotReady = notReady(snap)
	for i, o := range w.objs {
		st := snap.statuses[i]
		if !o.sent || !st.same(o.last) {
			// Objects ready at first sight are not news, unless only assumed
			// ready: that is a warning the user should see.
			if o.sent || !st.Ready() || st.Message == AssumedReadyMessage {
				ch := st
				ch.Warnings = nil
				ev.Changed = append(ev.Changed, ch)
			}
			o.last, o.sent = st, true
		}
		for j := len(st.Warnings) - 1; j >= 0; j-- {
			we := st.Warnings[j]
			if !o.seen[we.id] {
				o.seen[we.id] = true
				ev.NewWarnings = append(ev.NewWarnings, we)
			}
		}
	}
	if t == WaitProgress {
		ev.NewLogs = w.newLogs(ctx, snap)
	}
	if w.opts.Events != nil {
		w.opts.Events(ev)
	}
}

// notReady lists the objects not ready, failed first, the others in order.
func notReady(snap snapshot) []ObjectStatus {
	var failed, others []ObjectStatus
	for _, st := range snap.statuses {
		switch {
		case st.Ready():
		case st.Status == StatusFailed:
			failed = append(failed, st)
		default:
			others = append(others, st)
		}
	}
	return append(failed, others...)
}
