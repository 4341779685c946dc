package kube

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLogLines(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name string
		in   string
		n    int
		want []string
	}{
		{"empty", "", 10, nil},
		{"last n", "a\nb\nc\n", 2, []string{"b", "c"}},
		{"crlf", "a\r\nb\r\n", 10, []string{"a", "b"}},
		{"escape sequences", "\x1b[2J\x1b]0;owned\x07ok\tgo", 10, []string{"\uFFFD[2J\uFFFD]0;owned\uFFFDok\tgo"}},
		{"invalid utf-8", "a\xffb", 10, []string{"a\uFFFDb"}},
		{"long line", long, 10, []string{strings.Repeat("x", logLineBytes) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := logLines(tt.in, tt.n)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") || len(got) != len(tt.want) {
				t.Errorf("logLines(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestLogTargets(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	crashed := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}
	backoff := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	pod := func(phase corev1.PodPhase, cs ...corev1.ContainerStatus) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Status: corev1.PodStatus{Phase: phase, ContainerStatuses: cs}}
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"pending pod: no logs yet", pod(corev1.PodPending, corev1.ContainerStatus{Name: "a", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}), ""},
		{"ready containers are left out", pod(corev1.PodRunning,
			corev1.ContainerStatus{Name: "a", Ready: true, State: running},
			corev1.ContainerStatus{Name: "b", State: running}), "log of pod p, container b"},
		{"crash loop: the previous run", pod(corev1.PodRunning, corev1.ContainerStatus{Name: "a", State: backoff, LastTerminationState: crashed}), "previous log of pod p, container a"},
		{"failed pod", pod(corev1.PodFailed, corev1.ContainerStatus{Name: "a", State: crashed}), "log of pod p, container a"},
		{"succeeded pod", pod(corev1.PodSucceeded, corev1.ContainerStatus{Name: "a", State: crashed}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range logTargets(tt.pod) {
				got = append(got, l.Title())
			}
			if strings.Join(got, "; ") != tt.want {
				t.Errorf("targets = %q, want %q", got, tt.want)
			}
		})
	}
}
