package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"time"
)

// upstreamName is the DNS name in the upstream's certificate besides its
// address, 127.0.0.1. nginx checks a certificate only against DNS names,
// so it is told to expect this one (proxy_ssl_name), while the relay
// checks the address it dials, as it would check web.whatsapp.com.
const upstreamName = "localhost"

// testCA is a certificate authority made for one run, and the certificate
// it signed for the echo upstream. Its keys live only in this process, so
// nothing trusts it after the run; caFile is its certificate in PEM, for
// the proxies under test to trust.
type testCA struct {
	roots  *x509.CertPool
	caFile string
	server *tls.Config
}

// newTestCA makes the authority and the upstream's certificate, both with
// P-256 ECDSA keys, and writes the authority's certificate into dir.
// x509 picks the serial numbers.
func newTestCA(dir string) (*testCA, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTemplate := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "relayload test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		Subject:     pkix.Name{CommonName: upstreamName},
		DNSNames:    []string{upstreamName},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, leafKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &testCA{
		roots:  roots,
		caFile: caFile,
		server: &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}},
			// The proxies make HTTP/1.1 upgrades; say so rather than let
			// net/http offer h2.
			NextProtos: []string{"http/1.1"},
		},
	}, nil
}
