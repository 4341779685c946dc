package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry"
)

// chartPathOptions are the flags that say where a chart comes from.
type chartPathOptions struct {
	Version               string
	Verify                bool
	Keyring               string
	RepoURL               string
	Username              string
	Password              string
	CertFile              string
	KeyFile               string
	CaFile                string
	InsecureSkipTLSVerify bool
	PlainHTTP             bool
	PassCredentialsAll    bool
	Devel                 bool // --devel, which each command describes in its own words

	// pullReport receives the "Pulled:" and "Digest:" lines of an OCI pull:
	// standard error when nil. Helm prints them on standard output for
	// install and upgrade, on standard error for template and show.
	pullReport io.Writer
	// mapCRDs loads a chart directory's CRD files by mapping them (chart.LoadMapped),
	// for commands that only read the chart and end soon.
	mapCRDs bool
}

func (c *chartPathOptions) addFlags(f *pflag.FlagSet, s *settings) {
	f.StringVar(&c.Version, "version", "", "specify a version constraint for the chart version to use. This constraint can be a specific tag (e.g. 1.1.1) or it may reference a valid range (e.g. ^2.0.0). If this is not specified, the latest version is used")
	f.BoolVar(&c.Verify, "verify", false, "verify the package before using it")
	f.StringVar(&c.Keyring, "keyring", defaultKeyring(s), "location of public keys used for verification")
	f.StringVar(&c.RepoURL, "repo", "", "chart repository url where to locate the requested chart")
	f.StringVar(&c.Username, "username", "", "chart repository username where to locate the requested chart")
	f.StringVar(&c.Password, "password", "", "chart repository password where to locate the requested chart")
	f.StringVar(&c.CertFile, "cert-file", "", "identify HTTPS client using this SSL certificate file")
	f.StringVar(&c.KeyFile, "key-file", "", "identify HTTPS client using this SSL key file")
	f.BoolVar(&c.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the chart download")
	f.BoolVar(&c.PlainHTTP, "plain-http", false, "use insecure HTTP connections for the chart download")
	f.StringVar(&c.CaFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	f.BoolVar(&c.PassCredentialsAll, "pass-credentials", false, "pass credentials to all domains")
}

// defaultKeyring is GnuPG's public keyring as Helm finds it: pubring.gpg in
// $GNUPGHOME (or ~/.gnupg), else pubring.kbx when only that exists.
func defaultKeyring(s *settings) string {
	dir := s.getenv("GNUPGHOME")
	if dir == "" {
		home := s.getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		dir = filepath.Join(home, ".gnupg")
	}
	legacy := filepath.Join(dir, "pubring.gpg")
	if kbx := filepath.Join(dir, "pubring.kbx"); isNotExist(legacy) && !isNotExist(kbx) {
		return kbx
	}
	return legacy
}

func isNotExist(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// request turns the flags into a chart request for ref.
func (c *chartPathOptions) request(ref string) action.ChartRequest {
	return action.ChartRequest{Ref: ref, Version: c.Version, RepoURL: c.RepoURL,
		Username: c.Username, Password: c.Password, PassCredentialsAll: c.PassCredentialsAll,
		CertFile: c.CertFile, KeyFile: c.KeyFile, CAFile: c.CaFile,
		InsecureSkipTLSVerify: c.InsecureSkipTLSVerify, Verify: c.Verify, Keyring: c.Keyring, Devel: c.Devel, MapCRDs: c.mapCRDs}
}

// registryClient returns an OCI client with the stored logins and the flags' TLS
// settings.
func (a *app) registryClient(c *chartPathOptions) (*registry.Client, error) {
	o := registry.Options{CredentialsFile: a.settings.RegistryConfig, UserAgent: "Helm/4.3.1"}
	if c != nil {
		o.Username, o.Password = c.Username, c.Password
		o.PlainHTTP, o.InsecureSkipTLSVerify = c.PlainHTTP, c.InsecureSkipTLSVerify
		o.CertFile, o.KeyFile, o.CAFile = c.CertFile, c.KeyFile, c.CaFile
	}
	return registry.New(o)
}

// chartSource is where charts come from, configured from the settings.
func (a *app) chartSource(c *chartPathOptions) (*action.ChartSource, error) {
	reg, err := a.registryClient(c)
	if err != nil {
		return nil, err
	}
	lim, err := a.settings.chartLimits()
	if err != nil {
		return nil, err
	}
	return &action.ChartSource{RepositoryConfig: a.settings.RepositoryConfig, RepositoryCache: a.settings.RepositoryCache,
		ContentCache: a.settings.ContentCache, Registry: reg, ChartLimits: lim, Schemes: a.schemes()}, nil
}

// reportPull prints the "Pulled:" and "Digest:" lines of a chart pulled from a
// registry.
func (a *app) reportPull(lc *action.LocatedChart, c *chartPathOptions) {
	if lc == nil || lc.OCIRef == "" {
		return
	}
	w := c.pullReport
	if w == nil {
		w = a.streams.Err
	}
	fmt.Fprintf(w, "Pulled: %s\nDigest: %s\n", lc.OCIRef, lc.ManifestDigest)
}

// loadChart locates and loads a chart, downloading it into the content cache, and
// logs what loading warns about.
func (a *app) loadChart(ctx context.Context, ref string, c *chartPathOptions) (*chart.Chart, error) {
	src, err := a.chartSource(c)
	if err != nil {
		return nil, err
	}
	ch, lc, err := src.Load(ctx, c.request(ref))
	a.reportPull(lc, c)
	if ch != nil {
		a.warnAll(ch.LoadWarnings)
	}
	return ch, err
}
