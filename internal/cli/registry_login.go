package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

const registryLoginLong = `Authenticate to a registry and store the credentials.

HOST is the registry's host name, with a port when it is not the default
(registry.example.com, 127.0.0.1:5000). The credentials are checked against
the registry before they are stored.

Give the password on standard input rather than on the command line:

    echo "$TOKEN" | rudder registry login ghcr.io -u "$USER" --password-stdin

Without --password or --password-stdin, the username and password are asked
for on the terminal.
`

func (a *app) newRegistryLoginCmd() *cobra.Command {
	var (
		o        chartPathOptions
		stdinPwd bool
	)
	cmd := &cobra.Command{
		Use:   "login [host]",
		Short: "login to a registry",
		Long:  registryLoginLong,
		Args:  minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host := args[0]
			username, password, err := a.loginCredentials(o.Username, o.Password, stdinPwd)
			if err != nil {
				return err
			}
			if strings.Contains(host, "/") {
				suggested, _, _ := strings.Cut(host, "/")
				a.log.Warn("registry login currently only supports registry hostname, not a repository path",
					"host", host, "suggested", suggested)
			}
			// Stored logins must not stand in for the ones being checked.
			login := chartPathOptions{PlainHTTP: o.PlainHTTP, InsecureSkipTLSVerify: o.InsecureSkipTLSVerify,
				CertFile: o.CertFile, KeyFile: o.KeyFile, CaFile: o.CaFile}
			reg, err := a.registryClient(&login)
			if err != nil {
				return err
			}
			if err := reg.Login(cmd.Context(), host, username, password); err != nil {
				return err
			}
			fmt.Fprintln(a.streams.Out, "Login Succeeded")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Username, "username", "u", "", "registry username")
	f.StringVarP(&o.Password, "password", "p", "", "registry password or identity token")
	f.BoolVar(&stdinPwd, "password-stdin", false, "read password or identity token from stdin")
	f.BoolVar(&o.InsecureSkipTLSVerify, "insecure", false, "allow connections to TLS registry without certs")
	f.StringVar(&o.CertFile, "cert-file", "", "identify registry client using this SSL certificate file")
	f.StringVar(&o.KeyFile, "key-file", "", "identify registry client using this SSL key file")
	f.StringVar(&o.CaFile, "ca-file", "", "verify certificates of HTTPS-enabled servers using this CA bundle")
	f.BoolVar(&o.PlainHTTP, "plain-http", false, "use insecure HTTP connections for the chart upload")
	return cmd
}

// loginCredentials settles the username and password of a login as Helm does:
// the password from standard input when asked, else from the flag (with a
// warning), else both asked for on the terminal. An empty username means the
// password is an identity token.
func (a *app) loginCredentials(username, password string, fromStdin bool) (string, string, error) {
	switch {
	case fromStdin:
		b, err := io.ReadAll(a.streams.In)
		if err != nil {
			return "", "", err
		}
		p := strings.TrimSuffix(string(b), "\n")
		return username, strings.TrimSuffix(p, "\r"), nil
	case password != "":
		a.log.Warn("using --password via the CLI is insecure. Use --password-stdin")
		return username, password, nil
	}
	in := bufio.NewReader(a.streams.In)
	if username == "" {
		fmt.Fprint(a.streams.Out, "Username: ")
		line, err := in.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			return "", "", fmt.Errorf("reading the username: %w", err)
		}
		username = strings.TrimSpace(line)
	}
	what := "Password"
	if username == "" {
		what = "Token"
	}
	password, err := a.readSecret(what+": ", strings.ToLower(what))
	if err != nil {
		return "", "", err
	}
	if password == "" {
		return "", "", fmt.Errorf("%s required", strings.ToLower(what))
	}
	return username, password, nil
}

// readSecret asks for a secret (what names it in errors) on the terminal
// without echoing it.
func (a *app) readSecret(prompt, what string) (string, error) {
	f, ok := a.streams.In.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("cannot ask for the %s: standard input is not a terminal", what)
	}
	fmt.Fprint(a.streams.Out, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.streams.Out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
