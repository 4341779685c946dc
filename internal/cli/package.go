package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rudderpm/rudder/internal/action"
)

const packageLong = `Package chart folders into versioned chart archives (<name>-<version>.tgz), the
files chart repositories and registries serve.

Each CHART_PATH must be a folder with a Chart.yaml. Files matched by the chart's
.helmignore are left out, and every dependency declared in Chart.yaml must be
present in charts/.

Rudder's archives are reproducible: the same chart gives the same bytes whatever
the files' times, permissions, owners or creation order. Every member is dated
SOURCE_DATE_EPOCH when that is set (which, as with Helm, also becomes the generated
time of Chart.lock), and 1970-01-01T00:00:00Z otherwise.

--sign writes a provenance file (<archive>.prov) beside the archive, signed with
the key named by --key from the secret keyring --keyring:

    rudder package --sign --key 'Jane Doe' --keyring ~/.gnupg/secring.gpg mychart

An encrypted key's passphrase is read from --passphrase-file ("-" for standard
input) or asked for on the terminal. --dependency-update runs 'dependency
update' on each chart first.
`

func (a *app) newPackageCmd() *cobra.Command {
	var (
		pkg            action.Package
		sign           bool
		key            string
		keyring        string
		passphraseFile string
		depUpdate      bool
		repo           chartPathOptions
	)
	cmd := &cobra.Command{
		Use:   "package [CHART_PATH] [...]",
		Short: "package a chart directory into a chart archive",
		Long:  packageLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("need at least one argument, the path to the chart")
			}
			epoch, err := sourceDateEpoch(a.streams.Getenv("SOURCE_DATE_EPOCH"))
			if err != nil {
				return err
			}
			pkg.SourceDateEpoch, pkg.Warnings = epoch, a.warn
			if sign {
				switch {
				case key == "":
					return errors.New("--key is required for signing a package")
				case keyring == "":
					return errors.New("--keyring is required for signing a package")
				}
			}
			signer := action.Sign{Keyring: keyring, Key: key, Passphrase: a.passphrase(passphraseFile), Warnings: a.warn}
			deps := action.Dependencies{Keyring: keyring, SourceDateEpoch: epoch, Warnings: a.warn}
			if depUpdate {
				if deps.Source, err = a.chartSource(&repo); err != nil {
					return fmt.Errorf("missing registry client: %w", err)
				}
			}
			for _, arg := range args {
				dir, err := filepath.Abs(arg)
				if err != nil {
					return err
				}
				if _, err := os.Stat(arg); err != nil {
					return err
				}
				if depUpdate {
					if err := deps.Update(cmd.Context(), dir); err != nil {
						return err
					}
				}
				saved, err := pkg.Run(cmd.Context(), dir)
				if err != nil {
					return err
				}
				if sign {
					if _, err := signer.Run(cmd.Context(), saved); err != nil {
						return err
					}
				}
				fmt.Fprintf(a.streams.Out, "Successfully packaged chart and saved it to: %s\n", saved)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&sign, "sign", false, "use a PGP private key to sign this package")
	f.StringVar(&key, "key", "", "name of the key to use when signing. Used if --sign is true")
	f.StringVar(&keyring, "keyring", defaultKeyring(a.settings), "location of a public keyring")
	f.StringVar(&passphraseFile, "passphrase-file", "", `location of a file which contains the passphrase for the signing key. Use "-" in order to read from stdin.`)
	f.StringVar(&pkg.Version, "version", "", "set the version on the chart to this semver version")
	f.StringVar(&pkg.AppVersion, "app-version", "", "set the appVersion on the chart to this version")
	f.StringVarP(&pkg.Destination, "destination", "d", ".", "location to write the chart.")
	f.BoolVarP(&depUpdate, "dependency-update", "u", false, `update dependencies from "Chart.yaml" to dir "charts/" before packaging`)
	// Only used to fetch dependencies with --dependency-update.
	f.StringVar(&repo.Username, "username", "", "chart repository username where to locate the requested chart")
	f.StringVar(&repo.Password, "password", "", "chart repository password where to locate the requested chart")
	f.StringVar(&repo.CertFile, "cert-file", "", "identify HTTPS client using this SSL certificate file")
	f.StringVar(&repo.KeyFile, "key-file", "", "identify HTTPS client using this SSL key file")
	f.BoolVar(&repo.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the chart download")
	f.BoolVar(&repo.PlainHTTP, "plain-http", false, "use insecure HTTP connections for the chart download")
	f.StringVar(&repo.CaFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	return cmd
}

// passphrase returns how the signing key's passphrase is read: from file (its
// first line; "-" is standard input), or asked for on the terminal when file is
// "". A passphrase read from a file is read once for all the charts signed.
func (a *app) passphrase(file string) func(name string) ([]byte, error) {
	var cached []byte
	return func(name string) ([]byte, error) {
		if cached != nil {
			return cached, nil
		}
		var r io.Reader
		switch file {
		case "":
			p, err := a.readSecret(fmt.Sprintf("Password for key %q >  ", name), "passphrase")
			return []byte(p), err
		case "-":
			if f, ok := a.streams.In.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
				return nil, errors.New("specified reading passphrase from stdin, without input on stdin")
			}
			r = a.streams.In
		default:
			f, err := os.Open(file)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			r = f
		}
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		cached = []byte(strings.TrimRight(line, "\r\n"))
		return cached, nil
	}
}

// sourceDateEpoch parses SOURCE_DATE_EPOCH (seconds since the Unix epoch) as Helm
// does; empty means unset.
func sourceDateEpoch(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid SOURCE_DATE_EPOCH: %w", err)
	}
	if secs < 0 {
		return nil, errors.New("invalid SOURCE_DATE_EPOCH: must not be negative")
	}
	t := time.Unix(secs, 0).UTC()
	return &t, nil
}
