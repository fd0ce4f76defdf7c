package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Run drives the echo server at addr ("host:port", TCP) with the options'
// clients until the run's duration is up, and returns what it measured.
// Failures of the server (refused dials, resets, wrong replies) are counted
// in the Result, not returned; the error is for bad options, or ctx's when
// it ended the run early (the Result then holds what was measured).
func Run(ctx context.Context, addr string, opts ...Option) (Result, error) {
	c, err := newConfig(opts)
	if err != nil {
		return Result{}, err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return Result{}, fmt.Errorf("%w: address %q: %v", ErrBadOption, addr, err)
	}
	start := time.Now()
	runCtx, cancel := context.WithDeadline(ctx, start.Add(c.duration))
	defer cancel()
	s := &stats{rec: newRecorder()}
	var wg sync.WaitGroup
	for i := range c.conns {
		cl := &client{id: i, addr: addr, size: c.size, churn: c.churn, stats: s}
		wg.Go(func() { cl.run(runCtx) })
	}
	wg.Wait()
	elapsed := min(time.Since(start), c.duration)
	res := Result{
		Addr: addr, Conns: c.conns, Size: c.size, Churn: c.churn,
		Elapsed:    elapsed,
		Requests:   s.requests.Load(),
		Errors:     s.errors.Load(),
		FirstError: s.firstError(),
		Answered:   int(s.answered.Load()),
	}
	res.P50, res.P99, res.Max = s.rec.percentiles()
	return res, ctx.Err()
}

// stats is what the clients of a run add up.
type stats struct {
	requests, errors, answered atomic.Int64
	rec                        *recorder
	mu                         sync.Mutex
	first                      error
}

func (s *stats) fail(err error) {
	s.errors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first == nil {
		s.first = err
	}
}

func (s *stats) firstError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// client is one of the run's clients: a goroutine with (at most) one
// connection at a time.
type client struct {
	id    int
	addr  string
	size  int
	churn bool
	stats *stats

	conn     net.Conn
	unwatch  func() bool // stops the watch that unblocks conn when ctx ends
	answered bool
	failures int // dials failed in a row
}

// run sends requests until ctx ends. A connection that fails (or replies
// wrongly) is closed and the client dials again: one bad reply should not
// silence a client for the rest of the run.
func (cl *client) run(ctx context.Context) {
	req := make([]byte, cl.size)
	want := make([]byte, cl.size)
	got := make([]byte, cl.size)
	lat := cl.stats.rec.batch()
	defer lat.flush()
	defer cl.hangUp()
	for seq := 0; ctx.Err() == nil; seq++ {
		if cl.conn == nil {
			if err := cl.dial(ctx); err != nil {
				if runOver(ctx, err) {
					return
				}
				cl.stats.fail(fmt.Errorf("client %d: %w", cl.id, err))
				cl.backOff(ctx)
				continue
			}
		}
		fill(req, want, seq)
		t0 := time.Now()
		err := roundTrip(cl.conn, req, got)
		d := time.Since(t0)
		if err == nil {
			err = compare(got, want)
		}
		if err != nil {
			if !errors.Is(err, ErrMismatch) && runOver(ctx, err) {
				return
			}
			cl.stats.fail(fmt.Errorf("client %d, request %d: %w", cl.id, seq, err))
			cl.hangUp()
			continue
		}
		lat.record(d)
		cl.stats.requests.Add(1)
		if !cl.answered {
			cl.answered = true
			cl.stats.answered.Add(1)
		}
		if cl.churn {
			cl.hangUp()
		}
	}
}

func (cl *client) dial(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cl.addr)
	if err != nil {
		cl.failures++
		return err
	}
	cl.failures = 0
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return err
	}
	// The deadline ends the run's I/O on time; a cancel before it must
	// too: a deadline in the past unblocks a pending read at once.
	cl.unwatch = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	cl.conn = conn
	return nil
}

func (cl *client) hangUp() {
	if cl.conn == nil {
		return
	}
	cl.unwatch()
	cl.conn.Close()
	cl.conn = nil
}

// backOff waits after a failed dial, longer after each in a row (1 ms
// doubling to 100 ms), so that a server that refuses is not hammered by a
// hot loop that would also starve the clients that do get through.
func (cl *client) backOff(ctx context.Context) {
	d := min(time.Millisecond<<min(cl.failures-1, 7), 100*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// runOver says whether err is the run's end (the deadline, or ctx
// cancelled) rather than a failure of the server. The run's deadline is the
// only timeout a client has, and a dial can report it before ctx does.
func runOver(ctx context.Context, err error) bool {
	var ne net.Error
	return ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func roundTrip(conn net.Conn, req, got []byte) error {
	if _, err := conn.Write(req); err != nil {
		return err
	}
	n, err := io.ReadFull(conn, got)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (%d of %d bytes)", ErrClosedEarly, n, len(got))
	}
	return err
}

// alphabet is what requests are made of: letters the server upper-cases,
// and digits and punctuation it must leave alone.
const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 -.,"

// fill writes request seq into req and its expected reply into want. The
// pattern shifts with seq, so a reply to an earlier request doesn't match.
func fill(req, want []byte, seq int) {
	for i := range req {
		b := alphabet[(seq*7+i)%len(alphabet)]
		req[i] = b
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		want[i] = b
	}
}

func compare(got, want []byte) error {
	for i := range got {
		if got[i] != want[i] {
			return &MismatchError{Offset: i, Got: got[i], Want: want[i], Size: len(got)}
		}
	}
	return nil
}
