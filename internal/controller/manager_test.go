package controller

import (
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// TestUnthrottled checks that the controller's clients are not held to
// client-go's default of 5 requests a second unless the config asks for a
// limit, and that the caller's config is not changed.
func TestUnthrottled(t *testing.T) {
	in := &rest.Config{Host: "https://127.0.0.1:6443"}
	if got := unthrottled(in); got.QPS >= 0 {
		t.Errorf("config without a QPS: QPS %v, want negative (no client-side limit)", got.QPS)
	}
	if in.QPS != 0 {
		t.Errorf("caller's config changed: QPS %v", in.QPS)
	}
	if got := unthrottled(&rest.Config{QPS: 50, Burst: 100}); got.QPS != 50 || got.Burst != 100 {
		t.Errorf("config with QPS 50: got QPS %v burst %d, want them kept", got.QPS, got.Burst)
	}
	rl := flowcontrol.NewTokenBucketRateLimiter(1, 1)
	if got := unthrottled(&rest.Config{RateLimiter: rl}); got.QPS != 0 || got.RateLimiter != rl {
		t.Errorf("config with a rate limiter: got QPS %v, want the limiter kept", got.QPS)
	}
}
