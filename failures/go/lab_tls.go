// The failure lab's Go side, with crypto/tls from the standard library.
//
//	lab_tls client HOST:PORT CA SERVER_NAME [CERT KEY]
//	lab_tls server CERT KEY CA required|optional
//
// The client prints `connected` or `error: MESSAGE`; the server prints
// `listening on HOST:PORT`, then `accepted` or `refused: MESSAGE` for each
// connection. crypto/tls has no revocation checking of its own.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"
)

func pool(path string) *x509.CertPool {
	pem, err := os.ReadFile(path)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		fmt.Printf("error: %s: no certificate\n", path)
		os.Exit(1)
	}
	return p
}

func keyPair(cert, key string) tls.Certificate {
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	return pair
}

func client(args []string) {
	config := &tls.Config{RootCAs: pool(args[1]), ServerName: args[2]}
	if len(args) == 5 {
		config.Certificates = []tls.Certificate{keyPair(args[3], args[4])}
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", args[0], config)
	if err == nil {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		// TLS 1.3: a refusal of our certificate arrives after the handshake.
		_, err = conn.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		if err == nil {
			_, err = conn.Read(make([]byte, 1))
		}
		conn.Close()
	}
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("connected")
}

func server(args []string) {
	config := &tls.Config{
		Certificates: []tls.Certificate{keyPair(args[0], args[1])},
		ClientCAs:    pool(args[2]),
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
	if args[3] == "optional" {
		config.ClientAuth = tls.VerifyClientCertIfGiven
	}
	listener, err := tls.Listen("tcp", "127.0.0.1:0", config)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	for {
		conn, err := listener.Accept()
		if err != nil {
			continue
		}
		tlsConn := conn.(*tls.Conn)
		tlsConn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tlsConn.Handshake(); err != nil {
			fmt.Printf("refused: %v\n", err)
		} else if len(tlsConn.ConnectionState().PeerCertificates) == 0 {
			fmt.Println("accepted no client certificate")
		} else {
			fmt.Println("accepted a client certificate")
		}
		tlsConn.Write([]byte("HTTP/1.0 200 OK\r\n\r\nhello\n"))
		tlsConn.Close()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: lab_tls client|server ...")
		os.Exit(2)
	}
	if os.Args[1] == "client" {
		client(os.Args[2:])
	} else {
		server(os.Args[2:])
	}
}
