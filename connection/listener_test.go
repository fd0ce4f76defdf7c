package connection_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mproc/internal/testmain"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

// ---- Children ----

type dialArg struct {
	Network, Addr string
	Key           []byte
}

type dialResult struct {
	Pid   int
	Reply string
}

var (
	// commDial dials, says who it is, and answers the reply.
	commDial = mproc.Register[dialArg, dialResult]("test.conn.lst.dial", func(ctx context.Context, a dialArg) (dialResult, error) {
		c, err := connection.Dial(ctx, a.Network, a.Addr, connection.WithAuthKey(a.Key))
		if err != nil {
			return dialResult{}, err
		}
		defer c.Close()
		if err := c.Send(ctx, os.Getpid()); err != nil {
			return dialResult{}, err
		}
		var reply string
		if err := c.Recv(ctx, &reply); err != nil {
			return dialResult{}, err
		}
		if err := c.Send(ctx, reply+" back"); err != nil {
			return dialResult{}, err
		}
		return dialResult{Pid: os.Getpid(), Reply: reply}, nil
	})

	// commDialLock dials a Unix listener and receives a lock over it, which
	// it takes and releases.
	commDialLock = mproc.Register[dialArg, bool]("test.conn.lst.diallock", func(ctx context.Context, a dialArg) (bool, error) {
		c, err := connection.Dial(ctx, a.Network, a.Addr, connection.WithAuthKey(a.Key))
		if err != nil {
			return false, err
		}
		defer c.Close()
		var l *mproc.Lock
		if err := c.Recv(ctx, &l); err != nil {
			return false, err
		}
		held := !l.TryLock()
		if err := c.Send(ctx, held); err != nil {
			return false, err
		}
		if err := l.LockContext(ctx); err != nil {
			return false, err
		}
		l.Unlock()
		return held, c.Send(ctx, "took it")
	})
)

// ---- Listener ----

func TestListener(t *testing.T) {
	testmain.NoChildLeft(t)
	for _, network := range []string{"unix", "tcp"} {
		parallel(t, network+"/SameKey", func(t *testing.T) { testListenerSameKey(t, network) })
		parallel(t, network+"/WrongKey", func(t *testing.T) { testListenerWrongKey(t, network) })
		parallel(t, network+"/NoKey", func(t *testing.T) { testListenerNoKey(t, network) })
		parallel(t, network+"/ChildDials", func(t *testing.T) { testListenerChildDials(t, network) })
		parallel(t, network+"/AcceptCtx", func(t *testing.T) { testListenerAcceptCtx(t, network) })
		parallel(t, network+"/BufferTooShortAndEOF", func(t *testing.T) { testListenerConnBehaviour(t, network) })
	}
	parallel(t, "unix/ListenTwice", testListenerTwiceUnix)
	parallel(t, "tcp/ListenTwice", testListenerTwiceTCP)
	parallel(t, "unix/SocketFileRemovedAtClose", testListenerSocketFileRemoved)
	parallel(t, "unix/AbstractName", testListenerAbstract)
	parallel(t, "unix/LockOverConnection", testListenerLockOverConn)
	parallel(t, "tcp/NoSharedObjects", testListenerTCPRefusesShared)
	parallel(t, "BadAddresses", testListenerBadAddresses)
	parallel(t, "WaitOnSockets", testListenerWait)
}

// The same key on both sides: the connection is made and messages flow
// both ways.
func testListenerSameKey(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	key := []byte("the same key")
	l := listen(t, network, connection.WithAuthKey(key))
	if network == "tcp" && !strings.HasPrefix(l.Addr().String(), "127.0.0.1:") || strings.HasSuffix(l.Addr().String(), ":0") {
		t.Fatalf("Addr %q", l.Addr().String())
	}
	s, c := connected(t, ctx, l, connection.WithAuthKey(key))
	for i := range 20 {
		if err := c.Send(ctx, fmt.Sprint("ping ", i)); err != nil {
			t.Fatal(err)
		}
		var m string
		if err := s.Recv(ctx, &m); err != nil || m != fmt.Sprint("ping ", i) {
			t.Fatalf("server got %q, %v", m, err)
		}
		if err := s.Send(ctx, i*i); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.Recv(ctx, &n); err != nil || n != i*i {
			t.Fatalf("client got %d, %v", n, err)
		}
	}
	big := patterned(5<<20, 5)
	sent := make(chan error, 1)
	go func() { sent <- c.SendBytes(ctx, big) }() // more than the socket holds: received meanwhile
	if m, err := s.RecvBytes(ctx); err != nil || checkPattern(m, 5) != nil || len(m) != len(big) {
		t.Fatalf("5 MiB: %d bytes, %v", len(m), err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// A wrong key fails on both sides with ErrAuthentication and delivers
// nothing: the listener's next Accept gets the next, good client, whose
// message is the first one it reads.
func testListenerWrongKey(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, network, connection.WithAuthKey([]byte("right")))
	// (Not "right\x00": HMAC pads short keys with zeros, so that one is the
	// same key, in CPython too.)
	for _, bad := range [][]byte{[]byte("wrong"), []byte("righ"), []byte("Right"), {}} {
		ch := acceptAsync(ctx, l)
		c, err := connection.Dial(ctx, network, l.Addr().String(), connection.WithAuthKey(bad))
		if !errors.Is(err, mproc.ErrAuthentication) {
			t.Fatalf("Dial with key %q: %v, want ErrAuthentication", bad, err)
		}
		if c != nil {
			t.Fatalf("Dial with key %q returned a connection", bad)
		}
		a := <-ch
		if !errors.Is(a.err, mproc.ErrAuthentication) || a.c != nil {
			t.Fatalf("Accept of a client with key %q: %v, %v; want ErrAuthentication", bad, a.c, a.err)
		}
	}
	// A client without a key skips the handshake and sends at once: its
	// message is taken for an answer to the challenge, refused, and never
	// delivered.
	ch := acceptAsync(ctx, l)
	evil, err := connection.Dial(ctx, network, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := evil.Send(ctx, "evil"); err != nil {
		t.Fatal(err)
	}
	if a := <-ch; !errors.Is(a.err, mproc.ErrAuthentication) || a.c != nil {
		t.Fatalf("Accept of a client without a key that sent at once: %v, %v", a.c, a.err)
	}
	evil.Close()
	// The listener is still good.
	ch = acceptAsync(ctx, l)
	c, err := connection.Dial(ctx, network, l.Addr().String(), connection.WithAuthKey([]byte("right")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send(ctx, "good"); err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.c.Close()
	var s string
	if err := a.c.Recv(ctx, &s); err != nil || s != "good" {
		t.Fatalf("the first message after the bad clients: %q, %v", s, err)
	}
	// A child with the wrong key fails the same way.
	ch = acceptAsync(ctx, l)
	p := testmain.StartChild(t, ctx, commDial, dialArg{Network: network, Addr: l.Addr().String(), Key: []byte("wrong")})
	if _, err := p.Wait(ctx); !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("a child dialling with the wrong key: %v", err)
	}
	if a := <-ch; !errors.Is(a.err, mproc.ErrAuthentication) {
		t.Fatalf("Accept of the child with the wrong key: %v", a.err)
	}
}

// No key on either side: no handshake, messages flow.
func testListenerNoKey(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, network)
	s, c := connected(t, ctx, l)
	if err := s.SendBytes(ctx, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if m, err := c.RecvBytes(ctx); err != nil || string(m) != "first" {
		t.Fatalf("%q, %v", m, err)
	}
	if err := c.Send(ctx, []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	var v []int
	if err := s.Recv(ctx, &v); err != nil || !slices.Equal(v, []int{1, 2, 3}) {
		t.Fatalf("%v, %v", v, err)
	}
}

// A child dials the listener of this process, given its address.
func testListenerChildDials(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	key := []byte("family secret")
	l := listen(t, network, connection.WithAuthKey(key))
	var ps []*mproc.Proc[dialResult]
	for range 3 {
		ps = append(ps, testmain.StartChild(t, ctx, commDial, dialArg{Network: network, Addr: l.Addr().String(), Key: key}))
	}
	pids := map[int]bool{}
	for _, p := range ps {
		pids[p.Pid()] = true
	}
	for range ps {
		c, err := l.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := c.Recv(ctx, &pid); err != nil || !pids[pid] {
			t.Fatalf("a child says it is %d, %v (children %v)", pid, err, pids)
		}
		delete(pids, pid)
		if err := c.Send(ctx, fmt.Sprint("hello ", pid)); err != nil {
			t.Fatal(err)
		}
		var back string
		if err := c.Recv(ctx, &back); err != nil || back != fmt.Sprint("hello ", pid, " back") {
			t.Fatalf("%q, %v", back, err)
		}
		// The child closes its end and exits: EOF here.
		var x string
		if err := c.Recv(ctx, &x); !errors.Is(err, io.EOF) {
			t.Fatalf("after the child's last message: %v", err)
		}
		c.Close()
	}
	for _, p := range ps {
		r := waitOK(t, ctx, p)
		if r.Pid != p.Pid() || r.Reply != fmt.Sprint("hello ", p.Pid()) {
			t.Fatalf("%v: %+v", p, r)
		}
	}
}

// Accept returns ctx's error at its deadline, or when ctx is cancelled
// (and the listener still accepts afterwards), and gives up on a client
// that never answers the challenge at its deadline too. (Each deadline on
// a listener of its own: after one, the listener may keep a deadline in
// the past, TestListenerAcceptAfterTimeout.)
func testListenerAcceptCtx(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, network, connection.WithAuthKey([]byte("k")))
	cctx, cancel := context.WithCancel(ctx)
	ch := acceptAsync(cctx, l)
	stays(t, 30*time.Millisecond, "Accept waits", func() bool { return len(ch) == 0 })
	cancel()
	if a := receive(t, ch, wakeBound, "Accept after cancel"); !errors.Is(a.err, context.Canceled) {
		t.Fatalf("Accept after cancel: %v", a.err)
	}
	if _, err := l.Accept(expired()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept with a done ctx: %v", err)
	}
	connected(t, ctx, l, connection.WithAuthKey([]byte("k"))) // still accepting
	l.Close()
	if _, err := l.Accept(ctx); err == nil {
		t.Fatal("Accept on a closed listener succeeded")
	}

	const d = 200 * time.Millisecond
	l = listen(t, network, connection.WithAuthKey([]byte("k")))
	var err error
	took := timed(func() { _, err = l.Accept(shortCtx(t, ctx, d)) })
	if !isDeadline(err) {
		t.Fatalf("Accept at its deadline: %v", err)
	}
	within(t, "Accept with nobody dialling", took, d-20*time.Millisecond, d+2*time.Second)

	l = listen(t, network, connection.WithAuthKey([]byte("k")))
	release := make(chan struct{})
	silent := make(chan error, 1)
	go func() {
		c, err := connection.Dial(ctx, network, l.Addr().String()) // no key: no handshake
		if err == nil {
			<-release
			c.Close()
		}
		silent <- err
	}()
	took = timed(func() { _, err = l.Accept(shortCtx(t, ctx, d)) })
	close(release)
	if !errors.Is(err, mproc.ErrAuthentication) || !isDeadline(err) {
		t.Fatalf("Accept of a client that never answers: %v", err)
	}
	within(t, "Accept of a client that never answers", took, d-20*time.Millisecond, d+2*time.Second)
	if err := <-silent; err != nil {
		t.Fatal(err)
	}
}

// Connections from a listener behave as pipes do: RecvBytesInto's error
// carries the message, EOF after the peer closes, Poll.
func testListenerConnBehaviour(t *testing.T, network string) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, network, connection.WithAuthKey([]byte("k")))
	s, c := connected(t, ctx, l, connection.WithAuthKey([]byte("k")))
	if ok, err := s.Poll(expired()); ok || !ctxEnded(err) {
		t.Fatalf("Poll(done) with nothing sent: %v, %v", ok, err)
	}
	if err := c.SendBytes(ctx, []byte("0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendBytes(ctx, []byte("next")); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Poll(ctx); !ok || err != nil {
		t.Fatalf("Poll with a message: %v, %v", ok, err)
	}
	buf := make([]byte, 8)
	_, err := s.RecvBytesInto(ctx, buf)
	var bts *mproc.BufferTooShortError
	if !errors.Is(err, mproc.ErrBufferTooShort) || !errors.As(err, &bts) || string(bts.Message) != "0123456789abcdef" {
		t.Fatalf("16 bytes into 8: %v", err)
	}
	if n, err := s.RecvBytesInto(ctx, buf); err != nil || string(buf[:n]) != "next" {
		t.Fatalf("the next message: %q, %v", buf[:n], err)
	}
	const d = 200 * time.Millisecond
	var ok bool
	took := timed(func() { ok, err = s.Poll(shortCtx(t, ctx, d)) })
	if ok || err != nil && !isDeadline(err) {
		t.Fatalf("Poll with a deadline and nothing sent: %v, %v", ok, err)
	}
	within(t, "Poll with nothing sent", took, d-20*time.Millisecond, d+2*time.Second)
	if err := c.Send(ctx, "last"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var last string
	if err := s.Recv(ctx, &last); err != nil || last != "last" {
		t.Fatalf("the message sent before the close: %q, %v", last, err)
	}
	if err := s.Recv(ctx, &last); !errors.Is(err, io.EOF) {
		t.Fatalf("after the peer closed: %v, want io.EOF", err)
	}
	if ok, err := s.Poll(expired()); !ok || err != nil {
		t.Fatalf("Poll at EOF: %v, %v", ok, err)
	}
}

// Listening twice on one Unix path is an error, and leaves the first
// listener working (its socket file in place).
func testListenerTwiceUnix(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "unix")
	if l2, err := connection.Listen("unix", l.Addr().String()); err == nil {
		l2.Close()
		t.Fatal("listened twice on one path")
	}
	if _, err := os.Stat(l.Addr().String()); err != nil {
		t.Fatalf("the failed Listen removed the first listener's socket file: %v", err)
	}
	connected(t, ctx, l)
}

// Listening twice on one TCP port is an error.
func testListenerTwiceTCP(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "tcp")
	for _, addr := range []string{l.Addr().String(), "localhost" + l.Addr().String()[strings.LastIndex(l.Addr().String(), ":"):]} {
		if l2, err := connection.Listen("tcp", addr); err == nil {
			l2.Close()
			t.Fatalf("listened twice on %s (first on %s)", addr, l.Addr().String())
		}
	}
	connected(t, ctx, l)
}

// Close removes the socket file the listener made; connections accepted
// before stay open.
func testListenerSocketFileRemoved(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "unix")
	path := l.Addr().String()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket file: %v, %v", fi, err)
	}
	s, c := connected(t, ctx, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket file after Close: %v", err)
	}
	if _, err := connection.Dial(ctx, "unix", path); err == nil {
		t.Fatal("Dial to a closed listener succeeded")
	}
	if err := c.Send(ctx, 1); err != nil {
		t.Fatalf("an accepted connection after the listener closed: %v", err)
	}
	var v int
	if err := s.Recv(ctx, &v); err != nil || v != 1 {
		t.Fatalf("%d, %v", v, err)
	}
	// The path can be listened on again.
	l2, err := connection.Listen("unix", path)
	if err != nil {
		t.Fatalf("Listen again after Close: %v", err)
	}
	l2.Close()
}

// Linux's abstract namespace: no file.
func testListenerAbstract(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	name := fmt.Sprintf("@mproc-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	l, err := connection.Listen("unix", name, connection.WithAuthKey([]byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l2, err := connection.Listen("unix", name); err == nil {
		l2.Close()
		t.Fatal("listened twice on one abstract name")
	}
	p := testmain.StartChild(t, ctx, commDial, dialArg{Network: "unix", Addr: name, Key: []byte("k")})
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var pid int
	if err := c.Recv(ctx, &pid); err != nil || pid != p.Pid() {
		t.Fatalf("%d, %v", pid, err)
	}
	c.Send(ctx, "hi")
	waitOK(t, ctx, p)
}

// A connection over a Unix socket carries shared objects: a lock sent to
// a child that dialled is the same lock there.
func testListenerLockOverConn(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "unix", connection.WithAuthKey([]byte("k")))
	p := testmain.StartChild(t, ctx, commDialLock, dialArg{Network: "unix", Addr: l.Addr().String(), Key: []byte("k")})
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lock := newLock(t)
	lock.Lock()
	if err := c.Send(ctx, lock); err != nil {
		t.Fatal(err)
	}
	var held bool
	if err := c.Recv(ctx, &held); err != nil || !held {
		t.Fatalf("the child saw the lock held here as held=%v, %v", held, err)
	}
	lock.Unlock()
	var s string
	if err := c.Recv(ctx, &s); err != nil || s != "took it" {
		t.Fatalf("%q, %v", s, err)
	}
	if !waitOK(t, ctx, p) {
		t.Fatal("the child's result")
	}
}

// A TCP connection can't carry descriptors: a shared object is refused,
// and the connection goes on.
func testListenerTCPRefusesShared(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "tcp")
	s, c := connected(t, ctx, l)
	if err := c.Send(ctx, newLock(t)); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a Lock over TCP: %v, want ErrUnencodable", err)
	}
	if err := c.Send(ctx, "plain"); err != nil {
		t.Fatal(err)
	}
	var m string
	if err := s.Recv(ctx, &m); err != nil || m != "plain" {
		t.Fatalf("after the refused send: %q, %v", m, err)
	}
}

// Addresses that can't work are refused with an error.
func testListenerBadAddresses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	for _, c := range []struct{ network, addr string }{
		{"udp", "127.0.0.1:0"},
		{"tcp", "127.0.0.1"},
		{"tcp", "127.0.0.1:99999"},
		{"tcp", "example.invalid:80"},
		{"unix", ""},
		{"unix", "/" + strings.Repeat("x", 200)},
		{"unix", "/nonexistent-dir-mproc/s"},
	} {
		if l, err := connection.Listen(c.network, c.addr); err == nil {
			l.Close()
			t.Errorf("Listen(%q, %q) succeeded", c.network, c.addr)
		}
	}
	if _, err := connection.Dial(ctx, "unix", sockPath(t)); err == nil {
		t.Error("Dial to a path nobody listens on succeeded")
	}
	// A TCP port nobody listens on: take one, then close it.
	l, err := connection.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := connection.Dial(ctx, "tcp", addr); err == nil {
		t.Error("Dial to a closed TCP port succeeded")
	}
}

// Wait works on socket connections too, mixed with pipes: it returns
// exactly the ends with a message, and wakes for each kind.
func testListenerWait(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	lu, lt := listen(t, "unix"), listen(t, "tcp")
	su, cu := connected(t, ctx, lu)
	st, ct := connected(t, ctx, lt)
	pa, pb := newPipe(t, true)
	all := []*mproc.Conn{su, st, pa}
	// (Not a Wait that times out on sockets here: it can leave them with a
	// deadline in the past, TestListenerNoStaleDeadline, and a later Wait
	// then does not watch them.)
	if r, err := connection.Wait(expired(), all...); len(r) != 0 || !ctxEnded(err) {
		t.Fatalf("Wait with nothing sent: %v, %v", r, err)
	}
	for i, send := range []*mproc.Conn{ct, pb, cu} {
		res := make(chan []*mproc.Conn, 1)
		go func() { r, _ := connection.Wait(ctx, all...); res <- r }()
		stays(t, 30*time.Millisecond, "Wait waits", func() bool { return len(res) == 0 })
		if err := send.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
		want := []*mproc.Conn{st, pa, su}[i]
		if r := receive(t, res, wakeBound, fmt.Sprintf("Wait after send %d", i)); !slices.Equal(r, []*mproc.Conn{want}) {
			t.Fatalf("send %d: Wait returned %d ends, want the one with the message", i, len(r))
		}
		var v int
		if err := want.Recv(ctx, &v); err != nil || v != i {
			t.Fatalf("send %d: %d, %v", i, v, err)
		}
	}
}

// ---- Bugs in socket connections ----

// Poll with a done ctx on a socket connection only looks at what this
// process has buffered, not at the socket: the ctx's deadline, already
// past, is set on the socket before the read that would look, so a
// message that has arrived is not seen. Wait with such a ctx misses it too.
func TestListenerPollDoneSeesArrivedMessage(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	past := func() context.Context {
		c, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		t.Cleanup(cancel)
		return c
	}
	for _, network := range []string{"unix", "tcp"} {
		l := listen(t, network)
		s, c := connected(t, ctx, l)
		if err := s.SendBytes(ctx, []byte("here")); err != nil {
			t.Fatal(err)
		}
		// Poll with a ctx whose deadline has passed, until it sees the
		// message or 2 s have passed.
		seen := false
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			ok, err := c.Poll(past())
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				seen = true
				break
			}
		}
		if !seen {
			t.Errorf("%s: Poll with an expired ctx did not see a message sent 2 s before", network)
		}
		if r, err := connection.Wait(past(), c); len(r) != 1 || err != nil {
			t.Errorf("%s: Wait with an expired ctx: %d ready, %v; want the end with the message", network, len(r), err)
		}
		if m, err := c.RecvBytes(ctx); err != nil || string(m) != "here" {
			t.Fatalf("%s: %q, %v", network, m, err)
		}
	}
}

// A socket operation's ctx sets the socket's deadline, and a callback on
// ctx's end sets it to now; the callback may run after the operation has
// reset the deadline, leaving a deadline in the past on the socket. The
// next receive with a ctx without deadline then fails at once with
// "i/o timeout". Wait, which cancels the polls of the ends that were not
// ready, sets this off readily.
func TestListenerNoStaleDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "unix")
	s, c := connected(t, ctx, l)
	bad := 0
	var first error
	// recv receives with a ctx without deadline, counting the spurious
	// failures, and then gets the message anyway.
	recv := func(want string) {
		m, err := c.RecvBytes(context.Background())
		if err != nil {
			bad++
			if first == nil {
				first = err
			}
		}
		for tries := 0; err != nil && tries < 1000; tries++ {
			m, err = c.RecvBytes(ctx) // may fail the same way: the stale deadline can come late
		}
		if err != nil || string(m) != want {
			t.Fatalf("after %d spurious failures, a receive still fails: %q, %v", bad, m, err)
		}
	}
	const rounds = 2000
	for range rounds {
		if err := s.SendBytes(ctx, []byte("a")); err != nil {
			t.Fatal(err)
		}
		if _, err := connection.Wait(ctx, c); err != nil {
			t.Fatal(err)
		}
		recv("a")
		if err := s.SendBytes(ctx, []byte("b")); err != nil {
			t.Fatal(err)
		}
		recv("b")
	}
	if bad > 0 {
		t.Errorf("RecvBytes(context.Background()) with a message waiting failed %d times in %d (first: %v)", bad, 2*rounds, first)
	}
}

// At a ctx deadline, socket connections and listeners should return
// ctx's error (context.DeadlineExceeded; for Poll, false and no error),
// as pipes and queues do. The socket's deadline is set to ctx's, and when
// the socket's timer fires before ctx's own, ctx.Err() is still nil and
// the raw os.ErrDeadlineExceeded ("i/o timeout") comes out instead.
func TestListenerDeadlineIsCtxError(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	l := listen(t, "unix")
	s, _ := connected(t, ctx, l)
	const rounds = 40
	var bad []string
	for i := range rounds {
		d := time.Duration(1+i%5) * time.Millisecond
		if _, err := l.Accept(shortCtx(t, ctx, d)); !errors.Is(err, context.DeadlineExceeded) {
			bad = append(bad, fmt.Sprintf("Accept: %v", err))
		}
		if _, err := s.RecvBytes(shortCtx(t, ctx, d)); !errors.Is(err, context.DeadlineExceeded) {
			bad = append(bad, fmt.Sprintf("RecvBytes: %v", err))
		}
		if ok, err := s.Poll(shortCtx(t, ctx, d)); ok || !errors.Is(err, context.DeadlineExceeded) {
			bad = append(bad, fmt.Sprintf("Poll: %v, %v", ok, err))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d calls at their deadline did not return ctx's error; first: %s", len(bad), 3*rounds, bad[0])
	}
}

// The stale deadline of TestListenerNoStaleDeadline on a listener: after
// an Accept that timed out, the next Accept, with a long deadline and a
// client dialling, sometimes fails at once with "i/o timeout".
func TestListenerAcceptAfterTimeout(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	l := listen(t, "unix")
	const rounds = 500 // the race is narrow without the race detector's slowness
	bad := 0
	var first error
	for i := range rounds {
		if _, err := l.Accept(shortCtx(t, ctx, time.Duration(1+i%3)*time.Millisecond)); !isDeadline(err) {
			t.Fatalf("round %d: Accept with nobody dialling: %v", i, err)
		}
		dialled := make(chan error, 1)
		go func() {
			c, err := connection.Dial(ctx, "unix", l.Addr().String())
			if err == nil {
				c.Close()
			}
			dialled <- err
		}()
		c, err := l.Accept(shortCtx(t, ctx, 10*time.Second))
		for tries := 0; err != nil && tries < 1000; tries++ {
			if tries == 0 {
				bad++
				if first == nil {
					first = err
				}
			}
			c, err = l.Accept(shortCtx(t, ctx, 10*time.Second)) // the client still waits in the backlog
		}
		if err != nil {
			t.Fatalf("round %d: Accept keeps failing: %v", i, err)
		}
		c.Close()
		if err := <-dialled; err != nil {
			t.Fatal(err)
		}
	}
	if bad > 0 {
		t.Errorf("an Accept with a client dialling failed at once in %d of %d rounds, after an Accept that timed out (first: %v)", bad, rounds, first)
	}
}
