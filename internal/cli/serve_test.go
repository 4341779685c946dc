package cli

import (
	"net"
	"slices"
	"testing"

	"github.com/rudderpm/rudder/internal/repo/server"
)

// The warnings are decided from the address the server listens on; the script
// tests listen on loopback only, so the other addresses are tried here.
func TestServeWarnings(t *testing.T) {
	const (
		noTLS   = "without TLS: passwords and charts cross the network in clear text (see --tls-cert and --tls-key)"
		canRead = "without credentials: anyone who can reach it can read the charts (see --username and --password)"
		canGo   = "without credentials: anyone who can reach it can upload and delete charts (see --username and --password)"
	)
	auth := server.Options{Username: "ci", Password: "p"}
	open := server.Options{AllowAnonymousWrites: true}
	tests := []struct {
		ip     string
		o      server.Options
		scheme string
		want   []string // what each warning says after the address
	}{
		{"127.0.0.1", open, "http", nil},
		{"::1", server.Options{}, "http", nil},
		{"0.0.0.0", server.Options{}, "http", []string{noTLS, canRead}},
		{"::", open, "http", []string{noTLS, canGo}},
		{"192.0.2.10", auth, "http", []string{noTLS}},
		{"192.0.2.10", server.Options{}, "https", []string{canRead}},
		{"0.0.0.0", auth, "https", nil},
	}
	for _, tt := range tests {
		addr := &net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 8879}
		prefix := "serving on " + addr.String() + " beyond this machine "
		got := serveWarnings(tt.o, tt.scheme, addr)
		if !slices.EqualFunc(got, tt.want, func(g, w string) bool { return g == prefix+w }) {
			t.Errorf("%s %s %+v: %q, want %q after %q", tt.scheme, tt.ip, tt.o, got, tt.want, prefix)
		}
	}
}
