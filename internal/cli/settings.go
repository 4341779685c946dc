package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rudderpm/rudder/internal/chart"
)

// settings are the global options: Helm's environment variables, overridden by the
// global flags. Field names follow Helm's.
type settings struct {
	getenv func(string) string

	namespace                 string
	KubeConfig                string
	KubeContext               string
	KubeToken                 string
	KubeAsUser                string
	KubeAsGroups              []string
	KubeAPIServer             string
	KubeCaFile                string
	KubeTLSServerName         string
	KubeInsecureSkipTLSVerify bool
	Debug                     bool
	// Progress shows --wait's progress on stderr when it is not a terminal
	// (the commands' --progress flag; on a terminal it is always shown).
	Progress         bool
	RegistryConfig   string
	RepositoryConfig string
	RepositoryCache  string
	ContentCache     string
	PluginsDirectory string
	MaxHistory       int
	BurstLimit       int
	QPS              float32
	ColorMode        string
}

func newSettings(getenv func(string) string) *settings {
	s := &settings{getenv: getenv}
	s.namespace = getenv("HELM_NAMESPACE")
	s.KubeConfig = getenv("KUBECONFIG")
	s.KubeContext = getenv("HELM_KUBECONTEXT")
	s.KubeToken = getenv("HELM_KUBETOKEN")
	s.KubeAsUser = getenv("HELM_KUBEASUSER")
	if g := strings.Trim(getenv("HELM_KUBEASGROUPS"), ", "); g != "" {
		s.KubeAsGroups = strings.Split(g, ",")
	}
	s.KubeAPIServer = getenv("HELM_KUBEAPISERVER")
	s.KubeCaFile = getenv("HELM_KUBECAFILE")
	s.KubeTLSServerName = getenv("HELM_KUBETLS_SERVER_NAME")
	s.KubeInsecureSkipTLSVerify = s.envBool("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", false)
	s.Debug = s.envBool("HELM_DEBUG", false)
	s.PluginsDirectory = s.envOr("HELM_PLUGINS", s.dataPath("plugins"))
	s.RegistryConfig = s.envOr("HELM_REGISTRY_CONFIG", s.configPath("registry", "config.json"))
	s.RepositoryConfig = s.envOr("HELM_REPOSITORY_CONFIG", s.configPath("repositories.yaml"))
	s.RepositoryCache = s.envOr("HELM_REPOSITORY_CACHE", s.cachePath("repository"))
	s.ContentCache = s.envOr("HELM_CONTENT_CACHE", s.cachePath("content"))
	s.MaxHistory = s.envInt("HELM_MAX_HISTORY", 10)
	s.BurstLimit = s.envInt("HELM_BURST_LIMIT", 100)
	if q, err := strconv.ParseFloat(getenv("HELM_QPS"), 32); err == nil {
		s.QPS = float32(q)
	}
	s.ColorMode = "auto"
	if getenv("NO_COLOR") != "" {
		s.ColorMode = "never"
	} else if c := strings.ToLower(getenv("HELM_COLOR")); c == "never" || c == "auto" || c == "always" {
		s.ColorMode = c
	}
	return s
}

func (s *settings) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&s.namespace, "namespace", "n", s.namespace, "namespace scope for this request")
	fs.StringVar(&s.KubeConfig, "kubeconfig", "", "path to the kubeconfig file")
	fs.StringVar(&s.KubeContext, "kube-context", s.KubeContext, "name of the kubeconfig context to use")
	fs.StringVar(&s.KubeToken, "kube-token", s.KubeToken, "bearer token used for authentication")
	fs.StringVar(&s.KubeAsUser, "kube-as-user", s.KubeAsUser, "username to impersonate for the operation")
	fs.StringArrayVar(&s.KubeAsGroups, "kube-as-group", s.KubeAsGroups, "group to impersonate for the operation, this flag can be repeated to specify multiple groups.")
	fs.StringVar(&s.KubeAPIServer, "kube-apiserver", s.KubeAPIServer, "the address and the port for the Kubernetes API server")
	fs.StringVar(&s.KubeCaFile, "kube-ca-file", s.KubeCaFile, "the certificate authority file for the Kubernetes API server connection")
	fs.StringVar(&s.KubeTLSServerName, "kube-tls-server-name", s.KubeTLSServerName, "server name to use for Kubernetes API server certificate validation. If it is not provided, the hostname used to contact the server is used")
	fs.BoolVar(&s.KubeInsecureSkipTLSVerify, "kube-insecure-skip-tls-verify", s.KubeInsecureSkipTLSVerify, "if true, the Kubernetes API server's certificate will not be checked for validity. This will make your HTTPS connections insecure")
	fs.BoolVar(&s.Debug, "debug", s.Debug, "enable verbose output")
	fs.StringVar(&s.RegistryConfig, "registry-config", s.RegistryConfig, "path to the registry config file")
	fs.StringVar(&s.RepositoryConfig, "repository-config", s.RepositoryConfig, "path to the file containing repository names and URLs")
	fs.StringVar(&s.RepositoryCache, "repository-cache", s.RepositoryCache, "path to the directory containing cached repository indexes")
	fs.StringVar(&s.ContentCache, "content-cache", s.ContentCache, "path to the directory containing cached content (e.g. charts)")
	fs.IntVar(&s.BurstLimit, "burst-limit", s.BurstLimit, "client-side default throttling limit")
	fs.Float32Var(&s.QPS, "qps", s.QPS, "queries per second used when communicating with the Kubernetes API, not including bursting")
	fs.StringVar(&s.ColorMode, "color", s.ColorMode, "use colored output (never, auto, always)")
	fs.StringVar(&s.ColorMode, "colour", s.ColorMode, "use colored output (never, auto, always)")
}

// Namespace is the namespace of the request: the flag or HELM_NAMESPACE, else the
// kubeconfig context's namespace, else "default".
func (s *settings) Namespace() string {
	if s.namespace != "" {
		return s.namespace
	}
	if ns, _, err := s.kubeConfigLoader().Namespace(); err == nil && ns != "" {
		return ns
	}
	return "default"
}

// kubeConfigLoader reads kubeconfig as kubectl does, with the global flags on top.
func (s *settings) kubeConfigLoader() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if s.KubeConfig != "" {
		rules.ExplicitPath = s.KubeConfig
	} else if list := s.getenv("KUBECONFIG"); list != "" {
		// KUBECONFIG may name several files, merged as kubectl merges them.
		rules.Precedence = filepath.SplitList(list)
	}
	// With no kubeconfig, the server is kubectl's default (localhost:8080), as in
	// Helm: a command then fails to reach it rather than on the empty configuration.
	overrides := &clientcmd.ConfigOverrides{CurrentContext: s.KubeContext, ClusterDefaults: clientcmd.ClusterDefaults}
	overrides.Context.Namespace = s.namespace
	overrides.AuthInfo.Token = s.KubeToken
	overrides.AuthInfo.Impersonate = s.KubeAsUser
	overrides.AuthInfo.ImpersonateGroups = s.KubeAsGroups
	overrides.ClusterInfo.Server = s.KubeAPIServer
	overrides.ClusterInfo.CertificateAuthority = s.KubeCaFile
	overrides.ClusterInfo.TLSServerName = s.KubeTLSServerName
	overrides.ClusterInfo.InsecureSkipTLSVerify = s.KubeInsecureSkipTLSVerify
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
}

// envVars are the variables `rudder env` prints, with their effective values.
func (s *settings) envVars(bin string) map[string]string {
	vars := map[string]string{
		"HELM_BIN":                          bin,
		"HELM_CACHE_HOME":                   s.cachePath(),
		"HELM_CONFIG_HOME":                  s.configPath(),
		"HELM_DATA_HOME":                    s.dataPath(),
		"HELM_DEBUG":                        strconv.FormatBool(s.Debug),
		"HELM_PLUGINS":                      s.PluginsDirectory,
		"HELM_REGISTRY_CONFIG":              s.RegistryConfig,
		"HELM_REPOSITORY_CACHE":             s.RepositoryCache,
		"HELM_CONTENT_CACHE":                s.ContentCache,
		"HELM_REPOSITORY_CONFIG":            s.RepositoryConfig,
		"HELM_NAMESPACE":                    s.Namespace(),
		"HELM_MAX_HISTORY":                  strconv.Itoa(s.MaxHistory),
		"HELM_BURST_LIMIT":                  strconv.Itoa(s.BurstLimit),
		"HELM_QPS":                          strconv.FormatFloat(float64(s.QPS), 'f', 2, 32),
		"HELM_KUBECONTEXT":                  s.KubeContext,
		"HELM_KUBETOKEN":                    s.KubeToken,
		"HELM_KUBEASUSER":                   s.KubeAsUser,
		"HELM_KUBEASGROUPS":                 strings.Join(s.KubeAsGroups, ","),
		"HELM_KUBEAPISERVER":                s.KubeAPIServer,
		"HELM_KUBECAFILE":                   s.KubeCaFile,
		"HELM_KUBEINSECURE_SKIP_TLS_VERIFY": strconv.FormatBool(s.KubeInsecureSkipTLSVerify),
		"HELM_KUBETLS_SERVER_NAME":          s.KubeTLSServerName,
	}
	if s.KubeConfig != "" {
		vars["KUBECONFIG"] = s.KubeConfig
	}
	return vars
}

// Helm's per-user directories: HELM_*_HOME, else $XDG_*_HOME/helm, else the XDG default.
func (s *settings) cachePath(elem ...string) string {
	return s.helmPath("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache", elem)
}

func (s *settings) configPath(elem ...string) string {
	return s.helmPath("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config", elem)
}

func (s *settings) dataPath(elem ...string) string {
	return s.helmPath("HELM_DATA_HOME", "XDG_DATA_HOME", filepath.Join(".local", "share"), elem)
}

func (s *settings) helmPath(helmVar, xdgVar, homeDefault string, elem []string) string {
	base := s.getenv(helmVar)
	if base == "" {
		xdg := s.getenv(xdgVar)
		if xdg == "" {
			home := s.getenv("HOME")
			if home == "" {
				home, _ = os.UserHomeDir()
			}
			xdg = filepath.Join(home, homeDefault)
		}
		base = filepath.Join(xdg, "helm")
	}
	return filepath.Join(append([]string{base}, elem...)...)
}

func (s *settings) envOr(name, def string) string {
	if v := s.getenv(name); v != "" {
		return v
	}
	return def
}

func (s *settings) envBool(name string, def bool) bool {
	if b, err := strconv.ParseBool(s.getenv(name)); err == nil {
		return b
	}
	return def
}

// maxChartSizeEnv names the variable that raises (or lowers) the chart size limit.
const maxChartSizeEnv = "RUDDER_MAX_CHART_SIZE"

// envSize reads a size in bytes, with an optional binary suffix (Ki, Mi, Gi):
// "200Mi" is 200 MiB. Unset means def; a size the user set but mistyped is an
// error, not a silent default.
func (s *settings) envSize(name string, def int64) (int64, error) {
	v := strings.TrimSpace(s.getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := parseSize(v)
	if err == nil && n == 0 {
		err = fmt.Errorf("%q is not a positive size", v)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// chartLimits bound what loading one chart may take (RUDDER_MAX_CHART_SIZE).
func (s *settings) chartLimits() (chart.Limits, error) {
	n, err := s.envSize(maxChartSizeEnv, chart.MaxChartSize)
	return chart.Limits{MaxSize: n}, err
}

// parseSize reads "1048576", "512Ki", "200Mi" or "2Gi".
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for suffix, m := range map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (such as 1048576 or 200Mi)", v)
	}
	return n * mult, nil
}

func (s *settings) envInt(name string, def int) int {
	if i, err := strconv.Atoi(s.getenv(name)); err == nil {
		return i
	}
	return def
}
