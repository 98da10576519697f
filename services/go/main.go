// The Go server of the reference text, kept as it is (only gofmt'd): mutual
// TLS 1.3 with tls.RequireAndVerifyClientCert, logging each client's
// common name and URI SANs. It reads its files from /etc/certs and listens
// on :8443; services/tests/go_server.rs runs it in a chroot and a network
// namespace of its own (run-isolated.sh) so that neither touches the host.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"log"
	"net/http"
	"os"
)

func main() {
	caCert, err := os.ReadFile("/etc/certs/ca-bundle.pem")
	if err != nil {
		log.Fatalf("Failed to read CA bundle: %v", err)
	}
	caCertPool := x509.NewCertPool()
	if !caCertPool.AppendCertsFromPEM(caCert) {
		log.Fatal("Failed to parse CA certificates")
	}

	tlsConfig := &tls.Config{
		ClientCAs:  caCertPool,
		ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{
			tls.X25519,
			tls.CurveP256,
		},
	}

	server := &http.Server{
		Addr:      ":8443",
		TLSConfig: tlsConfig,
		Handler:   http.HandlerFunc(handler),
	}

	log.Fatal(server.ListenAndServeTLS(
		"/etc/certs/server.crt",
		"/etc/certs/server.key",
	))
}

func handler(w http.ResponseWriter, r *http.Request) {
	// Extract client identity from verified certificate
	clientCert := r.TLS.PeerCertificates[0]
	log.Printf("Request from: %s (SAN: %v)",
		clientCert.Subject.CommonName,
		clientCert.URIs,
	)
	w.WriteHeader(http.StatusOK)
}
