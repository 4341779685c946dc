package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
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
    POST   /api/prov[?force]                upload a provenance file alone
    DELETE /api/charts/<name>/<version>     delete a chart version
    GET    /health                          liveness

Writes (uploads and deletions) need credentials: with --username and
--password (or RUDDER_SERVE_PASSWORD) every request needs basic auth, reads too
unless --anonymous-get. Without credentials the repository is read-only, unless
--allow-anonymous-writes lets anyone who can reach it upload and delete charts.
With --tls-cert and --tls-key the server speaks HTTPS. Listening beyond this
machine without TLS or without credentials is warned about.

An upload of a version the repository has is refused (409 Conflict) unless
'?force' is given or the server runs with --allow-overwrite; so is a provenance
file for an archive that has one. Uploads are bounded: in size
(--max-upload-size), in time (the body must arrive within --upload-timeout),
in number (at most --max-concurrent-uploads are received at once, more are
refused with 503), in metadata (a description of 8 KiB, a Chart.yaml and an
index entry of --max-metadata-size) and once decompressed, subcharts included
(RUDDER_MAX_CHART_SIZE, 100Mi by default). A chart's name must be a plain file
name (letters, digits, '.', '_' and '-', starting with a letter or digit, 128
characters at most), and two charts may not share an archive file name
(a@1-2.0.0 and a-1@2.0.0 are both a-1-2.0.0.tgz). A provenance file must sign
an archive the repository has, with its digest.

The index is kept up to date as charts come and go, and is reconciled with the
folder at start, so a crash never leaves it broken.

Examples:

    $ RUDDER_SERVE_PASSWORD=s3cret rudder serve --storage-dir ./charts --username ci
    $ rudder repo add local http://127.0.0.1:8879 --username ci --password s3cret
    $ curl -u ci:s3cret --data-binary @mychart-0.1.0.tgz http://127.0.0.1:8879/api/charts

    $ rudder serve --storage-dir ./charts --allow-anonymous-writes   # loopback, for tests
`

func (a *app) newServeCmd() *cobra.Command {
	var (
		o               server.Options
		listen          string
		tlsCert, tlsKey string
		maxUploadMiB    int64
		maxMetadataKiB  int64
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
			if o.Username != "" && o.AllowAnonymousWrites {
				return errors.New("--allow-anonymous-writes is for a server without --username and --password")
			}
			if maxUploadMiB < 0 || maxMetadataKiB < 0 || o.MaxConcurrentUploads < 0 || o.UploadTimeout < 0 {
				return errors.New("--max-upload-size, --max-metadata-size, --max-concurrent-uploads and --upload-timeout must not be negative")
			}
			o.MaxUploadSize = maxUploadMiB << 20
			o.MaxMetadataSize = maxMetadataKiB << 10
			limits, err := a.settings.chartLimits()
			if err != nil {
				return err
			}
			o.ChartLimits = limits
			var errMu sync.Mutex
			o.ReportError = func(err error) {
				errMu.Lock()
				defer errMu.Unlock()
				fmt.Fprintf(a.streams.Err, "Error: %v\n", err)
			}
			ctx := cmd.Context()
			h, err := server.New(ctx, o)
			if err != nil {
				return err
			}
			defer h.Close()
			const headerTimeout = 10 * time.Second
			uploadTimeout := o.UploadTimeout
			if uploadTimeout == 0 {
				uploadTimeout = server.DefaultUploadTimeout
			}
			srv := &http.Server{
				Handler:           h,
				ReadHeaderTimeout: headerTimeout,
				// The server bounds each upload's body itself; this is the bound
				// for any other request, and a backstop.
				ReadTimeout: headerTimeout + uploadTimeout,
				IdleTimeout: 2 * time.Minute,
			}
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
			a.serveNotices(o, scheme, ln.Addr())
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
	f.BoolVar(&o.AllowAnonymousWrites, "allow-anonymous-writes", false, "without basic auth, let anyone who can reach the server upload and delete charts (read-only otherwise)")
	f.StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this certificate file (PEM)")
	f.StringVar(&tlsKey, "tls-key", "", "the private key of --tls-cert (PEM)")
	f.BoolVar(&o.AllowOverwrite, "allow-overwrite", false, "let uploads replace existing chart versions and provenance files without '?force'")
	f.Int64Var(&maxUploadMiB, "max-upload-size", server.DefaultMaxUploadSize>>20, "largest upload accepted, in MiB")
	f.DurationVar(&o.UploadTimeout, "upload-timeout", server.DefaultUploadTimeout, "longest time an upload's body may take to arrive")
	f.IntVar(&o.MaxConcurrentUploads, "max-concurrent-uploads", server.DefaultMaxConcurrentUploads, "most uploads received at once; more are refused with 503")
	f.Int64Var(&maxMetadataKiB, "max-metadata-size", server.DefaultMaxMetadataSize>>10, "largest Chart.yaml, and index.yaml entry, a chart may have, in KiB")
	return cmd
}

// serveNotices tells, on starting, whether writes are possible, and warns about
// a server reachable beyond this machine without TLS or credentials.
func (a *app) serveNotices(o server.Options, scheme string, addr net.Addr) {
	if o.Username == "" && !o.AllowAnonymousWrites {
		fmt.Fprintln(a.streams.Out, "Read-only: uploads and deletions need --username and --password, or --allow-anonymous-writes")
	}
	for _, w := range serveWarnings(o, scheme, addr) {
		fmt.Fprintf(a.streams.Err, "WARNING: %s\n", w)
	}
}

// serveWarnings are the risks of serving with these options on addr: none on
// loopback.
func serveWarnings(o server.Options, scheme string, addr net.Addr) []string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return nil
	}
	var ws []string
	if scheme == "http" {
		ws = append(ws, fmt.Sprintf("serving on %s beyond this machine without TLS: passwords and charts cross the network in clear text (see --tls-cert and --tls-key)", addr))
	}
	switch {
	case o.Username == "" && o.AllowAnonymousWrites:
		ws = append(ws, fmt.Sprintf("serving on %s beyond this machine without credentials: anyone who can reach it can upload and delete charts (see --username and --password)", addr))
	case o.Username == "":
		ws = append(ws, fmt.Sprintf("serving on %s beyond this machine without credentials: anyone who can reach it can read the charts (see --username and --password)", addr))
	}
	return ws
}
