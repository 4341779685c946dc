package controller

import (
	"encoding/base64"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPullLogins(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	var l pullLogins
	secrets := []*corev1.Secret{
		{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths": {
			"127.0.0.1:5000": {"auth": "` + auth + `"},
			"https://*.example.com/team": {"username": "bob", "password": "pw"},
			"registry.example.com": {"username": "carol", "password": "pw2"}}}`)}},
		// Flux reads neither an Opaque Secret's username and password...
		{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"username": []byte("u"), "password": []byte("p")}},
		// ...nor a .dockerconfigjson in a Secret of another type.
		{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths": {"other.io": {"username": "x"}}}`)}},
	}
	for _, s := range secrets {
		if err := l.add(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ registry, repo, user string }{
		{"127.0.0.1:5000", "charts/web", "alice"},
		{"127.0.0.1:5001", "charts/web", ""}, // another port
		{"127.0.0.1", "charts/web", ""},
		{"ghcr.example.com", "team/web", "bob"},
		{"ghcr.example.com", "other/web", ""}, // outside the path
		{"registry.example.com", "team/web", "carol"},
		{"a.b.example.com", "team/web", ""}, // a glob is one label
		{"other.io", "web", ""},
	} {
		user, _, ok := l.lookup(c.registry, c.repo)
		if user != c.user || ok != (c.user != "") {
			t.Errorf("login for %s/%s: %q (%v), want %q", c.registry, c.repo, user, ok, c.user)
		}
	}
	if _, pass, _ := l.lookup("127.0.0.1:5000", "x"); pass != "s3cret" {
		t.Errorf("password from auth: %q, want s3cret", pass)
	}
	bad := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths": `)}}
	bad.Namespace, bad.Name = "ns", "creds"
	if err := l.add(bad); err == nil || err.Error()[:22] != "Secret/ns/creds: .dock" {
		t.Errorf("a broken .dockerconfigjson: error %v, want one naming the Secret", err)
	}
}
