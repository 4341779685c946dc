package controller

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// registryLogin is one entry of a Docker config: where it applies and the
// login.
type registryLogin struct {
	key                string // the entry's key without its scheme: how entries are ordered
	host, port, path   string // from the key; host may hold * globs per label
	username, password string
}

// pullLogins are the logins of image pull Secrets, as Flux's source-controller
// reads them for an OCIRepository (through the kubelet's rules): only Secrets
// of type kubernetes.io/dockerconfigjson (key .dockerconfigjson) or
// kubernetes.io/dockercfg (key .dockercfg) count; other Secrets give no
// login.
type pullLogins []registryLogin

// add reads the logins of sec.
func (l *pullLogins) add(sec *corev1.Secret) error {
	var auths map[string]dockerAuth
	switch {
	case sec.Type == corev1.SecretTypeDockerConfigJson && len(sec.Data[corev1.DockerConfigJsonKey]) > 0:
		var cfg struct {
			Auths map[string]dockerAuth `json:"auths"`
		}
		if err := json.Unmarshal(sec.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
			return fmt.Errorf("Secret/%s/%s: %s: %w", sec.Namespace, sec.Name, corev1.DockerConfigJsonKey, err)
		}
		auths = cfg.Auths
	case sec.Type == corev1.SecretTypeDockercfg && len(sec.Data[corev1.DockerConfigKey]) > 0:
		if err := json.Unmarshal(sec.Data[corev1.DockerConfigKey], &auths); err != nil {
			return fmt.Errorf("Secret/%s/%s: %s: %w", sec.Namespace, sec.Name, corev1.DockerConfigKey, err)
		}
	default:
		return nil
	}
	for key, a := range auths {
		user, pass := a.Username, a.Password
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return fmt.Errorf("Secret/%s/%s: auth of '%s': %w", sec.Namespace, sec.Name, key, err)
			}
			u, p, ok := strings.Cut(string(raw), ":")
			if !ok {
				return fmt.Errorf("Secret/%s/%s: auth of '%s' is not base64 of user:password", sec.Namespace, sec.Name, key)
			}
			user, pass = u, p
		}
		host, port, p, ok := splitLoginKey(key)
		if !ok {
			continue
		}
		k := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
		*l = append(*l, registryLogin{key: k, host: host, port: port, path: p, username: user, password: pass})
	}
	return nil
}

// dockerAuth is an entry of a Docker config's auths.
type dockerAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

// splitLoginKey reads a Docker config key ("host[:port][/path]", with or
// without a scheme).
func splitLoginKey(key string) (host, port, p string, ok bool) {
	s := key
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", "", "", false
	}
	host, port = u.Host, ""
	if h, pt, err := net.SplitHostPort(u.Host); err == nil {
		host, port = h, pt
	}
	return host, port, u.Path, true
}

// lookup is the login for repository ("path/name") on registry
// ("host[:port]"): among the entries whose host (label by label, with *
// globs), port and path prefix match, the one whose key sorts last, as the
// kubelet orders them.
func (l pullLogins) lookup(registry, repository string) (string, string, bool) {
	host, port := registry, ""
	if h, p, err := net.SplitHostPort(registry); err == nil {
		host, port = h, p
	}
	var best *registryLogin
	for i := range l {
		e := &l[i]
		if e.port != port || !hostMatches(e.host, host) || !strings.HasPrefix("/"+repository, e.path) {
			continue
		}
		if best == nil || e.key > best.key {
			best = e
		}
	}
	if best == nil {
		return "", "", false
	}
	return best.username, best.password, true
}

// hostMatches tells whether host matches glob label by label.
func hostMatches(glob, host string) bool {
	g, h := strings.Split(glob, "."), strings.Split(host, ".")
	if len(g) != len(h) {
		return false
	}
	for i := range g {
		if ok, err := path.Match(g[i], h[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

// ociLogins reads the logins an OCIRepository gives: its secretRef and the
// imagePullSecrets of its serviceAccountName, as Flux's source-controller
// does.
func (s *sources) ociLogins(ctx context.Context, o *OCIRepository) (pullLogins, error) {
	var names []string
	if o.Spec.SecretRef != nil {
		names = append(names, o.Spec.SecretRef.Name)
	}
	if o.Spec.ServiceAccountName != "" {
		var sa corev1.ServiceAccount
		if err := s.reader.Get(ctx, types.NamespacedName{Namespace: o.Namespace, Name: o.Spec.ServiceAccountName}, &sa); err != nil {
			return nil, fmt.Errorf("ServiceAccount/%s/%s: %w", o.Namespace, o.Spec.ServiceAccountName, err)
		}
		for _, r := range sa.ImagePullSecrets {
			names = append(names, r.Name)
		}
	}
	var l pullLogins
	for _, name := range names {
		sec, err := s.secret(ctx, o.Namespace, name)
		if err != nil {
			return nil, err
		}
		if err := l.add(sec); err != nil {
			return nil, &secretError{err}
		}
	}
	return l, nil
}
