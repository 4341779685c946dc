package kube

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WarningEvent is a Warning event about an object that is not ready, or about
// one of the ReplicaSets or Pods it controls.
type WarningEvent struct {
	// Object is the release object the warning is reported for.
	Object Key
	// Source names what the event is about, as Kind/name in Object's namespace:
	// the object itself, or "Pod/web-6f9c8d7b5-x2x7q".
	Source string
	// Reason is the event's short reason ("BackOff", "FailedScheduling").
	Reason string
	// Message is the event's message.
	Message string
	// Count is how many times it happened; at least 1.
	Count int32
	// Last is when it last happened.
	Last time.Time
	// Others is how many other sources (the other pods of a workload) had the
	// same warning, with the same reason and message: they are left out.
	Others int
	// id tells occurrences apart: the event's UID and count.
	id string
}

func newWarningEvent(obj Key, e *corev1.Event) WarningEvent {
	count := max(e.Count, 1)
	if e.Series != nil && e.Series.Count > count {
		count = e.Series.Count
	}
	return WarningEvent{
		Object:  obj,
		Source:  e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name,
		Reason:  e.Reason,
		Message: strings.TrimPrefix(strings.TrimSpace(e.Message), combinedPrefix),
		Count:   count,
		Last:    eventTime(e),
		id:      fmt.Sprintf("%s/%d", e.UID, count),
	}
}

// combinedPrefix starts the message of an event that stands for several.
const combinedPrefix = "(combined from similar events): "

// Sources names what the warning is about: Source, and how many others.
func (w WarningEvent) Sources() string {
	switch w.Others {
	case 0:
		return w.Source
	case 1:
		return w.Source + " and 1 other"
	}
	return fmt.Sprintf("%s and %d others", w.Source, w.Others)
}

// eventTime is when the event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// newestWarnings turns events into at most n warnings for obj, newest first,
// leaving out those last seen before since. Alike warnings are one, the newest:
// those of one source and reason (counted in Count), and those of one reason and
// message (the pods of one workload failing alike, counted in Others).
func newestWarnings(obj Key, events []*corev1.Event, since time.Time, n int) []WarningEvent {
	var out []WarningEvent
	for _, e := range events {
		if e.Type != corev1.EventTypeWarning || eventTime(e).Before(since) {
			continue
		}
		out = append(out, newWarningEvent(obj, e))
	}
	slices.SortFunc(out, func(a, b WarningEvent) int {
		if c := b.Last.Compare(a.Last); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	// One source's warnings of one reason are one (a ReplicaSet failing to create
	// pod after pod); so are one reason and message from several sources.
	type key struct{ reason, text string }
	bySource, byMessage := map[key]int{}, map[key]int{}
	kept := out[:0]
	for _, w := range out {
		if i, ok := bySource[key{w.Reason, w.Source}]; ok {
			kept[i].Count += w.Count
			continue
		}
		if i, ok := byMessage[key{w.Reason, w.Message}]; ok {
			kept[i].Others++
			continue
		}
		bySource[key{w.Reason, w.Source}] = len(kept)
		byMessage[key{w.Reason, w.Message}] = len(kept)
		kept = append(kept, w)
	}
	out = kept
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// podProblem says what keeps a pod from being ready or done, and how bad it is
// (higher is worse); "" and 0 when nothing does. Terminating pods are on their
// way out and are not held against anyone.
func podProblem(p *corev1.Pod) (string, int) {
	if p.DeletionTimestamp != nil {
		return "", 0
	}
	statuses := append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...)
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		return "", 0
	case corev1.PodFailed:
		for _, cs := range statuses {
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
				return fmt.Sprintf("container %s exited %d: %s", cs.Name, t.ExitCode, joinNonEmpty(": ", t.Reason, t.Message)), 5
			}
		}
		return "Failed: " + orNone(joinNonEmpty(": ", p.Status.Reason, p.Status.Message)), 5
	}
	for _, cs := range statuses {
		w := cs.State.Waiting
		if w == nil || w.Reason == "" || w.Reason == "ContainerCreating" || w.Reason == "PodInitializing" {
			continue
		}
		msg := fmt.Sprintf("container %s: %s", cs.Name, joinNonEmpty(": ", w.Reason, w.Message))
		if t := cs.LastTerminationState.Terminated; t != nil && w.Reason == "CrashLoopBackOff" {
			msg += fmt.Sprintf(" (last exit %d: %s)", t.ExitCode, orNone(joinNonEmpty(": ", t.Reason, t.Message)))
		}
		return msg, 4
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return joinNonEmpty(": ", orNone(c.Reason), c.Message), 3
		}
	}
	if p.Status.Phase == corev1.PodPending || p.Status.Phase == "" {
		for _, cs := range statuses {
			if w := cs.State.Waiting; w != nil && w.Reason != "" {
				return fmt.Sprintf("container %s: %s", cs.Name, w.Reason), 1
			}
		}
		return "Pending", 1
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue {
			return orNone(joinNonEmpty(": ", c.Reason, c.Message)), 2
		}
	}
	if !podReady(p) {
		return "not ready", 2
	}
	return "", 0
}

// podsDetail names the pod whose problem is worst, and how many others have one.
func podsDetail(pods []*corev1.Pod) string {
	var (
		worst     *corev1.Pod
		worstMsg  string
		worstRank int
		others    int
	)
	for _, p := range pods {
		msg, rank := podProblem(p)
		if rank == 0 {
			continue
		}
		if worst != nil {
			others++
		}
		better := worst == nil || rank > worstRank ||
			rank == worstRank && p.CreationTimestamp.After(worst.CreationTimestamp.Time) ||
			rank == worstRank && p.CreationTimestamp.Equal(&worst.CreationTimestamp) && p.Name < worst.Name
		if better {
			worst, worstMsg, worstRank = p, msg, rank
		}
	}
	if worst == nil {
		return ""
	}
	// The count of others comes before the message, which may be long and cut.
	out := "pod " + worst.Name
	switch others {
	case 0:
	case 1:
		out += " (and 1 more pod)"
	default:
		out += fmt.Sprintf(" (and %d more pods)", others)
	}
	return out + ": " + worstMsg
}

// controllerUID is the UID of obj's controller, or "".
func controllerUID(obj metav1.Object) string {
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
		return string(ref.UID)
	}
	return ""
}
