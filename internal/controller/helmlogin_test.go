package controller

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func dockerSecret(config string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "regcred"}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(config)}}
}

func keysSecret(typ corev1.SecretType, data map[string]string) *corev1.Secret {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "creds"}, Type: typ, Data: map[string][]byte{}}
	for k, v := range data {
		sec.Data[k] = []byte(v)
	}
	return sec
}

// TestCheckBasicAuthKeys refuses, as Flux does for any HelmRepository's
// secretRef, a username key without a password key or the reverse; empty
// values and Secrets with neither key pass.
func TestCheckBasicAuthKeys(t *testing.T) {
	for _, tt := range []struct {
		data map[string]string
		want string
	}{
		{data: map[string]string{"username": "u", "password": "p"}},
		{data: map[string]string{"username": "", "password": ""}},
		{data: map[string]string{"ca.crt": "x"}},
		{data: map[string]string{"username": "u"}, want: "secretRef: Secret/apps/creds has 'username' but no 'password'"},
		{data: map[string]string{"password": "p", "caFile": "x"}, want: "secretRef: Secret/apps/creds has 'password' but no 'username'"},
	} {
		err := checkBasicAuthKeys(keysSecret(corev1.SecretTypeOpaque, tt.data))
		checkSecretErr(t, tt.data, err, tt.want)
	}
}

// TestHelmOCILogin reads the login of a HelmRepository of type oci as Flux
// does: the .dockerconfigjson entry of the url's host (exact key, or a key
// with a scheme or a path; no globs; one is required) from a
// kubernetes.io/dockerconfigjson Secret, username and password from any
// other Secret; both empty is anonymous, one empty is refused.
func TestHelmOCILogin(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	config := `{"auths": {
		"127.0.0.1:5000": {"auth": "` + auth + `"},
		"https://reg.example.com/v1/": {"username": "bob", "password": "pw"},
		"*.example.com": {"username": "glob", "password": "pw"},
		"half.example.com": {"username": "carol"},
		"nopass.example.com": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("dave:")) + `"},
		"anon.example.com": {}}}`
	for _, tt := range []struct {
		name       string
		sec        *corev1.Secret
		url        string
		user, pass string
		want       string // error
	}{
		{name: "auth of the host", sec: dockerSecret(config), url: "oci://127.0.0.1:5000/charts", user: "alice", pass: "s3cret"},
		{name: "key with a scheme and a path", sec: dockerSecret(config), url: "oci://reg.example.com/team/charts", user: "bob", pass: "pw"},
		{name: "another port", sec: dockerSecret(config), url: "oci://127.0.0.1:5001/charts",
			want: "secretRef: Secret/apps/regcred has no login for '127.0.0.1:5001' in .dockerconfigjson"},
		{name: "no globs", sec: dockerSecret(config), url: "oci://other.example.com/charts", want: "has no login for 'other.example.com'"},
		{name: "username without password", sec: dockerSecret(config), url: "oci://half.example.com/charts",
			want: "secretRef: Secret/apps/regcred has a login for 'half.example.com' with a username but no password"},
		{name: "auth without password", sec: dockerSecret(config), url: "oci://nopass.example.com/charts", want: "with a username but no password"},
		{name: "empty entry is anonymous", sec: dockerSecret(config), url: "oci://anon.example.com/charts"},
		{name: "empty .dockerconfigjson", sec: dockerSecret(""), url: "oci://127.0.0.1:5000/charts", want: "has no login for '127.0.0.1:5000'"},
		{name: "broken .dockerconfigjson", sec: dockerSecret(`{"auths": `), url: "oci://127.0.0.1:5000/charts",
			want: "secretRef: Secret/apps/regcred: .dockerconfigjson: unexpected end of JSON input"},
		{name: "not an oci url", sec: dockerSecret(config), url: "https://127.0.0.1:5000/charts", want: "url 'https://127.0.0.1:5000/charts' is not oci://<host>/<path>"},
		{name: "keys of an Opaque Secret", sec: keysSecret(corev1.SecretTypeOpaque, map[string]string{"username": "u", "password": "p"}),
			url: "oci://127.0.0.1:5000/charts", user: "u", pass: "p"},
		{name: "keys of a basic-auth Secret", sec: keysSecret(corev1.SecretTypeBasicAuth, map[string]string{"username": "u", "password": "p"}),
			url: "oci://127.0.0.1:5000/charts", user: "u", pass: "p"},
		{name: "both keys empty is anonymous", sec: keysSecret(corev1.SecretTypeOpaque, map[string]string{"username": "", "password": ""}),
			url: "oci://127.0.0.1:5000/charts"},
		{name: "empty password", sec: keysSecret(corev1.SecretTypeOpaque, map[string]string{"username": "u", "password": ""}),
			url: "oci://127.0.0.1:5000/charts", want: "secretRef: Secret/apps/creds has 'username' but an empty 'password'"},
		{name: "empty username", sec: keysSecret(corev1.SecretTypeOpaque, map[string]string{"username": "", "password": "p"}),
			url: "oci://127.0.0.1:5000/charts", want: "has 'password' but an empty 'username'"},
		// Flux reads a kubernetes.io/dockercfg Secret's username and
		// password keys only: it has none, so no login.
		{name: "dockercfg gives no login", sec: &corev1.Secret{Type: corev1.SecretTypeDockercfg,
			Data: map[string][]byte{corev1.DockerConfigKey: []byte(`{"127.0.0.1:5000": {"auth": "` + auth + `"}}`)}},
			url: "oci://127.0.0.1:5000/charts"},
	} {
		user, pass, err := helmOCILogin(tt.sec, tt.url)
		checkSecretErr(t, tt.name, err, tt.want)
		if user != tt.user || pass != tt.pass {
			t.Errorf("%s: login %q:%q, want %q:%q", tt.name, user, pass, tt.user, tt.pass)
		}
	}
}

// checkSecretErr checks that err says want, and is a secretError, or that it
// is nil when want is empty.
func checkSecretErr(t *testing.T, name any, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%v: unexpected error %v", name, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%v: error %v, want one saying %q", name, err, want)
	case want != "" && !errors.Is(err, errSpec) && !errors.As(err, new(*secretError)):
		t.Errorf("%v: error %v is neither a secretError nor an errSpec", name, err)
	}
}
