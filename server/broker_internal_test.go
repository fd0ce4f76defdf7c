package server

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"mproc/internal/auth"
)

// testBroker starts a broker for a ProcessPool-model run holding one accepted
// TCP connection; it returns the broker, the connection's id and the
// client's end of it.
func testBroker(t *testing.T) (*broker, uint64, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := newRun(New(Echo, ProcessPool(1)), ln)
	r.base = context.Background()
	b, err := newBroker(r)
	if err != nil {
		t.Fatal(err)
	}
	r.br = b
	t.Cleanup(b.close)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	tr := r.track(c)
	t.Cleanup(func() { c.Close() })
	return b, tr.id, client
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// The broker gives the socket to a peer with the key, and to no other.
func TestBrokerRefusesUnauthenticated(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	b, id, client := testBroker(t)

	// A wrong key: both sides fail the handshake; no descriptor comes.
	_, _, _, err := dialSession(ctx, b.addr, []byte("not the key"), frame{op: opHelloConn, id: id})
	if !errors.Is(err, auth.ErrAuthentication) {
		t.Errorf("a wrong key: %v, want ErrAuthentication", err)
	}

	// No handshake at all: a hello where the answer should be.
	c, err := net.Dial("unixpacket", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	pc := newPacketConn(c.(*net.UnixConn))
	if _, err := pc.ReadMessage(auth.MaxMessage); err != nil { // the challenge
		t.Fatal(err)
	}
	pc.send(frame{op: opHelloConn, id: id})
	if f, file, err := pc.readFD(); err == nil || file != nil {
		t.Errorf("a peer without the handshake got %v, %v", f, file)
	}
	c.Close()

	// The key, but a connection no one was given.
	if _, _, _, err := dialSession(ctx, b.addr, b.key, frame{op: opHelloConn, id: id + 100}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("an unknown connection: %v", err)
	}

	// The key and the right id: the socket comes, and it is the client's.
	s, f, file, err := dialSession(ctx, b.addr, b.key, frame{op: opHelloConn, id: id})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if f.op != opConnFD || file == nil {
		t.Fatalf("got op %d, file %v", f.op, file)
	}
	got, err := net.FileConn(file)
	file.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("the socket received is %v's, not the client's %v", got.RemoteAddr(), client.LocalAddr())
	}
	got.Write([]byte("x"))
	client.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1)
	if _, err := client.Read(buf); err != nil || buf[0] != 'x' {
		t.Errorf("client read %q, %v", buf, err)
	}

	// A connection is given once.
	if _, _, _, err := dialSession(ctx, b.addr, b.key, frame{op: opHelloConn, id: id}); err == nil {
		t.Error("a second hello for the same connection got it too")
	}
}

// A peer that breaks the protocol after its hello loses its session.
func TestBrokerDropsBadFrames(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	b, id, _ := testBroker(t)
	s, _, file, err := dialSession(ctx, b.addr, b.key, frame{op: opHelloConn, id: id})
	if err != nil {
		t.Fatal(err)
	}
	file.Close()
	s.pc.WriteMessage([]byte{0xff, 1, 2})
	select {
	case <-s.dead:
	case <-ctx.Done():
		t.Fatal("the session survived a malformed frame")
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for _, f := range []frame{{op: opHelloConn, id: 1}, {op: opSay, id: 1 << 40, data: []byte("hi")}, {op: opRefused, data: []byte("no")}} {
		g, err := decodeFrame(f.encode())
		if err != nil || g.op != f.op || g.id != f.id || string(g.data) != string(f.data) {
			t.Errorf("%v → %v, %v", f, g, err)
		}
	}
	for _, b := range [][]byte{nil, {0}, {byte(opLast) + 1}, {byte(opSay), 0x80}, make([]byte, maxFrame+1)} {
		if _, err := decodeFrame(b); !errors.Is(err, errFrame) {
			t.Errorf("decodeFrame(% x...) = %v", b[:min(len(b), 4)], err)
		}
	}
}

// The broker decodes what children send, and children what it sends.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(frame{op: opHelloConn, id: 7}.encode())
	f.Add(frame{op: opSay, id: 3, data: []byte("127.0.0.1:5: hi\n")}.encode())
	f.Add([]byte{byte(opCut), 0x80, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if !errors.Is(err, errFrame) {
				t.Fatalf("error %v is not errFrame", err)
			}
			return
		}
		if fr.op == 0 || fr.op > opLast {
			t.Fatalf("op %d accepted", fr.op)
		}
		g, err := decodeFrame(fr.encode())
		if err != nil || g.op != fr.op || g.id != fr.id || string(g.data) != string(fr.data) {
			t.Fatalf("re-encoded %v decodes as %v, %v", fr, g, err)
		}
	})
}
