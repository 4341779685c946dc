package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// A release lock keeps two operations from changing one release at once. It is a
// Lease named after the release, in the release's namespace, renewed while the
// operation runs. A lock whose holder stopped renewing it has expired and may be
// taken over; so has a lock held by a process of this machine that no longer runs,
// which lets the next command recover at once from a killed one.

// LockDuration is how long a lock lives without renewal.
const LockDuration = 30 * time.Second

// lockRenewEvery is how often a held lock is renewed.
const lockRenewEvery = LockDuration / 3

// ErrLocked is wrapped by LockedError.
var ErrLocked = errors.New("another operation is in progress")

// LockedError says who holds a release's lock.
type LockedError struct {
	Release   string
	Holder    string
	Operation string
	Since     time.Time
	Expires   time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another operation (%s) on release %q is in progress: held by %s since %s (the lock expires at %s unless renewed)",
		e.Operation, e.Release, e.Holder, e.Since.Format(time.RFC3339), e.Expires.Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Locker takes release locks.
type Locker interface {
	// Lock takes the lock of release name for operation op, or fails with a
	// *LockedError when someone else holds it.
	Lock(ctx context.Context, name, op string) (*Lock, error)
}

// Lock is a held release lock. It is renewed in the background until Unlock.
type Lock struct {
	// TookOver tells that the lock was taken from a holder that had stopped: the
	// operation it ran was interrupted.
	TookOver bool
	// Previous is that holder, when TookOver.
	Previous string
	// Unavailable says why no lock could be taken when the cluster does not let this
	// user manage Leases; the operation then runs unlocked, as Helm's do.
	Unavailable string

	unlock func(context.Context) error
	once   sync.Once
	err    error
}

// Unlock releases the lock. It is safe to call more than once.
func (l *Lock) Unlock(ctx context.Context) error {
	l.once.Do(func() { l.err = l.unlock(ctx) })
	return l.err
}

// ProcessHolder names this process, run by user, as a lock holder: user@host pid N.
// A lock held under such a name is taken over at once when that process no longer
// runs on this machine. An empty user is "unknown".
func ProcessHolder(user string) string {
	host, _ := os.Hostname()
	if user == "" {
		user = "unknown"
	}
	return fmt.Sprintf("%s@%s pid %d", user, host, os.Getpid())
}

// holderGone tells whether a holder named by ProcessHolder is a process of this
// machine that does not run any more.
func holderGone(holder string) bool {
	at := strings.LastIndex(holder, "@")
	pidAt := strings.LastIndex(holder, " pid ")
	if at < 0 || pidAt < at {
		return false
	}
	host, _ := os.Hostname()
	if holder[at+1:pidAt] != host {
		return false
	}
	pid, err := strconv.Atoi(holder[pidAt+len(" pid "):])
	if err != nil || pid <= 0 {
		return false
	}
	return pid != os.Getpid() && !processRuns(pid)
}

// LeaseLocker keeps release locks as coordination.k8s.io Leases in one namespace.
type LeaseLocker struct {
	// Leases is a client of coordination.k8s.io/v1: a clientset's
	// CoordinationV1(), or kube.Client's.
	Leases    kubetypes.GroupClient
	Namespace string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Holder names who takes the locks, as ProcessHolder does for a command run by
	// a user; "" means ProcessHolder("").
	Holder string
}

// LeaseName is the Lease holding the lock of a release.
func LeaseName(release string) string { return "sh.helm.release.lock." + release }

const leaseOperationAnnotation = "rudder.dev/operation"

func (l *LeaseLocker) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Lock takes the lock, taking over an expired one.
func (l *LeaseLocker) Lock(ctx context.Context, name, op string) (*Lock, error) {
	holder := l.Holder
	if holder == "" {
		holder = ProcessHolder("")
	}
	leases := kubetypes.Leases(l.Leases, l.Namespace)
	now := metav1.NewMicroTime(l.now())
	secs := int32(LockDuration / time.Second)
	want := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name:        LeaseName(name),
			Labels:      map[string]string{"owner": "helm", "name": name},
			Annotations: map[string]string{leaseOperationAnnotation: op},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: &holder, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now,
		},
	}
	lock := &Lock{}
	cur, err := leases.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsForbidden(err) {
		return &Lock{Unavailable: err.Error(), unlock: func(context.Context) error { return nil }}, nil
	}
	if apierrors.IsAlreadyExists(err) {
		var old *coordinationv1.Lease
		if old, err = leases.Get(ctx, want.Name, metav1.GetOptions{}); err != nil {
			return nil, fmt.Errorf("reading the lock of release %q: %w", name, err)
		}
		prev := deref(old.Spec.HolderIdentity)
		expires := leaseExpiry(old)
		if l.now().Before(expires) && !holderGone(prev) {
			return nil, &LockedError{Release: name, Holder: prev, Operation: old.Annotations[leaseOperationAnnotation],
				Since: timeOf(old.Spec.AcquireTime), Expires: expires}
		}
		lock.TookOver, lock.Previous = true, prev
		old.Spec = want.Spec
		old.Annotations = want.Annotations
		old.Labels = want.Labels
		// The resourceVersion makes this a compare-and-swap: of two processes taking
		// over at once, one fails with a conflict.
		cur, err = leases.Update(ctx, old, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return nil, &LockedError{Release: name, Holder: "another process", Operation: op, Since: l.now(), Expires: l.now().Add(LockDuration)}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("taking the lock of release %q: %w", name, err)
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	var mu sync.Mutex
	go func() {
		defer close(done)
		t := time.NewTicker(lockRenewEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				c := cur.DeepCopy()
				renewed := metav1.NewMicroTime(l.now())
				c.Spec.RenewTime = &renewed
				rctx, cancel := context.WithTimeout(context.Background(), lockRenewEvery)
				if next, err := leases.Update(rctx, c, metav1.UpdateOptions{}); err == nil {
					cur = next
				}
				cancel()
				mu.Unlock()
			}
		}
	}()
	lock.unlock = func(ctx context.Context) error {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		uid, rv := cur.UID, cur.ResourceVersion
		err := leases.Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("releasing the lock of release %q: %w", name, err)
		}
		return nil
	}
	return lock, nil
}

func leaseExpiry(l *coordinationv1.Lease) time.Time {
	renewed := timeOf(l.Spec.RenewTime)
	if renewed.IsZero() {
		renewed = timeOf(l.Spec.AcquireTime)
	}
	d := LockDuration
	if l.Spec.LeaseDurationSeconds != nil {
		d = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
	}
	return renewed.Add(d)
}

func timeOf(t *metav1.MicroTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// MemoryLocker keeps release locks in the process, for the memory driver and tests.
type MemoryLocker struct {
	// Holder names this process in the errors of a lock already held, as
	// LeaseLocker.Holder does; "" means ProcessHolder("").
	Holder string

	mu    sync.Mutex
	held  map[string]time.Time
	ops   map[string]string
	clock func() time.Time
}

// Lock takes the lock of a release within this process.
func (m *MemoryLocker) Lock(_ context.Context, name, op string) (*Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == nil {
		m.held, m.ops = map[string]time.Time{}, map[string]string{}
	}
	now := time.Now()
	if m.clock != nil {
		now = m.clock()
	}
	if since, ok := m.held[name]; ok {
		holder := m.Holder
		if holder == "" {
			holder = ProcessHolder("")
		}
		return nil, &LockedError{Release: name, Holder: holder, Operation: m.ops[name], Since: since, Expires: since.Add(LockDuration)}
	}
	m.held[name], m.ops[name] = now, op
	return &Lock{unlock: func(context.Context) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.held, name)
		delete(m.ops, name)
		return nil
	}}, nil
}

// TrackedLocker takes locks with Locker and tells Track how long each is held,
// so that a program knows when it has something to clean up before exiting.
type TrackedLocker struct {
	Locker Locker
	// Track is called as a lock is about to be taken; the function it returns is
	// called once that lock is released, or at once if it could not be taken.
	Track func() (released func())
}

// Lock takes the lock with t.Locker, tracked from the start of the attempt.
func (t TrackedLocker) Lock(ctx context.Context, name, op string) (*Lock, error) {
	released := t.Track()
	l, err := t.Locker.Lock(ctx, name, op)
	if err != nil {
		released()
		return nil, err
	}
	unlock := l.unlock
	l.unlock = func(ctx context.Context) error {
		defer released()
		return unlock(ctx)
	}
	return l, nil
}
