package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is a real TCP echo server on loopback whose replies a test
// can spoil. It counts what it accepted and echoed.
type testServer struct {
	ln       net.Listener
	accepted atomic.Int64
	echoed   atomic.Int64 // bytes
	// reply, if set, may change a reply (chunk n of connection c) in place
	// before it is sent; returning false closes the connection instead.
	reply func(c int64, n int, p []byte) bool
	// silent, if set, says which connections get no reply at all.
	silent func(c int64) bool
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func startServer(t *testing.T, configure func(*testServer)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln}
	if configure != nil {
		configure(s)
	}
	s.wg.Go(s.accept)
	t.Cleanup(s.close)
	return s
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

func (s *testServer) accept() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := s.accepted.Add(1)
		s.mu.Lock()
		s.conns = append(s.conns, conn)
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c, conn) })
	}
}

func (s *testServer) serve(c int64, conn net.Conn) {
	defer conn.Close()
	if s.silent != nil && s.silent(c) {
		io.Copy(io.Discard, conn) // read, never answer
		return
	}
	buf := make([]byte, 1024)
	for n := 0; ; n++ {
		k, err := conn.Read(buf)
		if err != nil {
			return
		}
		p := bytes.ToUpper(buf[:k])
		if s.reply != nil && !s.reply(c, n, p) {
			return
		}
		if _, err := conn.Write(p); err != nil {
			return
		}
		s.echoed.Add(int64(k))
	}
}

// close stops the server and waits for its goroutines.
func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunCounts(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	const conns, size = 8, 100
	res, err := Run(testCtx(t), s.addr(), WithConns(conns), WithDuration(300*time.Millisecond), WithSize(size))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.FirstError != nil {
		t.Fatalf("errors against a correct server: %d, first %v", res.Errors, res.FirstError)
	}
	if res.Requests == 0 || res.Answered != conns || res.Unanswered() != 0 {
		t.Fatalf("requests %d, answered %d of %d", res.Requests, res.Answered, conns)
	}
	// Every counted request was echoed; at most one per client was in
	// flight when the run ended.
	echoed := s.echoed.Load()
	if lo, hi := res.Requests*size, (res.Requests+conns)*size; echoed < lo || echoed > hi {
		t.Errorf("server echoed %d bytes, want %d to %d for %d requests", echoed, lo, hi, res.Requests)
	}
	if got := s.accepted.Load(); got != conns {
		t.Errorf("server accepted %d connections, want one per client (%d)", got, conns)
	}
	if !(0 < res.P50 && res.P50 <= res.P99 && res.P99 <= res.Max) {
		t.Errorf("latencies p50 %v, p99 %v, max %v: want 0 < p50 <= p99 <= max", res.P50, res.P99, res.Max)
	}
	if res.Elapsed <= 0 || res.Elapsed > 300*time.Millisecond {
		t.Errorf("elapsed %v, want up to the run's 300ms", res.Elapsed)
	}
	if want := float64(res.Requests) / res.Elapsed.Seconds(); res.RequestsPerSecond() != want {
		t.Errorf("rate %v, want %v", res.RequestsPerSecond(), want)
	}
	rows := res.Rows()
	if rows[0].Name != "requests" || rows[0].Value != res.RequestsPerSecond() || rows[0].N != int(res.Requests) {
		t.Errorf("first row %+v", rows[0])
	}
}

func TestRunDetectsWrongReplies(t *testing.T) {
	t.Parallel()
	// Every 5th reply of each connection has one byte lower-cased again.
	s := startServer(t, func(s *testServer) {
		s.reply = func(_ int64, n int, p []byte) bool {
			if n%5 == 4 {
				p[len(p)/2] ^= 0x01
			}
			return true
		}
	})
	res, err := Run(testCtx(t), s.addr(), WithConns(2), WithDuration(200*time.Millisecond), WithSize(64))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 {
		t.Fatalf("no error counted; %d requests", res.Requests)
	}
	var me *MismatchError
	if !errors.As(res.FirstError, &me) || !errors.Is(res.FirstError, ErrMismatch) || me.Offset != 32 || me.Size != 64 {
		t.Fatalf("first error %v, want a mismatch at byte 32 of 64", res.FirstError)
	}
	// 4 good replies for each bad one, which costs a reconnect.
	if res.Requests < res.Errors {
		t.Errorf("%d requests for %d errors: the good replies are not counted", res.Requests, res.Errors)
	}
	if s.accepted.Load() < res.Errors {
		t.Errorf("%d connections for %d errors: a client must redial after a wrong reply", s.accepted.Load(), res.Errors)
	}
}

func TestRunServerClosesEarly(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(s *testServer) {
		s.reply = func(_ int64, n int, p []byte) bool { return n < 3 }
	})
	res, err := Run(testCtx(t), s.addr(), WithConns(1), WithDuration(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || !errors.Is(res.FirstError, ErrClosedEarly) {
		t.Fatalf("errors %d, first %v; want the early close counted", res.Errors, res.FirstError)
	}
	if res.Requests < 3 {
		t.Errorf("%d requests, want the 3 answered before the close", res.Requests)
	}
}

func TestRunChurn(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	res, err := Run(testCtx(t), s.addr(), WithConns(3), WithDuration(300*time.Millisecond), WithChurn(true))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Requests < 3 || res.Answered != 3 || !res.Churn {
		t.Fatalf("churn: %d requests, %d errors (first %v), %d answered", res.Requests, res.Errors, res.FirstError, res.Answered)
	}
	// One connection per request, plus one per client cut off by the end.
	if acc := s.accepted.Load(); acc < res.Requests || acc > res.Requests+3 {
		t.Errorf("server accepted %d connections for %d requests", acc, res.Requests)
	}
}

func TestRunUnanswered(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(s *testServer) {
		s.silent = func(c int64) bool { return c == 2 } // the second accepted
	})
	res, err := Run(testCtx(t), s.addr(), WithConns(4), WithDuration(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Answered != 3 || res.Unanswered() != 1 {
		t.Fatalf("answered %d, unanswered %d; want 3 and 1", res.Answered, res.Unanswered())
	}
	if res.Errors != 0 {
		t.Errorf("a silent server is no error: %d, first %v", res.Errors, res.FirstError)
	}
	if res.Requests == 0 {
		t.Error("the other clients made no request")
	}
}

func TestRunNeverAccepted(t *testing.T) {
	t.Parallel()
	// A listener nobody accepts on: the kernel completes the handshakes,
	// and nothing ever answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res, err := Run(testCtx(t), ln.Addr().String(), WithConns(5), WithDuration(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Answered != 0 || res.Unanswered() != 5 || res.Requests != 0 || res.Errors != 0 {
		t.Fatalf("%+v", res)
	}
	if res.P50 != 0 || res.P99 != 0 || res.RequestsPerSecond() != 0 {
		t.Errorf("latencies or rate without requests: %+v", res)
	}
}

func TestRunRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res, err := Run(testCtx(t), addr, WithConns(2), WithDuration(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.FirstError == nil || res.Answered != 0 {
		t.Fatalf("refused dials not counted: %+v", res)
	}
	// The back-off keeps a refusing server from being hammered: at most
	// about 8 dials per client in 100 ms (1+2+4+...+64 ms).
	if res.Errors > 2*12 {
		t.Errorf("%d failed dials in 100 ms: no back-off", res.Errors)
	}
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(s *testServer) { s.silent = func(int64) bool { return true } })
	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	res, err := Run(ctx, s.addr(), WithConns(3), WithDuration(time.Minute))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Run took %v after a cancel at 50ms", took)
	}
	if res.Conns != 3 || res.Errors != 0 {
		t.Errorf("%+v", res)
	}
}

func TestRunBadOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr string
		opts []Option
	}{
		{"127.0.0.1:1", []Option{WithConns(0)}},
		{"127.0.0.1:1", []Option{WithDuration(0)}},
		{"127.0.0.1:1", []Option{WithSize(0)}},
		{"127.0.0.1:1", []Option{WithSize(maxSize + 1)}},
		{"no-port", nil},
	} {
		if _, err := Run(testCtx(t), tc.addr, tc.opts...); !errors.Is(err, ErrBadOption) {
			t.Errorf("Run(%q, ...) = %v, want ErrBadOption", tc.addr, err)
		}
	}
}

func TestFill(t *testing.T) {
	t.Parallel()
	req, want := make([]byte, 100), make([]byte, 100)
	fill(req, want, 3)
	if !bytes.Equal(bytes.ToUpper(req), want) || bytes.Equal(req, want) {
		t.Fatalf("req %q, want %q", req, want)
	}
	again := make([]byte, 100)
	fill(again, make([]byte, 100), 4)
	if bytes.Equal(again, req) {
		t.Error("consecutive requests are equal: a stale reply would pass")
	}
}
