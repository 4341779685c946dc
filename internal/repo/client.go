package repo

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/tlsconf"
)

// Download limits: an index of a very large repository is tens of megabytes; a
// chart archive is rarely more than a few.
const (
	DefaultMaxIndexSize = 512 << 20
	DefaultMaxChartSize = 64 << 20
)

// ErrTooLarge reports a download larger than its limit.
var ErrTooLarge = errors.New("response too large")

// HTTPError is a non-2xx answer.
type HTTPError struct {
	URL        string
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("failed to fetch %s : %s", e.URL, e.Status)
}

// ClientOptions configure downloads. The zero value verifies TLS against the
// system roots, sends no credentials and uses the default limits.
type ClientOptions struct {
	// Username and Password are sent as basic auth, only to the host of AuthURL
	// (normally the repository URL) unless PassCredentialsAll is set.
	Username, Password string
	AuthURL            string
	PassCredentialsAll bool
	// CertFile and KeyFile are a client certificate; CAFile adds trusted roots.
	CertFile, KeyFile, CAFile string
	InsecureSkipTLSVerify     bool
	// TLSConfig, when set, is used for HTTPS as it is, instead of the files
	// and InsecureSkipTLSVerify: material held in memory.
	TLSConfig *tls.Config
	// Timeout bounds each request; 0 means 120 seconds.
	Timeout time.Duration
	// MaxSize bounds a response body; 0 means DefaultMaxChartSize.
	MaxSize int64
	// UserAgent, when set, is sent with each request.
	UserAgent string
	// Transport, when set, replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// Schemes, when set, fetches the URLs whose scheme it handles (getter
	// plugins); the rest go over HTTP.
	Schemes SchemeGetter
}

// SchemeGetter fetches URLs of schemes other than http and https.
type SchemeGetter interface {
	// HandlesScheme tells whether URLs of the scheme ("s3") are its to fetch.
	HandlesScheme(scheme string) bool
	// GetScheme fetches u, a URL of a scheme it handles, with the options'
	// credentials and TLS files.
	GetScheme(ctx context.Context, u string, o ClientOptions) ([]byte, error)
}

// handledScheme tells whether o.Schemes fetches u.
func (o ClientOptions) handledScheme(u string) bool {
	if o.Schemes == nil {
		return false
	}
	scheme, _, ok := strings.Cut(u, "://")
	return ok && scheme != "http" && scheme != "https" && o.Schemes.HandlesScheme(scheme)
}

// EntryOptions are the download options of a configured repository.
func EntryOptions(e *Entry) ClientOptions {
	return ClientOptions{Username: e.Username, Password: e.Password, AuthURL: e.URL,
		PassCredentialsAll: e.PassCredentialsAll, CertFile: e.CertFile, KeyFile: e.KeyFile,
		CAFile: e.CAFile, InsecureSkipTLSVerify: e.InsecureSkipTLSVerify}
}

// Get downloads u and returns its body. Credentials go only to the host they
// belong to: on a redirect to another host they are dropped unless
// PassCredentialsAll is set.
func Get(ctx context.Context, u string, o ClientOptions) ([]byte, error) {
	body, limit, size, err := open(ctx, u, o)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := readBody(body, limit+1, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: limit %d bytes", u, ErrTooLarge, limit)
	}
	return data, nil
}

// getTo downloads u, as Get, into w, and returns how many bytes it wrote.
func getTo(ctx context.Context, u string, o ClientOptions, w io.Writer) (int64, error) {
	body, limit, _, err := open(ctx, u, o)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.Copy(w, io.LimitReader(body, limit+1))
	if err != nil {
		return n, fmt.Errorf("%s: %w", u, err)
	}
	if n > limit {
		return n, fmt.Errorf("%s: %w: limit %d bytes", u, ErrTooLarge, limit)
	}
	return n, nil
}

// open sends the request for u and returns the response's body, the most it may
// hold and its announced size (-1 when unknown).
func open(ctx context.Context, u string, o ClientOptions) (body io.ReadCloser, limit, size int64, err error) {
	if o.handledScheme(u) {
		data, err := o.Schemes.GetScheme(ctx, u, o)
		if err != nil {
			return nil, 0, 0, err
		}
		limit = o.MaxSize
		if limit <= 0 {
			limit = DefaultMaxChartSize
		}
		return io.NopCloser(bytes.NewReader(data)), limit, int64(len(data)), nil
	}
	client, err := o.httpClient()
	if err != nil {
		return nil, 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, 0, err
	}
	o.authorize(req)
	if o.UserAgent != "" {
		req.Header.Set("User-Agent", o.UserAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, 0, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return nil, 0, 0, &HTTPError{URL: u, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	limit = o.MaxSize
	if limit <= 0 {
		limit = DefaultMaxChartSize
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, 0, 0, fmt.Errorf("%s: %w: %d bytes, limit %d", u, ErrTooLarge, resp.ContentLength, limit)
	}
	return resp.Body, limit, resp.ContentLength, nil
}

// readBody reads at most limit bytes of r. A body of known size (a big index)
// is read into one buffer of that size, not grown by doubling.
func readBody(r io.Reader, limit, size int64) ([]byte, error) {
	if size <= 0 || size >= limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	body := make([]byte, size, size+1)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("body shorter than its Content-Length: %w", err)
		}
		return nil, err
	}
	// Whatever the server sends past its Content-Length.
	rest, err := io.ReadAll(io.LimitReader(r, limit-size))
	return append(body, rest...), err
}

// sameHost tells whether two URLs name the same host and port.
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && a.Port() == b.Port()
}

// authorize adds basic auth when the request goes to the credentials' host.
func (o ClientOptions) authorize(req *http.Request) {
	if o.Username == "" && o.Password == "" {
		return
	}
	if !o.PassCredentialsAll && o.AuthURL != "" {
		au, err := url.Parse(o.AuthURL)
		if err != nil || !sameHost(au, req.URL) {
			return
		}
	}
	req.SetBasicAuth(o.Username, o.Password)
}

func (o ClientOptions) httpClient() (*http.Client, error) {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 120 * time.Second
	}
	rt := o.Transport
	if rt == nil {
		tlsConf := o.TLSConfig
		if tlsConf == nil {
			var err error
			if tlsConf, err = tlsconf.Client(o.CertFile, o.KeyFile, o.CAFile, o.InsecureSkipTLSVerify); err != nil {
				return nil, err
			}
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = tlsConf
		rt = t
	}
	return &http.Client{
		Transport: rt,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			// Go keeps Authorization on redirects within a domain's subdomains;
			// be stricter: only the very host the credentials are for gets them.
			req.Header.Del("Authorization")
			if o.PassCredentialsAll || sameHost(via[0].URL, req.URL) {
				o.authorize(req)
			}
			return nil
		},
	}, nil
}
