package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
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

func defaultKeyring(s *settings) string {
	if k := s.getenv("GNUPGHOME"); k != "" {
		return filepath.Join(k, "pubring.gpg")
	}
	home := s.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".gnupg", "pubring.gpg")
}

// locateChart resolves a chart reference to a local path.
func (a *app) locateChart(ref string, c *chartPathOptions) (string, error) {
	ref = strings.TrimSpace(ref)
	if c.RepoURL == "" {
		if _, err := os.Stat(ref); err == nil {
			abs, err := filepath.Abs(ref)
			if err != nil {
				return abs, err
			}
			if c.Verify {
				if err := verifyLocalChart(abs, abs+".prov", c.Keyring); err != nil {
					return "", err
				}
			}
			return abs, nil
		}
		if filepath.IsAbs(ref) || strings.HasPrefix(ref, ".") {
			return ref, fmt.Errorf("path %q not found", ref)
		}
	}
	return "", fmt.Errorf("chart %q: chart repositories are not supported yet; give a chart directory or archive", ref)
}

// verifyLocalChart checks a chart archive against its provenance file, as Helm's
// --verify does for a local chart: folders and files not named .tgz cannot be verified.
func verifyLocalChart(path, provFile, keyring string) error {
	switch fi, err := os.Stat(path); {
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("unpacked charts cannot be verified")
	case !strings.EqualFold(filepath.Ext(path), ".tgz"):
		return errors.New("chart must be a tgz file")
	}
	if _, err := os.Stat(provFile); err != nil {
		return fmt.Errorf("could not load provenance file %s: %w", provFile, err)
	}
	ring, err := provenance.LoadKeyring(keyring)
	if err != nil {
		return fmt.Errorf("failed to load keyring: %w", err)
	}
	archive, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("failed to read chart archive: %w", err)
	}
	prov, err := os.ReadFile(provFile)
	if err != nil {
		return fmt.Errorf("failed to read provenance file: %w", err)
	}
	_, err = provenance.Verify(archive, prov, filepath.Base(path), ring)
	return err
}

// loadChart locates and loads a chart.
func (a *app) loadChart(ref string, c *chartPathOptions) (*chart.Chart, error) {
	p, err := a.locateChart(ref, c)
	if err != nil {
		return nil, err
	}
	return chart.Load(p)
}
