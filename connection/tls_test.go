package connection_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mproc/internal/testmain"
	"net"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

// selfSigned makes a certificate for 127.0.0.1, and a client config that
// trusts it and nothing else.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mproc test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// tlsPair returns both ends of a TLS connection with the auth key's
// handshake inside it.
func tlsPair(t *testing.T, ctx context.Context) (server, client *mproc.Conn) {
	t.Helper()
	srvCfg, cliCfg := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key := connection.WithAuthKey([]byte("tls key"))
	l := connection.NewListener(tls.NewListener(ln, srvCfg), key)
	t.Cleanup(func() { l.Close() })
	ch := acceptAsync(ctx, l)
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := connection.Client(ctx, tls.Client(raw, cliCfg), key)
	if err != nil {
		t.Fatalf("Client over TLS: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	a := <-ch
	if a.err != nil {
		t.Fatalf("Accept over TLS: %v", a.err)
	}
	t.Cleanup(func() { a.c.Close() })
	return a.c, c
}

// Over TLS: the handshake, messages both ways (one larger than the
// socket's buffer and a TLS record), Poll (with a done ctx too: it sees a
// message that has arrived), Wait with a pipe, shared objects refused, the
// end refused as an argument to a child (no descriptor of its own), EOF.
func TestTLS(t *testing.T) {
	t.Parallel()
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	s, c := tlsPair(t, ctx)
	if ok, err := s.Poll(expired()); ok || !ctxEnded(err) {
		t.Fatalf("Poll(done) with nothing sent: %v, %v", ok, err)
	}
	for i := range 10 {
		if err := c.Send(ctx, map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
		var m map[string]int
		if err := s.Recv(ctx, &m); err != nil || m["i"] != i {
			t.Fatalf("server got %v, %v", m, err)
		}
	}
	big := patterned(3<<20, 7)
	sent := make(chan error, 1)
	go func() { sent <- s.SendBytes(ctx, big) }()
	if m, err := c.RecvBytes(ctx); err != nil || len(m) != len(big) || checkPattern(m, 7) != nil {
		t.Fatalf("3 MiB over TLS: %d bytes, %v", len(m), err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	// Poll with a done ctx sees a message once it has arrived.
	if err := c.SendBytes(ctx, []byte("here")); err != nil {
		t.Fatal(err)
	}
	seen := false
	for end := time.Now().Add(5 * time.Second); !seen && time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		seen, _ = s.Poll(expired())
	}
	if !seen {
		t.Fatal("Poll with a done ctx never saw a message sent over TLS")
	}
	pa, _ := newPipe(t, true)
	if r, err := connection.Wait(expired(), s, pa); !slices.Equal(r, []*mproc.Conn{s}) || err != nil {
		t.Fatalf("Wait with the TLS end ready: %d ready, %v", len(r), err)
	}
	if m, err := s.RecvBytes(ctx); err != nil || string(m) != "here" {
		t.Fatalf("%q, %v", m, err)
	}
	// Wait wakes for a TLS message.
	res := make(chan []*mproc.Conn, 1)
	go func() { r, _ := connection.Wait(ctx, pa, s); res <- r }()
	stays(t, 30*time.Millisecond, "Wait waits", func() bool { return len(res) == 0 })
	if err := c.Send(ctx, "wake"); err != nil {
		t.Fatal(err)
	}
	if r := receive(t, res, wakeBound, "Wait after a TLS send"); !slices.Equal(r, []*mproc.Conn{s}) {
		t.Fatalf("Wait returned %d ends, want the TLS one", len(r))
	}
	var w string
	if err := s.Recv(ctx, &w); err != nil || w != "wake" {
		t.Fatalf("%q, %v", w, err)
	}
	if err := c.Send(ctx, newLock(t)); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a Lock over TLS: %v, want ErrUnencodable", err)
	}
	if _, err := echoChild.Start(ctx, s); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a TLS end as a child's argument: %v, want ErrUnencodable", err)
	}
	if err := c.Send(ctx, "last"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := s.Recv(ctx, &w); err != nil || w != "last" {
		t.Fatalf("the last message: %q, %v", w, err)
	}
	if err := s.Recv(ctx, &w); !errors.Is(err, io.EOF) {
		t.Fatalf("after the peer closed: %v, want io.EOF", err)
	}
}

// A TLS client that does not trust the server's certificate gets no
// connection, and neither does the listener.
func TestTLSUntrusted(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	srvCfg, _ := selfSigned(t)
	_, otherCli := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key := connection.WithAuthKey([]byte("k"))
	l := connection.NewListener(tls.NewListener(ln, srvCfg), key)
	defer l.Close()
	ch := acceptAsync(ctx, l)
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := connection.Client(ctx, tls.Client(raw, otherCli), key); err == nil {
		c.Close()
		t.Fatal("a client that does not trust the certificate connected")
	}
	if a := receive(t, ch, 10*time.Second, "Accept of an untrusting client"); a.err == nil {
		a.c.Close()
		t.Fatal("Accept of a client that hung up in the TLS handshake succeeded")
	}
}
