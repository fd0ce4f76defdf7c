package connection_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
	"mproc/internal/testmain"
)

// TestMain runs a child's target when this binary was started as a child
// (mproc.Main), else the tests.
func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m)
}

// ---- Contexts and time ----

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// shortCtx is a context that ends after d (and with the test).
func shortCtx(t *testing.T, ctx context.Context, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}

// expired returns a context that has already been cancelled.
func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// ctxEnded reports whether err is a context's error.
func ctxEnded(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// isDeadline reports whether err is ctx's deadline.
func isDeadline(err error) bool { return errors.Is(err, context.DeadlineExceeded) }

func timed(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}

// within checks that d lies in [lo, hi].
func within(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Fatalf("%s took %v, want between %v and %v", what, d, lo, hi)
	}
}

// stays checks that cond holds throughout d.
func stays(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
	}
}

// wakeBound is how long a waiter may take to notice what woke it: far
// more than it needs, far less than the tests' own timeouts.
const wakeBound = 3 * time.Second

// receive takes a value from c within d, or fails the test.
func receive[T any](t *testing.T, c <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing after %v", what, d)
		panic("unreachable")
	}
}

func parallel(t *testing.T, name string, f func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t)
	})
}

// ---- Children ----

func waitOK[R any](t *testing.T, ctx context.Context, p *mproc.Proc[R]) R {
	t.Helper()
	r, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("%v: %v", p, err)
	}
	return r
}

// ---- Objects ----

func newPipe(t *testing.T, duplex bool) (*mproc.Conn, *mproc.Conn) {
	t.Helper()
	a, b, err := mproc.Pipe(duplex)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func newLock(t *testing.T) *mproc.Lock {
	t.Helper()
	l, err := mproc.NewLock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func newEvent(t *testing.T) *mproc.Event {
	t.Helper()
	e, err := mproc.NewEvent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// patterned returns n bytes derived from seed, so that a torn, shifted or
// mixed-up message is detected by checkPattern.
func patterned(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	for ; i < len(b); i++ {
		b[i] = byte(seed) ^ byte(i)
	}
	return b
}

func checkPattern(b []byte, seed uint64) error {
	want := patterned(len(b), seed)
	for i := range b {
		if b[i] != want[i] {
			return fmt.Errorf("%d-byte message with seed %d differs at byte %d", len(b), seed, i)
		}
	}
	return nil
}

// ---- Listeners ----

// sockPath is a Unix socket path short enough for the 107-byte limit.
func sockPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mproc-sock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

// abstractName is a fresh name in Linux's abstract namespace.
func abstractName() string {
	return fmt.Sprintf("@mproc-conn-test-%d-%d", os.Getpid(), time.Now().UnixNano())
}

// listen listens on network's address (a fresh path, or 127.0.0.1:0) and
// closes the listener when the test ends.
func listen(t *testing.T, network string, opts ...connection.Option) *connection.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = sockPath(t)
	}
	l, err := connection.Listen(network, addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

type accepted struct {
	c   *mproc.Conn
	err error
}

func acceptAsync(ctx context.Context, l *connection.Listener) <-chan accepted {
	ch := make(chan accepted, 1)
	go func() {
		c, err := l.Accept(ctx)
		ch <- accepted{c, err}
	}()
	return ch
}

// connected returns both ends of a connection to l, dialled with opts.
func connected(t *testing.T, ctx context.Context, l *connection.Listener, opts ...connection.Option) (server, client *mproc.Conn) {
	t.Helper()
	ch := acceptAsync(ctx, l)
	c, err := connection.Dial(ctx, l.Addr().Network(), l.Addr().String(), opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	a := <-ch
	if a.err != nil {
		t.Fatalf("Accept: %v", a.err)
	}
	t.Cleanup(func() { a.c.Close() })
	return a.c, c
}
