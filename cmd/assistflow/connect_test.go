package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// testPKI is a CA with one server and one client certificate, made for
// the test and written as PEM files.
type testPKI struct {
	dir               string
	pool              *x509.CertPool
	server            tls.Certificate
	caFile            string
	certFile, keyFile string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	p := testPKI{dir: t.TempDir(), pool: x509.NewCertPool()}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	p.pool.AddCert(ca)
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		return der, key
	}
	srvDER, srvKey := issue(2, "temporal-frontend", x509.ExtKeyUsageServerAuth)
	p.server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := issue(3, "assistflow-worker", x509.ExtKeyUsageClientAuth)
	keyDER, err := x509.MarshalECPrivateKey(cliKey)
	require.NoError(t, err)
	p.certFile = p.write(t, "client.pem", "CERTIFICATE", cliDER)
	p.keyFile = p.write(t, "client.key", "EC PRIVATE KEY", keyDER)
	return p
}

func (p testPKI) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}

// seen is what the fake frontend learnt about the first call it got.
type seen struct {
	clientCN      string
	authorization string
	encoding      string // of the request body: "" when uncompressed
}

// fakeFrontend is a gRPC server with TLS that answers every call
// Unavailable after noting the client's certificate and authorization
// header: enough to see what the SDK really sends on the wire.
func fakeFrontend(t *testing.T, p testPKI, clientAuth tls.ClientAuthType) (string, <-chan seen) {
	t.Helper()
	calls := make(chan seen, 16)
	creds := credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool,
		ClientAuth: clientAuth, MinVersion: tls.VersionTLS12})
	srv := grpc.NewServer(grpc.Creds(creds), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		var s seen
		if pr, ok := peer.FromContext(stream.Context()); ok {
			if info, ok := pr.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
				s.clientCN = info.State.PeerCertificates[0].Subject.CommonName
			}
		}
		if md, ok := metadata.FromIncomingContext(stream.Context()); ok && len(md.Get("authorization")) > 0 {
			s.authorization = md.Get("authorization")[0]
		}
		if ts, ok := grpc.ServerTransportStreamFromContext(stream.Context()).(interface{ RecvCompress() string }); ok {
			s.encoding = ts.RecvCompress()
		}
		select {
		case calls <- s:
		default:
		}
		return status.Error(codes.Unavailable, "fake frontend")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String(), calls
}

// dialOnce applies the configured connection options and dials once.
func dialOnce(t *testing.T, cfg config.Config, address string) {
	t.Helper()
	opts := client.Options{HostPort: address, Namespace: "assistflow"}
	require.NoError(t, connectionOptions(cfg, &opts))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err == nil {
		c.Close()
	}
	require.Error(t, err, "the fake frontend answers every call Unavailable")
}

// TestTemporalMutualTLS: with --temporal-tls-ca/-cert/-key the client
// trusts the given CA and presents its certificate to a frontend that
// requires one.
func TestTemporalMutualTLS(t *testing.T) {
	p := newTestPKI(t)
	addr, calls := fakeFrontend(t, p, tls.RequireAndVerifyClientCert)
	cfg := config.Default()
	cfg.Temporal.TLSCA, cfg.Temporal.TLSCert, cfg.Temporal.TLSKey = p.caFile, p.certFile, p.keyFile
	dialOnce(t, cfg, addr)
	got := <-calls
	require.Equal(t, "assistflow-worker", got.clientCN)
	require.Empty(t, got.authorization)
}

// TestTemporalAPIKey: with --temporal-api-key every call carries it as a
// bearer token, over TLS.
func TestTemporalAPIKey(t *testing.T) {
	p := newTestPKI(t)
	addr, calls := fakeFrontend(t, p, tls.NoClientCert)
	cfg := config.Default()
	cfg.Temporal.TLSCA, cfg.Temporal.APIKey = p.caFile, "key-123"
	dialOnce(t, cfg, addr)
	got := <-calls
	require.Equal(t, "Bearer key-123", got.authorization)
	require.Empty(t, got.clientCN)
}

// TestTemporalOnThisMachineIsUncompressed: the SDK gzips requests by
// default; to a frontend on a loopback address (dev's embedded server)
// they go uncompressed, and to any other host the default holds.
func TestTemporalOnThisMachineIsUncompressed(t *testing.T) {
	p := newTestPKI(t)
	addr, calls := fakeFrontend(t, p, tls.NoClientCert)
	cfg := config.Default()
	cfg.Temporal.TLSCA = p.caFile
	dialOnce(t, cfg, addr)
	got := <-calls
	require.Empty(t, got.encoding, "a request to %s", addr)
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	dialOnce(t, cfg, net.JoinHostPort("localhost", port))
	got = <-calls
	require.Empty(t, got.encoding, "a request to localhost")

	for _, tc := range []struct {
		hostPort string
		local    bool
	}{{"127.0.0.1:7233", true}, {"[::1]:7233", true}, {"localhost:7233", true}, {"127.0.0.2:7233", true},
		{"temporal.example:7233", false}, {"10.0.0.5:7233", false}, {"[2001:db8::1]:7233", false}, {"no port", false}} {
		opts := client.Options{HostPort: tc.hostPort}
		require.NoError(t, connectionOptions(cfg, &opts))
		if tc.local {
			require.IsType(t, &client.GrpcCompressionNone{}, opts.ConnectionOptions.GrpcCompression, tc.hostPort)
		} else {
			require.Nil(t, opts.ConnectionOptions.GrpcCompression, "%s keeps the SDK's gzip", tc.hostPort)
		}
	}
}

// TestTemporalTLSOptionErrors: unusable files stop start-up with a clear
// error instead of an insecure connection.
func TestTemporalTLSOptionErrors(t *testing.T) {
	p := newTestPKI(t)
	empty := filepath.Join(t.TempDir(), "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name          string
		ca, cert, key string
		want          string
	}{
		{"missing CA file", filepath.Join(p.dir, "nope.pem"), "", "", "temporal tls ca"},
		{"CA file without a certificate", empty, "", "", "no certificate found"},
		{"certificate without its key", p.caFile, p.certFile, "", "temporal tls client certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Temporal.TLSCA, cfg.Temporal.TLSCert, cfg.Temporal.TLSKey = tc.ca, tc.cert, tc.key
			err := connectionOptions(cfg, &client.Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
	opts := client.Options{}
	require.NoError(t, connectionOptions(config.Default(), &opts))
	require.Nil(t, opts.ConnectionOptions.TLS, "no TLS options: a plain connection, as in dev")
}
