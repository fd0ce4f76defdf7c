//go:build unix

package connection

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/internal/wire"
)

// hostilePeer makes an end whose peer has sent b and stopped writing; the
// peer's end stays open, so what the end writes has somewhere to go.
func hostilePeer(t *testing.T, b []byte, opts ...Option) *mproc.Conn {
	t.Helper()
	c, peer := rawPeer(t, opts...)
	if _, err := peer.Write(b); err != nil {
		t.Fatal(err)
	}
	syscall.Shutdown(int(peer.Fd()), syscall.SHUT_WR)
	return c
}

func fuzzCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// readAll reads whatever a peer sent as messages, until the stream ends:
// nothing may panic or hang; every error is the end, a refused size or
// corrupt bytes; and only a stream out of step stops the reading for good.
func readAll(t *testing.T, c *mproc.Conn, n int) {
	ctx := fuzzCtx(t)
	for range n + 1 {
		var v any
		err := c.Recv(ctx, &v)
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			return
		case strings.Contains(err.Error(), "out of step"):
			if _, again := c.RecvBytes(ctx); again == nil {
				t.Fatalf("a read after %q succeeded", err)
			}
			return
		case errors.Is(err, mproc.ErrTooLarge):
			continue // skipped: the stream goes on
		case errors.Is(err, mproc.ErrCorrupt), errors.Is(err, mproc.ErrUnencodable):
			continue // one message that did not decode: the stream goes on
		default:
			t.Fatalf("Recv: %v", err)
		}
	}
	t.Fatal("more messages than bytes")
}

// FuzzSocketMessages: a peer sends anything in mproc's framing.
func FuzzSocketMessages(f *testing.F) {
	const sockAttached = 2 // the root's frame kind with descriptors beside it
	f.Add(append(frame("hello"), frame("world")...), uint8(64))
	f.Add(append(frame("this frame is above the limit"), frame("ok")...), uint8(8))
	f.Add(frame("cut short")[:12], uint8(64))
	f.Add([]byte{wire.Magic, sockAttached, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0xa0, 'm', 's', 'g', '!'}, uint8(64))
	f.Add([]byte{wire.Magic, sockAttached, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, uint8(64))
	f.Add([]byte{wire.Magic, 9, 0, 0, 0, 0, 0, 0}, uint8(64))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint8(64))
	f.Fuzz(func(t *testing.T, b []byte, limit uint8) {
		readAll(t, hostilePeer(t, b, WithMaxMessage(max(int(limit), 1))), len(b))
	})
}

// FuzzPythonMessages: a peer sends anything in CPython's framing, and
// pickles of anything (a pickle that calls a function must be refused,
// never run).
func FuzzPythonMessages(f *testing.F) {
	f.Add(append(pyFrame("\x80\x03X\x05\x00\x00\x00helloq\x00."), pyFrame("\x80\x03K\x07.")...), uint8(64))
	f.Add(pyFrame("cos\nsystem\n(S'echo hi'\ntR."), uint8(64))
	f.Add(pyFrame("\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02io\x94\x8c\x04open\x94\x93\x94\x8c\x01x\x94\x85\x94R\x94."), uint8(128))
	f.Add(append(pyFrame("this frame is above the limit"), pyFrame("ok")...), uint8(8))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0}, uint8(64))
	f.Add([]byte{0xff, 0xff, 0xff, 0xfe}, uint8(64))
	f.Add(pyFrame("cut short")[:8], uint8(64))
	f.Fuzz(func(t *testing.T, b []byte, limit uint8) {
		readAll(t, hostilePeer(t, b, WithPython(), WithMaxMessage(max(int(limit), 1))), len(b))
	})
}

// FuzzSocketHandshake plays a peer that sent anything to both sides of the
// handshake over a real socket (the listener's side, challenging first,
// and the dialer's, answering first), in both framings: each must fail
// with ErrAuthentication, never pass, panic or hang.
func FuzzSocketHandshake(f *testing.F) {
	challenge := frame("#CHALLENGE#{sha256}0123456789012345678901234567890123456789")
	f.Add(challenge, false)
	f.Add(challenge, true)
	f.Add(append(frame("{sha256}"+string(make([]byte, 32))), frame("#WELCOME#")...), false)
	f.Add(append(challenge, frame("#WELCOME#")...), true)
	f.Add([]byte{wire.Magic, frameMessage, 0, 0, 0xff, 0xff, 0xff, 0xff}, true)
	f.Add([]byte{wire.Magic, 2, 0, 0, 1, 0, 0, 0, 0}, false)
	f.Add(append(pyFrame("#CHALLENGE#{sha256}0123456789012345678901234567890123456789"), pyFrame("#WELCOME#")...), true)
	f.Add(pyFrame("#CHALLENGE#01234567890123456789"), true)
	f.Fuzz(func(t *testing.T, b []byte, dialer bool) {
		for _, py := range []bool{false, true} {
			c, peer := socketPair(t)
			if _, err := peer.Write(b); err != nil {
				t.Fatal(err)
			}
			syscall.Shutdown(int(peer.Fd()), syscall.SHUT_WR)
			cfg := newConfig([]Option{WithAuthKey([]byte("fuzz-key"))})
			cfg.python = py
			if err := shake(fuzzCtx(t), c, &cfg, !dialer); !errors.Is(err, mproc.ErrAuthentication) {
				t.Fatalf("handshake (dialer %v, python %v) with a peer that sent %q: %v, want ErrAuthentication", dialer, py, b, err)
			}
		}
	})
}
