package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
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
		pool, ok := systemPoolWith(pem)
		if !ok {
			return nil, fmt.Errorf("CA file %s: no certificates found", caFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// PEM is TLS client material held in memory, PEM-encoded: a client
// certificate and its private key (both or neither) and CA certificates. The
// zero value holds nothing.
type PEM struct {
	Cert, Key, CA []byte
}

// Errors of ClientPEM.
var (
	ErrNoCertificates = errors.New("no PEM certificates found")
	ErrHalfPair       = errors.New("a client certificate needs both a certificate and its key")
)

// ClientPEM returns TLS settings for a client from material in memory: the
// client certificate of m, and its CA certificates added to the system pool.
// Servers are always verified. Errors name the part of m at fault.
func ClientPEM(m PEM) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case len(m.Cert) > 0 && len(m.Key) > 0:
		cert, err := tls.X509KeyPair(m.Cert, m.Key)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case len(m.Cert) > 0 || len(m.Key) > 0:
		return nil, fmt.Errorf("client certificate: %w", ErrHalfPair)
	}
	if len(m.CA) > 0 {
		pool, ok := systemPoolWith(m.CA)
		if !ok {
			return nil, fmt.Errorf("CA certificates: %w", ErrNoCertificates)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// systemPoolWith is the system's roots (an empty pool where there are none)
// with the certificates of pem added; ok is false when pem holds none.
func systemPoolWith(pem []byte) (pool *x509.CertPool, ok bool) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	return pool, pool.AppendCertsFromPEM(pem)
}
