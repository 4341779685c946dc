package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/repo/server"
)

const serveLong = `Serve a chart repository from a folder of chart archives, in the manner of
ChartMuseum: index.yaml, the archives and their provenance files are served over
HTTP, and charts can be uploaded and deleted through a small API:

    GET    /index.yaml                      the repository index
    GET    /charts/<name>-<version>.tgz     a chart archive (and .tgz.prov)
    GET    /api/charts[/<name>[/<version>]] the index entries as JSON
    POST   /api/charts[?force]              upload a chart: the archive as the body,
                                            or a multipart form with the parts
                                            "chart" and "prov"
    POST   /api/prov                        upload a provenance file alone
    DELETE /api/charts/<name>/<version>     delete a chart version
    GET    /health                          liveness

An upload of a version the repository has is refused (409 Conflict) unless
'?force' is given or the server runs with --allow-overwrite. The index is kept
up to date as charts come and go, and is reconciled with the folder at start, so
a crash never leaves it broken.

With --username and --password (or RUDDER_SERVE_PASSWORD) every request needs
basic auth, reads too unless --anonymous-get. With --tls-cert and --tls-key the
server speaks HTTPS.

Examples:

    $ rudder serve --storage-dir ./charts --listen 127.0.0.1:8879
    $ rudder repo add local http://127.0.0.1:8879
    $ curl --data-binary @mychart-0.1.0.tgz http://127.0.0.1:8879/api/charts
`

func (a *app) newServeCmd() *cobra.Command {
	var (
		o               server.Options
		listen          string
		tlsCert, tlsKey string
		maxUploadMiB    int64
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "serve a chart repository from a folder",
		Long:  serveLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.StorageDir == "" {
				return errors.New("--storage-dir is required")
			}
			if (tlsCert == "") != (tlsKey == "") {
				return errors.New("--tls-cert and --tls-key go together")
			}
			if o.Password == "" {
				o.Password = a.streams.Getenv("RUDDER_SERVE_PASSWORD")
			}
			if (o.Username == "") != (o.Password == "") {
				return errors.New("basic auth needs both --username and --password (or RUDDER_SERVE_PASSWORD)")
			}
			if maxUploadMiB < 0 {
				return errors.New("--max-upload-size must not be negative")
			}
			o.MaxUploadSize = maxUploadMiB << 20
			ctx := cmd.Context()
			h, err := server.New(ctx, o)
			if err != nil {
				return err
			}
			defer h.Close()
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			scheme := "http"
			if tlsCert != "" {
				cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return fmt.Errorf("TLS certificate: %w", err)
				}
				srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
				scheme = "https"
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			// A signal lets uploads in flight finish (see below) before the process exits.
			defer a.cleanup.hold()()
			fmt.Fprintf(a.streams.Out, "Serving %s on %s://%s/\n", o.StorageDir, scheme, ln.Addr())
			done := make(chan error, 1)
			go func() {
				if scheme == "https" {
					done <- srv.ServeTLS(ln, "", "")
				} else {
					done <- srv.Serve(ln)
				}
			}()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
			}
			// Let uploads in flight finish, within reason.
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return err
			}
			<-done
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.StorageDir, "storage-dir", "", "folder holding the chart archives and index.yaml (created if missing)")
	f.StringVar(&listen, "listen", "127.0.0.1:8879", "address to listen on, HOST:PORT (port 0 picks a free one)")
	f.StringVar(&o.BaseURL, "url", "", "absolute URL of the repository, to write absolute chart URLs in index.yaml (relative by default)")
	f.StringVar(&o.Username, "username", "", "require basic auth with this user name")
	f.StringVar(&o.Password, "password", "", "require basic auth with this password (RUDDER_SERVE_PASSWORD keeps it off the command line)")
	f.BoolVar(&o.AnonymousGet, "anonymous-get", false, "with basic auth, let reads (GET and HEAD) through without credentials")
	f.StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this certificate file (PEM)")
	f.StringVar(&tlsKey, "tls-key", "", "the private key of --tls-cert (PEM)")
	f.BoolVar(&o.AllowOverwrite, "allow-overwrite", false, "let uploads replace existing chart versions without '?force'")
	f.Int64Var(&maxUploadMiB, "max-upload-size", server.DefaultMaxUploadSize>>20, "largest upload accepted, in MiB")
	return cmd
}
