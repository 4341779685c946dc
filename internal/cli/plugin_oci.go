package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/registry"
)

// pluginRegistryFlags are plugin install's flags for oci:// sources.
type pluginRegistryFlags struct {
	certFile, keyFile, caFile string
	insecureSkipTLSVerify     bool
	plainHTTP                 bool
	username, password        string
}

func (r *pluginRegistryFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.certFile, "cert-file", "", "identify registry client using this SSL certificate file")
	f.StringVar(&r.keyFile, "key-file", "", "identify registry client using this SSL key file")
	f.StringVar(&r.caFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	f.BoolVar(&r.insecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the plugin download")
	f.BoolVar(&r.plainHTTP, "plain-http", false, "use insecure HTTP connections for the plugin download")
	f.StringVar(&r.username, "username", "", "registry username")
	f.StringVar(&r.password, "password", "", "registry password")
}

// options are the registry client's options: the stored logins, then the flags.
func (r *pluginRegistryFlags) options(s *settings) registry.Options {
	return registry.Options{CredentialsFile: s.RegistryConfig, UserAgent: "Helm/4.3.1",
		Username: r.username, Password: r.password, PlainHTTP: r.plainHTTP,
		InsecureSkipTLSVerify: r.insecureSkipTLSVerify, CertFile: r.certFile, KeyFile: r.keyFile, CAFile: r.caFile}
}

// pullPlugin adapts a registry client to the plugin installer.
func pullPlugin(c *registry.Client) func(context.Context, string, string, int64) ([]byte, []byte, error) {
	return func(ctx context.Context, ref, version string, maxSize int64) ([]byte, []byte, error) {
		p, err := c.PullPlugin(ctx, ref, version, maxSize)
		if err != nil {
			return nil, nil, err
		}
		return p.Archive, p.Prov, nil
	}
}
