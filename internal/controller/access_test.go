package controller

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImpersonated(t *testing.T) {
	hr := func(sa string) *HelmRelease {
		return &HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team"}, Spec: HelmReleaseSpec{ServiceAccountName: sa}}
	}
	for _, tc := range []struct{ def, sa, want string }{
		{"", "", ""},
		{"", "deployer", "system:serviceaccount:team:deployer"},
		{"fallback", "", "system:serviceaccount:team:fallback"},
		{"fallback", "deployer", "system:serviceaccount:team:deployer"},
	} {
		a := &access{opts: AccessOptions{DefaultServiceAccount: tc.def}}
		if got := a.impersonated(hr(tc.sa)); got != tc.want {
			t.Errorf("default %q, serviceAccountName %q: impersonates %q, want %q", tc.def, tc.sa, got, tc.want)
		}
	}
}

func TestKubeConfigData(t *testing.T) {
	sec := func(data map[string]string) *corev1.Secret {
		s := &corev1.Secret{Data: map[string][]byte{}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	for _, tc := range []struct {
		data      map[string]string
		key, want string
		err       string
	}{
		{map[string]string{"value": "a", "value.yaml": "b"}, "", "a", ""},
		{map[string]string{"value.yaml": "b"}, "", "b", ""},
		{map[string]string{"other": "c"}, "other", "c", ""},
		{map[string]string{"other": "c"}, "", "", "no key 'value' or 'value.yaml' with data"},
		{map[string]string{"value": "a"}, "other", "", "no key 'other' with data"},
	} {
		got, err := kubeConfigData(sec(tc.data), tc.key)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%v key %q: error %v, want %q", tc.data, tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%v key %q: got %q, %v; want %q", tc.data, tc.key, got, err, tc.want)
		}
	}
}

// A kubeconfig from a Secret may not use the controller's files, run
// credential plugins or skip TLS verification unless the flags allow it.
func TestSanitizeKubeConfig(t *testing.T) {
	const head = "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
	inline := head + "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Y2E=}}]\nusers: [{name: u, user: {token: secret}}]\n"
	caFile := head + "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443', certificate-authority: /etc/ca.crt}}]\nusers: [{name: u, user: {token: secret}}]\n"
	insecure := head + "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: secret}}]\n"
	exec := head + "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Y2E=}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token, interactiveMode: Never}}}]\n"
	for _, tc := range []struct {
		name, data string
		opts       AccessOptions
		err        string
	}{
		{"inline", inline, AccessOptions{}, ""},
		{"ca-file", caFile, AccessOptions{}, "certificate-authority reads a file (/etc/ca.crt) from the controller's disk"},
		{"insecure", insecure, AccessOptions{}, "turns off TLS verification"},
		{"insecure-allowed", insecure, AccessOptions{InsecureKubeConfigTLS: true}, ""},
		{"exec", exec, AccessOptions{}, "runs a credential plugin"},
		{"exec-allowed", exec, AccessOptions{InsecureKubeConfigExec: true}, ""},
		{"not-yaml", "{", AccessOptions{}, "not a usable kubeconfig"},
	} {
		a := &access{opts: tc.opts}
		cfg, err := a.sanitize([]byte(tc.data))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cfg.Host != "https://127.0.0.1:6443" {
			t.Errorf("%s: host %q", tc.name, cfg.Host)
		}
		if tc.name == "inline" && (cfg.BearerToken != "secret" || string(cfg.CAData) != "ca") {
			t.Errorf("inline: token %q, CA %q: the credentials were not kept", cfg.BearerToken, cfg.CAData)
		}
	}
}
