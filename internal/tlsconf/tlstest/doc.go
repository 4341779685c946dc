// Package tlstest makes certificate authorities and the certificates they
// sign, in memory, for tests of TLS clients and servers on 127.0.0.1:
//
//	ca := tlstest.NewCA(t)
//	srv := ca.Server(t)                       // a certificate for 127.0.0.1
//	conf := &tls.Config{Certificates: []tls.Certificate{srv.Pair(t)}}
package tlstest
