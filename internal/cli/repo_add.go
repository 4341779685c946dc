package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rudderpm/rudder/internal/repo"
)

// deprecatedRepos are repositories that were deleted for good, and where they moved.
var deprecatedRepos = map[string]string{
	"//kubernetes-charts.storage.googleapis.com":           "https://charts.helm.sh/stable",
	"//kubernetes-charts-incubator.storage.googleapis.com": "https://charts.helm.sh/incubator",
}

func (a *app) newRepoAddCmd() *cobra.Command {
	var (
		e               repo.Entry
		passwordStdin   bool
		force           bool
		allowDeprecated bool
		timeout         time.Duration
	)
	cmd := &cobra.Command{
		Use:   "add [NAME] [URL]",
		Short: "add a chart repository",
		Args:  exactArgs(2),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e.Name, e.URL = args[0], args[1]
			if !allowDeprecated {
				for old, replacement := range deprecatedRepos {
					if strings.Contains(e.URL, old) {
						return fmt.Errorf("repo %q is no longer available; try %q instead", e.URL, replacement)
					}
				}
			}
			if e.Username != "" && e.Password == "" {
				p, err := a.readPassword(passwordStdin)
				if err != nil {
					return err
				}
				e.Password = p
			}
			r := a.repositories()
			r.Timeout = timeout
			res, err := r.Add(cmd.Context(), &e, force)
			if err != nil {
				return err
			}
			if res.Unchanged {
				fmt.Fprintf(a.streams.Out, "%q already exists with the same configuration, skipping\n", e.Name)
				return nil
			}
			a.printIndexWarnings(e.URL, res.Warnings)
			fmt.Fprintf(a.streams.Out, "%q has been added to your repositories\n", e.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&e.Username, "username", "", "chart repository username")
	f.StringVar(&e.Password, "password", "", "chart repository password")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read chart repository password from stdin")
	f.BoolVar(&force, "force-update", false, "replace (overwrite) the repo if it already exists")
	f.StringVar(&e.CertFile, "cert-file", "", "identify HTTPS client using this SSL certificate file")
	f.StringVar(&e.KeyFile, "key-file", "", "identify HTTPS client using this SSL key file")
	f.StringVar(&e.CAFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	f.BoolVar(&e.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip tls certificate checks for the repository")
	f.BoolVar(&allowDeprecated, "allow-deprecated-repos", false, "by default, this command will not allow adding official repos that have been permanently deleted. This disables that behavior")
	f.BoolVar(&e.PassCredentialsAll, "pass-credentials", false, "pass credentials to all domains")
	f.DurationVar(&timeout, "timeout", 120*time.Second, "time to wait for the index file download to complete")
	return cmd
}

// readPassword reads a password from stdin (--password-stdin: all of it, without the
// final line break) or, on a terminal, prompts for it without echo.
func (a *app) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		b, err := io.ReadAll(a.streams.In)
		if err != nil {
			return "", err
		}
		p := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(p, "\r"), nil
	}
	f, ok := a.streams.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("a password is needed: use --password, --password-stdin, or run on a terminal to be prompted")
	}
	fmt.Fprint(a.streams.Out, "Password: ")
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.streams.Out)
	if err != nil {
		return "", err
	}
	return string(p), nil
}
