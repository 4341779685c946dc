// Package tlsconf builds the TLS client settings that chart repositories and OCI
// registries share: a client certificate, extra CA certificates on top of the
// system's, and the user's choice to skip verification.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// Client returns TLS settings for a client. certFile and keyFile name a client
// certificate (both or neither); caFile adds CA certificates to the system pool;
// insecure turns server verification off, which only the user may ask for.
func Client(certFile, keyFile, caFile string, insecure bool) (*tls.Config, error) {
	conf := &tls.Config{InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12} //nolint:gosec // the user asked for it
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", certFile, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no certificates found", caFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}
