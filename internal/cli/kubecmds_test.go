package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/jsonpath"

	"github.com/rudderpm/rudder/internal/testenv"
)

// The cluster scripts' own commands read and prepare the cluster with client-go,
// so that the scripts need no kubectl. Namespaced objects are looked for in
// $NAMESPACE unless -n says otherwise.
//
//	kget [-n NS] RESOURCE NAME [JSONPATH]   print the object as JSON, or the JSONPath
//	                                        template's result; with !, want it absent
//	kget [-n NS] RESOURCE -l=SEL [JSONPATH] the same for the list of the objects the
//	                                        label selector matches; with !, want none
//	kwait [-n NS] RESOURCE NAME|-l=SEL     wait (30s at most) until the object exists,
//	                                        or the selector matches; with !, until none
//	kapply FILE                             apply the objects of a YAML file
//	                                        (server-side, field manager "kapply")
//	kdelete [-n NS] RESOURCE NAME           delete an object (foreground, waited for)
//	ktoken NS SERVICEACCOUNT VAR            a token of the ServiceAccount into $VAR
//	kconfig server VAR                      the API server's URL into $VAR
//	kconfig ca FILE                         write the API server's CA certificates
//	kconfig split CLUSTERS CONTEXTS         the admin kubeconfig split in two files:
//	                                        cluster and user "lc" in CLUSTERS; contexts
//	                                        "lc-here" ($NAMESPACE) and "lc-elsewhere"
//	                                        (a namespace that does not exist, current)
//	                                        in CONTEXTS
//
// RESOURCE is what kubectl takes: a kind, a plural or a short name (cm,
// deploy, widgets.example.com).
func clusterCmds(env *testenv.Env) map[string]func(*testscript.TestScript, bool, []string) {
	k := kubeCmds{env: env}
	return map[string]func(*testscript.TestScript, bool, []string){
		"sleep":   sleepCmd,
		"kget":    k.get,
		"kwait":   k.wait,
		"kapply":  k.apply,
		"kdelete": k.delete,
		"ktoken":  k.token,
		"kconfig": k.config,
		"agekey":  ageKeyCmd, "sealsecret": sealSecretCmd, "nosecret": noSecretCmd,
	}
}

type kubeCmds struct{ env *testenv.Env }

func kubeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// mapper resolves resources afresh, so that it knows CRDs a script just installed.
func (k kubeCmds) mapper() (meta.RESTMapper, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(k.env.RESTConfig())
	if err != nil {
		return nil, err
	}
	cached := memory.NewMemCacheClient(dc)
	return restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(cached), cached, nil), nil
}

// resource finds the client of RESOURCE in namespace ns (ignored when cluster-wide).
func (k kubeCmds) resource(res, ns string) (dynamic.ResourceInterface, error) {
	m, err := k.mapper()
	if err != nil {
		return nil, err
	}
	gvk, err := m.KindFor(schema.ParseGroupResource(res).WithVersion(""))
	if err != nil {
		return nil, fmt.Errorf("resource %q: %w", res, err)
	}
	mapping, err := m.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if mapping.Scope.Name() == meta.RESTScopeNameRoot {
		return k.env.Dynamic().Resource(mapping.Resource), nil
	}
	return k.env.Dynamic().Resource(mapping.Resource).Namespace(ns), nil
}

// namespaceFlag takes a leading "-n NS" off args; the default is $NAMESPACE.
func namespaceFlag(ts *testscript.TestScript, args []string) (string, []string) {
	if len(args) >= 2 && args[0] == "-n" {
		return args[1], args[2:]
	}
	return ts.Getenv("NAMESPACE"), args
}

func (k kubeCmds) get(ts *testscript.TestScript, neg bool, args []string) {
	ns, args := namespaceFlag(ts, args)
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: kget [-n NS] RESOURCE NAME|-l=SELECTOR [JSONPATH]")
	}
	ri, err := k.resource(args[0], ns)
	ts.Check(err)
	ctx, cancel := kubeContext()
	defer cancel()
	var obj *unstructured.Unstructured
	if sel, ok := strings.CutPrefix(args[1], "-l="); ok {
		list, err := ri.List(ctx, metav1.ListOptions{LabelSelector: sel})
		ts.Check(err)
		if neg != (len(list.Items) == 0) {
			ts.Fatalf("%s -l=%s: %d found", args[0], sel, len(list.Items))
		}
		obj = &unstructured.Unstructured{Object: list.UnstructuredContent()}
	} else {
		var err error
		obj, err = ri.Get(ctx, args[1], metav1.GetOptions{})
		if neg {
			if !apierrors.IsNotFound(err) {
				ts.Fatalf("%s %s: want it absent, got %v", args[0], args[1], err)
			}
			return
		}
		ts.Check(err)
	}
	if neg {
		return
	}
	var out bytes.Buffer
	if len(args) == 3 {
		jp := jsonpath.New("kget").AllowMissingKeys(true) // a missing field prints as ""
		ts.Check(jp.Parse(args[2]))
		ts.Check(jp.Execute(&out, obj.Object))
		out.WriteByte('\n')
	} else {
		b, err := json.MarshalIndent(obj.Object, "", "  ")
		ts.Check(err)
		out.Write(append(b, '\n'))
	}
	_, _ = ts.Stdout().Write(out.Bytes())
}

func (k kubeCmds) wait(ts *testscript.TestScript, neg bool, args []string) {
	ns, args := namespaceFlag(ts, args)
	if len(args) != 2 {
		ts.Fatalf("usage: kwait [-n NS] RESOURCE NAME|-l=SELECTOR")
	}
	ri, err := k.resource(args[0], ns)
	ts.Check(err)
	ctx, cancel := kubeContext()
	defer cancel()
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if sel, ok := strings.CutPrefix(args[1], "-l="); ok {
			list, err := ri.List(ctx, metav1.ListOptions{LabelSelector: sel})
			return err == nil && neg == (len(list.Items) == 0), err
		}
		_, err := ri.Get(ctx, args[1], metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return neg, nil
		}
		return err == nil && !neg, err
	})
	if err != nil {
		ts.Fatalf("kwait %s %s (absent: %t): %v", args[0], args[1], neg, err)
	}
}

func (k kubeCmds) apply(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: kapply FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	ctx, cancel := kubeContext()
	defer cancel()
	for {
		var obj unstructured.Unstructured
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return
		}
		ts.Check(err)
		if len(obj.Object) == 0 {
			continue
		}
		ns := obj.GetNamespace()
		if ns == "" {
			ns = ts.Getenv("NAMESPACE")
		}
		gvk := obj.GroupVersionKind()
		m, err := k.mapper()
		ts.Check(err)
		mapping, err := m.RESTMapping(gvk.GroupKind(), gvk.Version)
		ts.Check(err)
		ri := dynamic.ResourceInterface(k.env.Dynamic().Resource(mapping.Resource))
		if mapping.Scope.Name() != meta.RESTScopeNameRoot {
			ri = k.env.Dynamic().Resource(mapping.Resource).Namespace(ns)
		}
		_, err = ri.Apply(ctx, obj.GetName(), &obj, metav1.ApplyOptions{FieldManager: "kapply", Force: true})
		ts.Check(err)
	}
}

func (k kubeCmds) delete(ts *testscript.TestScript, neg bool, args []string) {
	ns, args := namespaceFlag(ts, args)
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kdelete [-n NS] RESOURCE NAME")
	}
	ri, err := k.resource(args[0], ns)
	ts.Check(err)
	ctx, cancel := kubeContext()
	defer cancel()
	fg := metav1.DeletePropagationForeground
	ts.Check(ri.Delete(ctx, args[1], metav1.DeleteOptions{PropagationPolicy: &fg}))
}

func (k kubeCmds) token(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: ktoken NS SERVICEACCOUNT VAR")
	}
	ctx, cancel := kubeContext()
	defer cancel()
	secs := int64(600)
	tr, err := k.env.Clientset().CoreV1().ServiceAccounts(args[0]).CreateToken(ctx, args[1],
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &secs}}, metav1.CreateOptions{})
	ts.Check(err)
	ts.Setenv(args[2], tr.Status.Token)
}

func (k kubeCmds) config(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: kconfig server VAR | kconfig ca FILE | kconfig split CLUSTERS CONTEXTS")
	}
	cfg := k.env.RESTConfig()
	switch {
	case args[0] == "server" && len(args) == 2:
		ts.Setenv(args[1], cfg.Host)
	case args[0] == "ca" && len(args) == 2:
		ca := cfg.CAData
		if len(ca) == 0 && cfg.CAFile != "" {
			var err error
			ca, err = os.ReadFile(cfg.CAFile)
			ts.Check(err)
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), ca, 0o644))
	case args[0] == "split" && len(args) == 3:
		k.split(ts, args[1], args[2])
	default:
		ts.Fatalf("usage: kconfig server VAR | kconfig ca FILE | kconfig split CLUSTERS CONTEXTS")
	}
}

func (k kubeCmds) split(ts *testscript.TestScript, clustersFile, contextsFile string) {
	admin, err := clientcmd.LoadFromFile(k.env.Kubeconfig())
	ts.Check(err)
	cur := admin.Contexts[admin.CurrentContext]
	if cur == nil {
		ts.Fatalf("kubeconfig %s: no current context", k.env.Kubeconfig())
	}
	clusters := clientcmdapi.NewConfig()
	clusters.Clusters["lc"] = admin.Clusters[cur.Cluster]
	clusters.AuthInfos["lc"] = admin.AuthInfos[cur.AuthInfo]
	ts.Check(clientcmd.WriteToFile(*clusters, ts.MkAbs(clustersFile)))

	contexts := clientcmdapi.NewConfig()
	ns := ts.Getenv("NAMESPACE")
	contexts.Contexts["lc-here"] = &clientcmdapi.Context{Cluster: "lc", AuthInfo: "lc", Namespace: ns}
	contexts.Contexts["lc-elsewhere"] = &clientcmdapi.Context{Cluster: "lc", AuthInfo: "lc", Namespace: ns + "-elsewhere"}
	contexts.CurrentContext = "lc-elsewhere"
	ts.Check(clientcmd.WriteToFile(*contexts, ts.MkAbs(contextsFile)))
}
