package controller

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/tlsconf/tlstest"
)

// TestSecretTLS reads TLS material from Secrets as Flux does: the standard
// keys first, the legacy ones in their place, a pair or a CA at least, and
// errors that name the keys at fault.
func TestSecretTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	c := ca.Client(t, "rudder")
	other := ca.Client(t, "other")
	for _, tt := range []struct {
		name       string
		data       map[string][]byte
		certs, cas bool
		want       string
	}{
		{name: "CA", data: map[string][]byte{"ca.crt": ca.CertPEM}, cas: true},
		{name: "pair", data: map[string][]byte{"tls.crt": c.CertPEM, "tls.key": c.KeyPEM}, certs: true},
		{name: "pair and CA", data: map[string][]byte{"tls.crt": c.CertPEM, "tls.key": c.KeyPEM, "ca.crt": ca.CertPEM}, certs: true, cas: true},
		{name: "legacy keys", data: map[string][]byte{"certFile": c.CertPEM, "keyFile": c.KeyPEM, "caFile": ca.CertPEM}, certs: true, cas: true},
		{name: "standard keys win", data: map[string][]byte{"ca.crt": ca.CertPEM, "caFile": []byte("junk")}, cas: true},
		{name: "certificate alone", data: map[string][]byte{"tls.crt": c.CertPEM, "ca.crt": ca.CertPEM}, want: "has 'tls.crt' but no 'tls.key'"},
		{name: "key alone", data: map[string][]byte{"keyFile": c.KeyPEM}, want: "has 'keyFile' but no 'tls.crt'"},
		{name: "nothing", data: map[string][]byte{"username": []byte("u")}, want: "holds neither 'ca.crt' nor 'tls.crt' and 'tls.key'"},
		{name: "empty CA", data: map[string][]byte{"ca.crt": {}}, want: "holds neither"},
		{name: "CA not PEM", data: map[string][]byte{"ca.crt": []byte("hello")}, want: "'ca.crt' holds no PEM certificates"},
		{name: "key of another certificate", data: map[string][]byte{"tls.crt": c.CertPEM, "tls.key": other.KeyPEM},
			want: "'tls.crt' and 'tls.key': client certificate: tls: private key does not match public key"},
	} {
		st := readSecretTLS(&corev1.Secret{Data: tt.data})
		err := st.check()
		if err == nil {
			conf, cerr := st.config()
			if err = cerr; err == nil && ((len(conf.Certificates) == 1) != tt.certs || (conf.RootCAs != nil) != tt.cas || conf.InsecureSkipVerify) {
				t.Errorf("%s: %d certificates, roots %v, insecure %v", tt.name, len(conf.Certificates), conf.RootCAs != nil, conf.InsecureSkipVerify)
			}
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}

// TestLegacyTLS takes TLS material from a HelmRepository's secretRef as
// Flux does: what is incomplete is ignored, what is not PEM is an error
// naming the Secret.
func TestLegacyTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	sec := func(data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "auth"}, Data: data}
	}
	if conf, err := legacyTLS(sec(map[string][]byte{"username": []byte("u"), "password": []byte("p")})); conf != nil || err != nil {
		t.Errorf("basic auth only: %v, %v; want nothing", conf, err)
	}
	if conf, err := legacyTLS(sec(map[string][]byte{"certFile": []byte("x")})); conf != nil || err != nil {
		t.Errorf("certificate without key: %v, %v; want it ignored", conf, err)
	}
	if conf, err := legacyTLS(sec(map[string][]byte{"caFile": ca.CertPEM})); conf == nil || conf.RootCAs == nil || err != nil {
		t.Errorf("caFile: %v, %v; want its roots", conf, err)
	}
	_, err := legacyTLS(sec(map[string][]byte{"caFile": []byte("junk")}))
	if err == nil || !strings.Contains(err.Error(), "secretRef: Secret/ns/auth: 'caFile' holds no PEM certificates") || fetchFailedReason(err) != AuthenticationFailedReason {
		t.Errorf("caFile not PEM: err = %v (reason %s)", err, fetchFailedReason(err))
	}
}

func TestProxyFromSecret(t *testing.T) {
	for _, tt := range []struct {
		name string
		data map[string][]byte
		want string // the URL, or the error
	}{
		{"address", map[string][]byte{"address": []byte("http://127.0.0.1:3128")}, "http://127.0.0.1:3128"},
		{"with login", map[string][]byte{"address": []byte("http://127.0.0.1:3128"), "username": []byte("u"), "password": []byte("p w")}, "http://u:p%20w@127.0.0.1:3128"},
		{"user alone", map[string][]byte{"address": []byte("http://127.0.0.1:3128"), "username": []byte("u")}, "http://u@127.0.0.1:3128"},
		{"no address", map[string][]byte{"username": []byte("u")}, "has no key 'address'"},
		{"empty address", map[string][]byte{"address": {}}, "'address' is empty"},
		{"no host", map[string][]byte{"address": []byte("proxy:3128")}, "'address' is not a URL with a host"},
		{"not a URL", map[string][]byte{"address": []byte("http://u:s3cret@[::1")}, "'address' is not a URL with a host"},
	} {
		u, err := proxyFromSecret(&corev1.Secret{Data: tt.data})
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = u.String()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("%s: the error repeats the password: %s", tt.name, got)
		}
	}
}
