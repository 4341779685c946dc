package controller

import (
	"fmt"
	"net"
	"net/url"

	corev1 "k8s.io/api/core/v1"
)

// checkBasicAuthKeys refuses, as Flux's source-controller does for the
// secretRef of any HelmRepository, a Secret that has one of the keys
// username and password without the other (empty values count as present).
func checkBasicAuthKeys(sec *corev1.Secret) error {
	_, hasUser := sec.Data["username"]
	_, hasPass := sec.Data["password"]
	switch {
	case hasUser && !hasPass:
		return secretRefError(sec, "has 'username' but no 'password'")
	case hasPass && !hasUser:
		return secretRefError(sec, "has 'password' but no 'username'")
	}
	return nil
}

// helmOCILogin is the login a HelmRepository of type oci takes from its
// secretRef for the registry of repoURL (oci://host[:port]/path), as Flux's
// source-controller reads it: a Secret of type kubernetes.io/dockerconfigjson
// gives the entry of its .dockerconfigjson for that host (one is required);
// any other Secret gives its username and password keys. Both empty is no
// login (anonymous); one empty is an error.
func helmOCILogin(sec *corev1.Secret, repoURL string) (user, pass string, err error) {
	if sec.Type != corev1.SecretTypeDockerConfigJson {
		user, pass = string(sec.Data["username"]), string(sec.Data["password"])
		switch {
		case user != "" && pass == "":
			return "", "", secretRefError(sec, "has 'username' but an empty 'password'")
		case pass != "" && user == "":
			return "", "", secretRefError(sec, "has 'password' but an empty 'username'")
		}
		return user, pass, nil
	}
	registry, err := ociHost(repoURL)
	if err != nil {
		return "", "", err
	}
	var l pullLogins
	if err := l.add(sec); err != nil {
		return "", "", &secretError{fmt.Errorf("secretRef: %w", err)}
	}
	e, ok := l.hostLogin(registry)
	switch {
	case !ok:
		return "", "", secretRefError(sec, fmt.Sprintf("has no login for '%s' in %s", registry, corev1.DockerConfigJsonKey))
	case e.username != "" && e.password == "":
		return "", "", secretRefError(sec, fmt.Sprintf("has a login for '%s' with a username but no password", registry))
	case e.password != "" && e.username == "":
		return "", "", secretRefError(sec, fmt.Sprintf("has a login for '%s' with a password but no username", registry))
	}
	return e.username, e.password, nil
}

// secretRefError is a secretError about a HelmRepository's secretRef.
func secretRefError(sec *corev1.Secret, what string) error {
	return &secretError{fmt.Errorf("secretRef: Secret/%s/%s %s", sec.Namespace, sec.Name, what)}
}

// hostLogin is the login for registry ("host[:port]") as Docker's config
// file gives it, which is how Flux reads a HelmRepository's
// .dockerconfigjson: the entry whose key is the registry, else one whose key
// names it with a scheme or a path; no globs, and the path does not matter.
// Among several, the key that sorts first is taken.
func (l pullLogins) hostLogin(registry string) (registryLogin, bool) {
	var best *registryLogin
	for i := range l {
		e := &l[i]
		hostPort := e.host
		if e.port != "" {
			hostPort = net.JoinHostPort(e.host, e.port)
		}
		switch {
		case e.key == registry:
			return *e, true
		case hostPort == registry && (best == nil || e.key < best.key):
			best = e
		}
	}
	if best == nil {
		return registryLogin{}, false
	}
	return *best, true
}

// ociHost is the registry ("host[:port]") of a HelmRepository's oci:// url.
func ociHost(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "oci" || p.Host == "" {
		return "", fmt.Errorf("%w: url '%s' is not oci://<host>/<path>", errSpec, u)
	}
	return p.Host, nil
}
