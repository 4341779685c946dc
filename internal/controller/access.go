package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// RESTClientErrorReason is Flux's reason for a HelmRelease whose cluster
// access (spec.kubeConfig) cannot be set up.
const RESTClientErrorReason = "RESTClientError"

// StateErrorReason is Flux's reason for a release whose stored state cannot be
// read (a service account without rights to the storage namespace, say).
const StateErrorReason = "StateError"

// KubeConfigReference is spec.kubeConfig: the cluster a HelmRelease's release
// lives in, when it is not the controller's.
type KubeConfigReference struct {
	SecretRef    *SecretKeyReference `json:"secretRef,omitempty"`
	ConfigMapRef *LocalObjectRef     `json:"configMapRef,omitempty"`
}

// SecretKeyReference names a key of a Secret in the HelmRelease's namespace;
// an empty Key means "value", then "value.yaml", as Flux reads them.
type SecretKeyReference struct {
	Name string `json:"name"`
	Key  string `json:"key,omitempty"`
}

// target is the cluster a HelmRelease's release lives in, as the identity the
// release's actions run as.
type target struct {
	// kube acts for the release: installs, upgrades, storage and drift reads.
	kube *kube.Client
	// locks takes the release locks, as the cluster's own identity (the
	// controller, or the user of spec.kubeConfig), so that a service account
	// needs no rights on Leases.
	locks *kube.Client
}

// cluster is the release operations' view of the target for releases stored
// in namespace ns, with the same lease locks the CLI takes.
//
// One reconcile lists the release's records once before it takes the lock
// and once after; the operation's further reads (History, Last, Deployed,
// pruning) are answered from that listing, kept until the operation writes:
// with the lock held, nobody else changes them.
func (t *target) cluster(ns, holder string) *action.Cluster {
	d, memo := storage.NewSecretsMemo(t.kube.CoreV1(), ns, storage.DriverOptions{})
	return &action.Cluster{Server: t.kube, Objects: t.kube, Waits: t.kube, Logs: t.kube,
		Releases: storage.New(d, storage.Options{}),
		Locks:    forgetOnLock{&storage.LeaseLocker{Leases: t.locks.CoordinationV1(), Namespace: ns, Holder: holder}, memo}}
}

// liveReader is the reader of live objects of a cluster made by
// target.cluster: the same client as its objects.
func liveReader(c *action.Cluster) action.LiveReader { return c.Objects.(*kube.Client) }

// errNoKubeConfigSecret marks a spec.kubeConfig whose Secret does not exist.
var errNoKubeConfigSecret = errors.New("not found")

// access makes the targets of HelmReleases and keeps their clients: one per
// cluster and identity, so that each keeps its discovery cache.
type access struct {
	config *rest.Config // the controller's own
	local  *kube.Client // the controller's own client
	reader client.Reader
	opts   AccessOptions

	mu      sync.Mutex
	clients map[string]*kube.Client
}

// maxAccessClients bounds the clients kept; past it they are all made anew.
const maxAccessClients = 64

// impersonated is the user a HelmRelease's actions run as: its service
// account, or the default one, in its namespace; "" for the controller itself.
func (a *access) impersonated(hr *HelmRelease) string {
	name := hr.Spec.ServiceAccountName
	if name == "" {
		name = a.opts.DefaultServiceAccount
	}
	if name == "" {
		return ""
	}
	return "system:serviceaccount:" + hr.Namespace + ":" + name
}

// target sets up where hr's release lives and who acts there.
func (a *access) target(ctx context.Context, hr *HelmRelease) (*target, error) {
	user := a.impersonated(hr)
	kc := hr.Spec.KubeConfig
	if kc == nil {
		if user == "" {
			return &target{kube: a.local, locks: a.local}, nil
		}
		k, err := a.client("local", user, a.config)
		if err != nil {
			return nil, err
		}
		return &target{kube: k, locks: a.local}, nil
	}
	cfg, id, err := a.remoteConfig(ctx, hr)
	if err != nil {
		return nil, err
	}
	base, err := a.client(id, "", cfg)
	if err != nil {
		return nil, err
	}
	t := &target{kube: base, locks: base}
	if user != "" {
		if t.kube, err = a.client(id, user, cfg); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// client is the kept client of a cluster (by id) acting as user ("" for the
// config's own identity), made on first use.
func (a *access) client(id, user string, cfg *rest.Config) (*kube.Client, error) {
	key := id + "\x00" + user
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := a.clients[key]; ok {
		return k, nil
	}
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user}
	k, err := kube.New(c, kube.Options{})
	if err != nil {
		return nil, err
	}
	if a.clients == nil || len(a.clients) >= maxAccessClients {
		a.clients = map[string]*kube.Client{}
	}
	a.clients[key] = k
	return k, nil
}

// remoteConfig reads the kubeconfig of hr's spec.kubeConfig; id identifies
// its content.
func (a *access) remoteConfig(ctx context.Context, hr *HelmRelease) (*rest.Config, string, error) {
	kc := hr.Spec.KubeConfig
	switch {
	case kc.SecretRef != nil && kc.ConfigMapRef != nil, kc.SecretRef == nil && kc.ConfigMapRef == nil:
		return nil, "", fmt.Errorf("%w: exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be set", errSpec)
	case kc.ConfigMapRef != nil:
		return nil, "", fmt.Errorf("%w: spec.kubeConfig.configMapRef (cloud provider access) is not supported by Rudder: give the kubeconfig in spec.kubeConfig.secretRef", errSpec)
	}
	ref := kc.SecretRef
	name := "Secret/" + hr.Namespace + "/" + ref.Name
	var sec corev1.Secret
	if err := a.reader.Get(ctx, types.NamespacedName{Namespace: hr.Namespace, Name: ref.Name}, &sec); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", fmt.Errorf("kubeconfig %s: %w", name, errNoKubeConfigSecret)
		}
		return nil, "", fmt.Errorf("kubeconfig %s: %w", name, err)
	}
	data, err := kubeConfigData(&sec, ref.Key)
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig %s: %w", name, err)
	}
	cfg, err := a.sanitize(data)
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	return cfg, hex.EncodeToString(sum[:]), nil
}

// kubeConfigData is the kubeconfig in a Secret: under key, or (key "") under
// "value", then "value.yaml".
func kubeConfigData(sec *corev1.Secret, key string) ([]byte, error) {
	if key != "" {
		if len(sec.Data[key]) == 0 {
			return nil, fmt.Errorf("no key '%s' with data", key)
		}
		return sec.Data[key], nil
	}
	for _, k := range []string{"value", "value.yaml"} {
		if len(sec.Data[k]) > 0 {
			return sec.Data[k], nil
		}
	}
	return nil, errors.New("no key 'value' or 'value.yaml' with data")
}

// sanitize turns a kubeconfig into a client configuration that depends on
// nothing of the controller's: no files from its disk, no credential plugins
// or skipped TLS verification unless allowed. Flux drops what it does not
// allow; Rudder refuses it, saying what.
func (a *access) sanitize(data []byte) (*rest.Config, error) {
	raw, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("not a usable kubeconfig: %w", err)
	}
	if err := a.allowed(raw); err != nil {
		return nil, err
	}
	in, err := clientcmd.NewDefaultClientConfig(*raw, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("not a usable kubeconfig: %w", err)
	}
	if in.Host == "" {
		return nil, errors.New("it names no server")
	}
	out := &rest.Config{Host: in.Host, APIPath: in.APIPath, DisableCompression: in.DisableCompression,
		Username: in.Username, Password: in.Password, BearerToken: in.BearerToken, Proxy: in.Proxy,
		TLSClientConfig: rest.TLSClientConfig{ServerName: in.ServerName, CAData: in.CAData, CertData: in.CertData, KeyData: in.KeyData,
			Insecure: in.Insecure},
		UserAgent: "rudder-controller"}
	if a.opts.InsecureKubeConfigExec {
		out.ExecProvider, out.AuthProvider = in.ExecProvider, in.AuthProvider
	}
	return out, nil
}

// allowed checks the current context of a kubeconfig before anything of it is
// used: files are refused, plugins and skipped verification unless allowed.
func (a *access) allowed(raw *clientcmdapi.Config) error {
	cur, ok := raw.Contexts[raw.CurrentContext]
	if !ok {
		return fmt.Errorf("not a usable kubeconfig: its current context %q is not defined", raw.CurrentContext)
	}
	cl, user := raw.Clusters[cur.Cluster], raw.AuthInfos[cur.AuthInfo]
	if cl == nil {
		return fmt.Errorf("not a usable kubeconfig: cluster %q of context %q is not defined", cur.Cluster, raw.CurrentContext)
	}
	if user == nil {
		user = &clientcmdapi.AuthInfo{}
	}
	for _, f := range []struct{ field, path string }{{"certificate-authority", cl.CertificateAuthority},
		{"client-certificate", user.ClientCertificate}, {"client-key", user.ClientKey}, {"tokenFile", user.TokenFile}} {
		if f.path != "" {
			return fmt.Errorf("%s reads a file (%s) from the controller's disk: give its data inline", f.field, f.path)
		}
	}
	if (user.Exec != nil || user.AuthProvider != nil) && !a.opts.InsecureKubeConfigExec {
		return errors.New("its user runs a credential plugin, which the controller does not allow (--insecure-kubeconfig-exec)")
	}
	if cl.InsecureSkipTLSVerify && !a.opts.InsecureKubeConfigTLS {
		return errors.New("it turns off TLS verification, which the controller does not allow (--insecure-kubeconfig-tls)")
	}
	return nil
}

// serviceAccountGone tells whether hr impersonates a service account of its
// own cluster that no longer exists (its namespace being deleted, say): then,
// as in Flux, its release is not uninstalled.
func (a *access) serviceAccountGone(ctx context.Context, hr *HelmRelease) (bool, error) {
	user := a.impersonated(hr)
	if user == "" || hr.Spec.KubeConfig != nil {
		return false, nil
	}
	name := hr.Spec.ServiceAccountName
	if name == "" {
		name = a.opts.DefaultServiceAccount
	}
	var sa corev1.ServiceAccount
	err := a.reader.Get(ctx, types.NamespacedName{Namespace: hr.Namespace, Name: name}, &sa)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("ServiceAccount/%s/%s: %w", hr.Namespace, name, err)
	}
	return false, nil
}

// uninstallTarget is the cluster a deleted HelmRelease's release is
// uninstalled from. skip says there is no way to reach it any more (its
// kubeconfig Secret or its service account is gone, as when its namespace is
// being deleted), or it was never reached: then, as in Flux, the release is
// left alone.
func (r *releaseReconciler) uninstallTarget(ctx context.Context, hr *HelmRelease, names releaseNameSet) (cluster *action.Cluster, skip bool, err error) {
	log := ctrl.LoggerFrom(ctx)
	gone, err := r.access.serviceAccountGone(ctx, hr)
	if err != nil {
		return nil, false, err
	}
	if gone {
		log.Info("release not uninstalled: the service account it runs as is gone", "release", names.String(0), "user", r.access.impersonated(hr))
		return nil, true, nil
	}
	tgt, err := r.access.target(ctx, hr)
	if errors.Is(err, errNoKubeConfigSecret) || (err != nil && hr.Status.StorageNamespace == "") {
		// The Secret is gone, or the release was never reached.
		log.Info("release not uninstalled: "+err.Error(), "release", names.String(0))
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return tgt.cluster(names.storage, r.holder), false, nil
}
