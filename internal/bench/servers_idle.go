package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// idleConns is how many idle connections servers_idle holds open on each
// server at BENCH_SCALE=1 (fewer on a server with a cap, see maxIdle).
const idleConns = 10_000

func init() {
	Register(Group{Name: "servers_idle", Metrics: serverMetrics(idleServers(), "idle", []metricFig{{"kib_per_conn", "KiB"}, {"pss_kib_per_conn", "KiB"}}), Run: runIdle})
}

// runIdle measures what an idle connection costs each server: the growth
// of the server's resident memory (its processes' VmRSS, summed) while it
// holds the connections, per connection it accepted; and the same in
// proportional set size (Pss), which counts a page shared by forked
// processes once rather than in each. One round: the figure is a size, not
// a race for the CPU.
func runIdle(ctx context.Context, scale float64) ([]Result, error) {
	target := N(idleConns, scale)
	limit, err := raiseNoFile(ctx, target+256)
	if err != nil {
		return nil, err
	}
	if budget := int(limit) - 256; target > budget { // what this process needs besides the clients
		logf(ctx, "servers_idle: holding %d connections, not %d: the descriptor limit is %d", max(budget, 1), target, limit)
		target = max(budget, 1)
	}
	ctx, done := withEchoProgram(ctx, "servers_idle")
	defer done()
	values := map[string]float64{}
	var out []Result
	for _, s := range idleServers() {
		n := target
		if s.maxIdle > 0 && n > s.maxIdle {
			n = s.maxIdle
			logf(ctx, "servers_idle: %s holds %d connections, not %d (its cap: %s), and its rows' N says so", s.name, n, target, idleCapWhy(s))
		}
		m, err := measureIdle(ctx, s, n)
		if err == nil && m.accepted < n {
			logf(ctx, "servers_idle: %s accepted %d of the %d connections held", s.name, m.accepted, n)
		}
		switch {
		case errors.Is(err, errSkipped):
			logf(ctx, "servers_idle: %s skipped: %v", s.name, err)
			continue
		case err != nil:
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		logf(ctx, "servers_idle: %s: RSS %d KiB, then %d KiB with %d idle connections (%d processes): %.1f KiB each (Pss: %.1f)",
			s.name, m.before, m.after, m.accepted, m.procs, m.perConn, m.pssPerConn)
		out = append(out,
			Result{Name: rowName("idle", s.name, "kib_per_conn"), Unit: "KiB", Value: m.perConn, N: m.accepted},
			Result{Name: rowName("idle", s.name, "pss_kib_per_conn"), Unit: "KiB", Value: m.pssPerConn, N: m.accepted})
		values[s.name] = m.perConn
	}
	return append(out, ratioRows("idle", values, false, target)...), nil
}

// idleCapWhy says why a server holds fewer idle connections than the
// others.
func idleCapWhy(s echoServer) string {
	if s.maxIdle == perConnIdleCap {
		return "a process per connection"
	}
	return "a pool's waiting clients hold descriptors in its parent"
}

// idleMeasure is what holding idle connections cost a server.
type idleMeasure struct {
	before, after       int // VmRSS in KiB, summed over its processes
	pssBefore, pssAfter int // Pss in KiB, the same
	accepted            int // connections it took (distinct sockets it gained)
	procs               int // its processes while it held them
	perConn, pssPerConn float64
}

func measureIdle(ctx context.Context, s echoServer, n int) (idleMeasure, error) {
	rs, err := s.start(ctx)
	if err != nil {
		return idleMeasure{}, err
	}
	m, err := holdIdle(ctx, rs, n)
	if serr := rs.stop(); err == nil && serr != nil {
		err = fmt.Errorf("stopping: %w", serr)
	}
	return m, err
}

// idleSettle bounds the wait for a server to accept the connections and
// for its memory to settle; a server that makes no progress for
// idleStall is taken as done.
const (
	idleSettle = 30 * time.Second
	idleStall  = time.Second
	idlePoll   = 20 * time.Millisecond
)

func holdIdle(ctx context.Context, rs *runningServer, n int) (idleMeasure, error) {
	var m idleMeasure
	pids := treePids(rs.pid)
	var err error
	if m.before, err = treeRSS(pids); err != nil {
		return m, err
	}
	if m.pssBefore, err = treePSS(pids); err != nil {
		return m, err
	}
	baseSockets := treeSockets(pids)

	conns, dialErr := dialIdle(ctx, rs.addr, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if len(conns) == 0 {
		return m, fmt.Errorf("no connection made: %w", dialErr)
	}
	if len(conns) < n {
		logf(ctx, "servers_idle: %d of %d connections made; the dialing stopped at: %v", len(conns), n, dialErr)
	}

	// Wait until the server has accepted them all (its sockets grew by as
	// many), or makes no more progress.
	deadline := time.Now().Add(idleSettle)
	last, lastChange := -1, time.Now()
	for {
		pids = treePids(rs.pid)
		m.accepted = min(treeSockets(pids)-baseSockets, len(conns))
		if m.accepted != last {
			last, lastChange = m.accepted, time.Now()
		}
		if m.accepted >= len(conns) || time.Since(lastChange) > idleStall || time.Now().After(deadline) {
			break
		}
		if err := pause(ctx, idlePoll); err != nil {
			return m, err
		}
	}
	if m.accepted <= 0 {
		return m, fmt.Errorf("the server accepted none of %d connections", len(conns))
	}
	// Then its memory settles (a thread per connection is started after
	// the accept): until two readings 100 ms apart agree within 0.5%.
	prev := -1
	for time.Now().Before(deadline) {
		pids = treePids(rs.pid)
		if m.after, err = treeRSS(pids); err != nil {
			return m, err
		}
		if prev > 0 && abs(m.after-prev) <= prev/200 {
			break
		}
		prev = m.after
		if err := pause(ctx, 5*idlePoll); err != nil {
			return m, err
		}
	}
	if m.pssAfter, err = treePSS(pids); err != nil {
		return m, err
	}
	m.procs = len(pids)
	m.perConn = float64(m.after-m.before) / float64(m.accepted)
	m.pssPerConn = float64(m.pssAfter-m.pssBefore) / float64(m.accepted)
	return m, nil
}

func abs(x int) int { return max(x, -x) }

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dialIdle opens up to n connections to addr, a few dozen dials at a time
// (a burst of thousands overflows the server's accept queue, and the
// dropped handshakes cost a second each), and returns those it made with
// the first dial error. A run of failed dials, as many as dial at once,
// ends the dialing: a server that accepts no more (a goroutine pool leaves
// clients beyond its n in the kernel's backlog, which fills) would make
// each further dial wait out its timeout. A dial that fails alone (the
// machine was busy) does not.
func dialIdle(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	const dialers = 32
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var conns []net.Conn
	var firstErr error
	failedInARow := 0
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range min(dialers, n) {
		wg.Go(func() {
			d := net.Dialer{Timeout: idleDialTimeout}
			for range next {
				c, err := d.DialContext(ctx, "tcp", addr)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					if failedInARow++; failedInARow >= dialers {
						cancel()
					}
				} else {
					failedInARow = 0
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- struct{}{}:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return conns, firstErr
}

// idleDialTimeout bounds a dial of servers_idle: a handshake the server's
// full backlog dropped is sent again after a second.
const idleDialTimeout = 1500 * time.Millisecond
