// Package tlsconf builds the TLS client settings that chart repositories and OCI
// registries share: a client certificate, extra CA certificates on top of the
// system's, and the user's choice to skip verification.
//
// Client reads the material from files (the CLI's --cert-file, --key-file and
// --ca-file); ClientPEM takes it from memory (the controller's Secrets):
//
//	conf, err := tlsconf.ClientPEM(tlsconf.PEM{CA: secret.Data["ca.crt"]})
package tlsconf
