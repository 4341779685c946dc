package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ErrObjectFailed is wrapped by the *WaitError returned when an object fails
// (a Job past its backoff limit, a Deployment past its progress deadline): it
// will not become ready without help, so waiting stops at once.
var ErrObjectFailed = errors.New("object failed")

// WaitOptions configure WaitReady. The zero value waits by kstatus's rules, counts
// Jobs ready once they have started, and reports no progress.
type WaitOptions struct {
	// Readiness chooses the rules: kstatus's (Helm 4's --wait=watcher, the zero
	// value) or Helm 3's (--wait=legacy).
	Readiness Readiness
	// WaitForJobs waits for Jobs to complete (--wait-for-jobs).
	WaitForJobs bool
	// Events receives progress: one WaitStarted, WaitProgress whenever what is
	// not ready changes (at most once per Interval), and one WaitDone. It is
	// called from one goroutine at a time, and never after WaitReady returns; it
	// should return quickly. nil means no events. When nothing needs watching
	// (every object is of a kind that is ready once it exists), none are sent.
	Events func(WaitEvent)
	// Interval is the shortest time between two WaitProgress events; 0 means
	// 250ms.
	Interval time.Duration
	// MaxWarnings is how many of the newest Warning events each object not ready
	// carries; 0 means 3; a negative number means none, and events are not watched.
	MaxWarnings int
	// Since leaves out Warning events last seen before it; the zero value means a
	// minute before WaitReady was called (older events about the same objects are
	// from an earlier change).
	Since time.Time
	// LogLines is how many of the last lines of each failing container's log
	// the *WaitError carries (LogText, not Error), for each object not ready (the containers not ready
	// of its worst pods, at most 2 pods and 3 containers each, at most 8 KiB of
	// each log); 0 means 10; a negative number means none.
	LogLines int
	// LiveLogs also reads those lines as soon as a pod fails, and sends them once
	// per container in WaitProgress events (NewLogs), for --logs.
	LiveLogs bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// WaitEventType says what a WaitEvent reports.
type WaitEventType int

const (
	// WaitStarted: the watches are starting; Total says how many objects are
	// waited for.
	WaitStarted WaitEventType = iota + 1
	// WaitProgress: something changed.
	WaitProgress
	// WaitDone: waiting is over; Err says how it ended.
	WaitDone
)

// WaitEvent is a snapshot of a wait, sent to WaitOptions.Events.
type WaitEvent struct {
	Type WaitEventType
	// Time is when the snapshot was taken; Started when WaitReady began;
	// Deadline when the context ends (zero when it has no deadline).
	Time, Started, Deadline time.Time
	// Total is how many objects are waited for; Ready how many of them are.
	Total, Ready int
	// NotReady lists every object not ready yet, failed ones first, the others
	// in the order WaitReady was given them, each with its newest warnings.
	NotReady []ObjectStatus
	// Changed lists the objects whose status, message or detail changed since the
	// previous event, including those that became ready (without warnings), and
	// those ready at first sight only because they exist (AssumedReadyMessage).
	Changed []ObjectStatus
	// NewWarnings lists the warning events first seen since the previous event,
	// oldest first.
	NewWarnings []WarningEvent
	// NewLogs are the ends of the logs of containers newly failing, with
	// WaitOptions.LiveLogs; each container's once.
	NewLogs []ContainerLog
	// Err is set on WaitDone when waiting failed: a *WaitError.
	Err error
}

// ObjectStatus is where one object stands.
type ObjectStatus struct {
	// Object names the object.
	Object Key
	Status Status
	// Message says why the object has its status, in the rules' words
	// ("Available: 0/3").
	Message string
	// Detail says what holds up the pods of a workload that is not ready, naming
	// the worst of them ("pod web-6f9c8d7b5-x2x7q: container web: ImagePullBackOff:
	// ..."); "" when nothing is known.
	Detail string
	// Warnings are the newest Warning events about the object and the
	// ReplicaSets and Pods it controls, newest first (only for objects not ready).
	Warnings []WarningEvent
	// Logs are the ends of the logs of its failing containers: only in a
	// *WaitError (see LogText), and only for objects with pods that have run
	// and fail.
	Logs []ContainerLog

	// pods are the pods worth reading the logs of (failingPods).
	pods []*corev1.Pod
}

// Ready tells whether the object is ready.
func (s ObjectStatus) Ready() bool { return s.Status == StatusCurrent }

// Unread tells that the object's state has not been read yet: its watch is
// starting.
func (s ObjectStatus) Unread() bool {
	return s.Status == StatusUnknown && strings.HasPrefix(s.Message, readingPrefix)
}

// readingPrefix starts the message of an object whose watch is starting.
const readingPrefix = "reading "

// Why is the message and the detail, as one line.
func (s ObjectStatus) Why() string {
	return joinNonEmpty("; ", s.Message, s.Detail)
}

func (s ObjectStatus) same(o ObjectStatus) bool {
	return s.Status == o.Status && s.Message == o.Message && s.Detail == o.Detail
}

// WaitError is returned by WaitReady when not every object became ready: it names
// each object that was not, and why.
type WaitError struct {
	// NotReady lists the objects not ready when waiting stopped, failed ones first.
	NotReady []ObjectStatus
	// Total is how many objects were waited for.
	Total int
	// Waited is how long WaitReady waited; when it ran out of time, until its
	// deadline, however late it saw the deadline pass.
	Waited time.Duration
	// Err is why waiting stopped: ErrObjectFailed when an object failed; the
	// context's error when it ended (context.DeadlineExceeded on --timeout); or
	// the error that made watching impossible (access denied).
	Err error
}

func (e *WaitError) Unwrap() error { return e.Err }

func (e *WaitError) Error() string {
	var b strings.Builder
	waited := e.Waited.Round(time.Second)
	failed := 0
	for _, s := range e.NotReady {
		if s.Status == StatusFailed {
			failed++
		}
	}
	list := e.NotReady
	switch {
	case errors.Is(e.Err, ErrObjectFailed):
		list = e.NotReady[:failed]
		if failed == 1 {
			fmt.Fprintf(&b, "%s failed: %s", list[0].Object, list[0].Why())
			writeWarnings(&b, list[0].Warnings)
			list = nil
		} else {
			fmt.Fprintf(&b, "%d objects failed", failed)
		}
	case errors.Is(e.Err, context.DeadlineExceeded):
		fmt.Fprintf(&b, "timed out after %s waiting for %s to be ready", waited, objectsWord(e.NotReady, e.Total))
	case errors.Is(e.Err, context.Canceled):
		fmt.Fprintf(&b, "interrupted after %s waiting for %s to be ready", waited, objectsWord(e.NotReady, e.Total))
	default:
		fmt.Fprintf(&b, "waiting for %s to be ready: %v", objectsWord(e.NotReady, e.Total), e.Err)
	}
	if len(list) == 1 && !errors.Is(e.Err, ErrObjectFailed) {
		fmt.Fprintf(&b, ": %s: %s", list[0].Status, list[0].Why())
		writeWarnings(&b, list[0].Warnings)
	} else if len(list) > 0 {
		b.WriteString(":")
		for _, s := range list {
			fmt.Fprintf(&b, "\n  %s: %s: %s", s.Object, s.Status, s.Why())
			writeWarnings(&b, s.Warnings)
		}
	}
	if errors.Is(e.Err, ErrObjectFailed) && len(e.NotReady) > failed {
		names := make([]string, 0, len(e.NotReady)-failed)
		for _, s := range e.NotReady[failed:] {
			names = append(names, s.Object.String())
		}
		fmt.Fprintf(&b, "\n  not ready yet either: %s", strings.Join(names, ", "))
	}
	return b.String()
}

func objectsWord(notReady []ObjectStatus, total int) string {
	if len(notReady) == 1 {
		return notReady[0].Object.String()
	}
	return fmt.Sprintf("%d of %d objects", len(notReady), total)
}

func writeWarnings(b *strings.Builder, ws []WarningEvent) {
	for _, w := range ws {
		fmt.Fprintf(b, "\n    warning %s %s", w.Sources(), w.Reason)
		if w.Count > 1 {
			fmt.Fprintf(b, " (x%d)", w.Count)
		}
		fmt.Fprintf(b, ": %s", w.Message)
	}
}

// LogText is the ends of the logs of the failing containers, as lines to print
// after the error; "" when there are none. They are not part of Error(): an
// error's text is stored in the release's history, and logs may hold what only
// those who can read the pods' logs should see.
func (e *WaitError) LogText() string {
	var b strings.Builder
	for _, s := range e.NotReady {
		for _, l := range s.Logs {
			fmt.Fprintf(&b, "%s: %s:", l.Object, l.Title())
			switch {
			case l.Err != "":
				fmt.Fprintf(&b, " cannot read it: %s", l.Err)
			case len(l.Lines) == 0:
				b.WriteString(" (empty)")
			}
			b.WriteString("\n")
			for _, line := range l.Lines {
				fmt.Fprintf(&b, "  | %s\n", line)
			}
		}
	}
	return b.String()
}

// WaitReady waits until every one of resources is ready by the rules opts
// chooses, watching them (one watch per kind and namespace, whatever the number
// of objects) rather than polling. Objects of kinds that have no status
// (ConfigMaps, Secrets, RBAC and the like) are ready once they exist and are not
// watched; with ReadinessLegacy, neither are kinds Helm 3 did not check.
//
// It returns nil once all are ready. It returns a *WaitError naming each object
// not ready, and why, when ctx ends (wrapping ctx.Err(), so that
// errors.Is(err, context.DeadlineExceeded) tells a timeout), as soon as one
// object fails (wrapping ErrObjectFailed), or when the objects cannot be watched.
//
// To say why, it also watches, in each namespace with objects not yet ready, the
// Warning events (one watch) and, when there are workloads, their Pods and
// ReplicaSets (one watch each): the newest warnings of an object, its
// ReplicaSets and its Pods, and what holds up its worst pod, are reported in
// WaitEvents and in the *WaitError.
func (c *Client) WaitReady(ctx context.Context, resources []*Resource, opts WaitOptions) error {
	w := newWaiter(c, resources, opts)
	return w.run(ctx)
}

// readyOnSight are the kinds with no status to wait for: ready once they exist.
var readyOnSight = map[schema.GroupKind]bool{
	{Kind: "ConfigMap"}:                                true,
	{Kind: "Secret"}:                                   true,
	{Kind: "ServiceAccount"}:                           true,
	{Kind: "Endpoints"}:                                true,
	{Kind: "LimitRange"}:                               true,
	{Kind: "ResourceQuota"}:                            true,
	{Kind: "PodTemplate"}:                              true,
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}: true,
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:                       true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                       true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                true,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:                             true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                              true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                             true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                 true,
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:                              true,
	{Group: "batch", Kind: "CronJob"}:                                               true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}: true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:   true,
}

// legacyChecked are the kinds Helm 3's rules read; others are ready at once.
var legacyChecked = map[schema.GroupKind]bool{
	gkDeployment: true, gkStatefulSet: true, gkDaemonSet: true, gkReplicaSet: true, gkRC: true,
	gkPod: true, gkJob: true, gkPVC: true, gkService: true, gkCRD: true,
}

// needsWatch tells whether r's readiness must be read from the cluster.
func needsWatch(r *Resource, opts WaitOptions) bool {
	gk := r.GVK.GroupKind()
	if opts.Readiness == ReadinessLegacy {
		return legacyChecked[gk] && (gk != gkJob || opts.WaitForJobs)
	}
	return !readyOnSight[gk]
}

// workloadKinds control pods: their not-ready details come from their pods.
var workloadKinds = map[schema.GroupKind]bool{
	gkDeployment: true, gkStatefulSet: true, gkDaemonSet: true, gkReplicaSet: true, gkRC: true, gkJob: true,
}

func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// podOf converts a live Pod object for podProblem.
func podOf(u *unstructured.Unstructured) *corev1.Pod {
	var p corev1.Pod
	if fromUnstructured(u, &p) != nil {
		return nil
	}
	return &p
}
