package mproc

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/auth"
	"mproc/internal/wire"
)

// hostilePeer makes a Conn whose peer has sent b and stopped writing; the
// peer's end stays open, so what the Conn writes has somewhere to go.
func hostilePeer(t *testing.T, b []byte, limit int) *Conn {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	c, err := newSocketConn(fds[0], true)
	if err != nil {
		peer.Close()
		t.Fatal(err)
	}
	c.t.(*sockTransport).limit = limit
	if _, err := peer.Write(b); err != nil {
		t.Fatal(err)
	}
	unix.Shutdown(fds[1], unix.SHUT_WR)
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c
}

func fuzzCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// FuzzSocketMessages reads whatever a peer sent as messages, until the
// stream ends: nothing may panic or hang; every error is the end, a
// refused size or corrupt bytes; and only bytes that are not a header stop
// the reading for good.
func FuzzSocketMessages(f *testing.F) {
	two := append(frame("hello"), frame("world")...)
	f.Add(two, uint8(64))
	f.Add(append(frame("this frame is above the limit"), frame("ok")...), uint8(8))
	f.Add(frame("cut short")[:12], uint8(64))
	f.Add([]byte{wire.Magic, sockAttached, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0xa0, 'm', 's', 'g', '!'}, uint8(64))
	f.Add([]byte{wire.Magic, sockAttached, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, uint8(64))
	f.Add([]byte{wire.Magic, 9, 0, 0, 0, 0, 0, 0}, uint8(64))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint8(64))
	f.Fuzz(func(t *testing.T, b []byte, limit uint8) {
		c := hostilePeer(t, b, int(limit))
		ctx := fuzzCtx(t)
		for range len(b) + 1 {
			var v any
			err := c.Recv(ctx, &v)
			switch {
			case err == nil:
				continue
			case errors.Is(err, io.EOF):
				return
			case errors.Is(err, ErrTooLarge):
				continue // skipped: the stream goes on
			case errors.Is(err, ErrCorrupt) && strings.Contains(err.Error(), "out of step"):
				if _, again := c.RecvBytes(ctx); again == nil {
					t.Fatalf("a read after %q succeeded", err)
				}
				return
			case errors.Is(err, ErrCorrupt):
				continue // one message that did not decode: the stream goes on
			default:
				t.Fatalf("Recv: %v", err)
			}
		}
		t.Fatal("more messages than bytes")
	})
}

// FuzzSocketHandshake plays a peer that sent anything to both sides of the
// handshake over a real socket (the listener's side, challenging first,
// and the dialer's, answering first): each must fail with
// ErrAuthentication, never pass, panic or hang.
func FuzzSocketHandshake(f *testing.F) {
	challenge := frame("#CHALLENGE#{sha256}0123456789012345678901234567890123456789")
	f.Add(challenge, false)
	f.Add(challenge, true)
	f.Add(append(frame("{sha256}"+string(make([]byte, 32))), frame("#WELCOME#")...), false)
	f.Add(append(challenge, frame("#WELCOME#")...), true)
	f.Add([]byte{wire.Magic, sockMessage, 0, 0, 0xff, 0xff, 0xff, 0xff}, true)
	f.Add([]byte{wire.Magic, sockAttached, 0, 0, 1, 0, 0, 0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, dialer bool) {
		c := hostilePeer(t, b, maxMessage)
		h := handshake{fuzzCtx(t), c.t.(*sockTransport)}
		key := []byte("fuzz-key")
		var err error
		if dialer {
			if err = auth.Answer(h, key); err == nil {
				err = auth.Challenge(h, key)
			}
		} else {
			if err = auth.Challenge(h, key); err == nil {
				err = auth.Answer(h, key)
			}
		}
		if !errors.Is(err, ErrAuthentication) {
			t.Fatalf("handshake (dialer %v) with a peer that sent %q: %v, want ErrAuthentication", dialer, b, err)
		}
	})
}
