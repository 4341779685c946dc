package controller

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rudderpm/rudder/internal/tlsconf"
)

// AuthenticationFailedReason is Flux's reason for a source whose Secrets
// (secretRef, certSecretRef, proxySecretRef) cannot be had or used.
const AuthenticationFailedReason = "AuthenticationFailed"

// secretError is a Secret of a source that cannot be had or used; sources
// report it with AuthenticationFailed, as Flux's source-controller does.
type secretError struct{ err error }

func (e *secretError) Error() string { return e.err.Error() }
func (e *secretError) Unwrap() error { return e.err }

// The keys of TLS material in a Secret, and the names Flux still reads when
// they are missing.
var (
	certKeys = [2]string{corev1.TLSCertKey, "certFile"}
	keyKeys  = [2]string{corev1.TLSPrivateKeyKey, "keyFile"}
	caKeys   = [2]string{"ca.crt", "caFile"}
)

// secretTLS is the TLS material of a Secret and the keys it came from.
type secretTLS struct {
	pem                    tlsconf.PEM
	certKey, keyKey, caKey string
}

// readSecretTLS reads the TLS material of sec as Flux does, whatever the
// Secret's type: tls.crt, tls.key and ca.crt, each read from certFile,
// keyFile or caFile when missing.
func readSecretTLS(sec *corev1.Secret) secretTLS {
	pick := func(keys [2]string) ([]byte, string) {
		for _, k := range keys {
			if v, ok := sec.Data[k]; ok {
				return v, k
			}
		}
		return nil, keys[0]
	}
	var st secretTLS
	st.pem.Cert, st.certKey = pick(certKeys)
	st.pem.Key, st.keyKey = pick(keyKeys)
	st.pem.CA, st.caKey = pick(caKeys)
	return st
}

// check tells what is missing from the material, as Flux requires it: a
// certificate with its key, a CA, or both.
func (st secretTLS) check() error {
	hasCert, hasKey := len(st.pem.Cert) > 0, len(st.pem.Key) > 0
	switch {
	case hasCert && !hasKey:
		return fmt.Errorf("has '%s' but no '%s'", st.certKey, st.keyKey)
	case hasKey && !hasCert:
		return fmt.Errorf("has '%s' but no '%s'", st.keyKey, st.certKey)
	case !hasCert && len(st.pem.CA) == 0:
		return fmt.Errorf("holds neither '%s' nor '%s' and '%s'", caKeys[0], certKeys[0], keyKeys[0])
	}
	return nil
}

// config builds the TLS settings; CA certificates add to the system's roots.
func (st secretTLS) config() (*tls.Config, error) {
	conf, err := tlsconf.ClientPEM(st.pem)
	switch {
	case errors.Is(err, tlsconf.ErrNoCertificates):
		return nil, fmt.Errorf("'%s' holds no PEM certificates", st.caKey)
	case err != nil:
		return nil, fmt.Errorf("'%s' and '%s': %w", st.certKey, st.keyKey, err)
	}
	return conf, nil
}

// secret reads a Secret of a source; an error names it and is a
// secretError.
func (s *sources) secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	var sec corev1.Secret
	if err := s.reader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &sec); err != nil {
		return nil, &secretError{fmt.Errorf("Secret/%s/%s: %w", namespace, name, err)}
	}
	return &sec, nil
}

// certSecretTLS is the TLS settings of a source's spec.certSecretRef, read
// anew on each use so that a changed Secret counts at the next fetch, as in
// Flux. A Secret that is missing, lacks the keys or holds bad PEM is a
// secretError naming it.
func (s *sources) certSecretTLS(ctx context.Context, namespace string, ref *LocalObjectRef) (*tls.Config, error) {
	sec, err := s.secret(ctx, namespace, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("certSecretRef: %w", err)
	}
	st := readSecretTLS(sec)
	if err := st.check(); err != nil {
		return nil, &secretError{fmt.Errorf("certSecretRef: Secret/%s/%s %w", namespace, ref.Name, err)}
	}
	conf, err := st.config()
	if err != nil {
		return nil, &secretError{fmt.Errorf("certSecretRef: Secret/%s/%s: %w", namespace, ref.Name, err)}
	}
	return conf, nil
}

// legacyTLS is the TLS settings Flux still takes from a HelmRepository's
// secretRef when it has no certSecretRef: nil when the Secret holds no
// complete material (Flux ignores it then), an error when what it holds is
// not PEM.
func legacyTLS(sec *corev1.Secret) (*tls.Config, error) {
	st := readSecretTLS(sec)
	if st.check() != nil {
		return nil, nil
	}
	conf, err := st.config()
	if err != nil {
		return nil, &secretError{fmt.Errorf("secretRef: Secret/%s/%s: %w", sec.Namespace, sec.Name, err)}
	}
	return conf, nil
}

// proxyURL is the proxy of a source's spec.proxySecretRef.
func (s *sources) proxyURL(ctx context.Context, namespace string, ref *LocalObjectRef) (*url.URL, error) {
	sec, err := s.secret(ctx, namespace, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("proxySecretRef: %w", err)
	}
	u, err := proxyFromSecret(sec)
	if err != nil {
		return nil, &secretError{fmt.Errorf("proxySecretRef: Secret/%s/%s: %w", namespace, ref.Name, err)}
	}
	return u, nil
}

// proxyFromSecret reads a proxy as Flux does: the URL in the key address
// (required), with the user of username and password when they are set.
func proxyFromSecret(sec *corev1.Secret) (*url.URL, error) {
	addr, ok := sec.Data["address"]
	switch {
	case !ok:
		return nil, errors.New("has no key 'address'")
	case len(addr) == 0:
		return nil, errors.New("'address' is empty")
	}
	u, err := url.Parse(string(addr))
	if err != nil || u.Host == "" {
		// The address may hold a password: it is not repeated.
		return nil, errors.New("'address' is not a URL with a host")
	}
	user, hasUser := sec.Data["username"]
	pass, hasPass := sec.Data["password"]
	switch {
	case hasUser && hasPass:
		u.User = url.UserPassword(string(user), string(pass))
	case hasUser:
		u.User = url.User(string(user))
	}
	return u, nil
}
