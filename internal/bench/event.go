package bench

import (
	"context"
	"time"

	"mproc"
)

// eventPair is what the pong child gets: the two events and the number of
// round trips.
type eventPair struct {
	E1, E2 *mproc.Event
	N      int
}

// eventPong is python_ref.py's _ev_pong: n times, wait for e1, clear it and
// set e2. It gives up after eventTimeout, should the parent stop setting e1.
var eventPong = mproc.Register[eventPair, mproc.None]("bench.evpong", func(ctx context.Context, a eventPair) error {
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	for range a.N {
		if err := a.E1.Wait(ctx); err != nil {
			return err
		}
		a.E1.Clear()
		a.E2.Set()
	}
	return nil
})

// eventTimeout bounds the whole group, so that a lost wake-up fails the run
// instead of hanging it.
const eventTimeout = 2 * time.Minute

func init() {
	Register(Group{
		Name:    "event",
		Metrics: []Metric{{Name: "event_pingpong_roundtrip", Unit: "us/op", Python: "event_pingpong_roundtrip"}},
		Run:     runEvent,
	})
}

// runEvent mirrors python_ref.py's event_pingpong: a child answers each set
// of e1 with a set of e2, n_(20_000) times; the parent's loop (set e1, wait
// for e2, clear it) is timed.
func runEvent(ctx context.Context, scale float64) ([]Result, error) {
	n := N(20_000, scale)
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	e1, err := mproc.NewEvent()
	if err != nil {
		return nil, err
	}
	e2, err := mproc.NewEvent()
	if err != nil {
		return nil, err
	}
	p, err := eventPong.Start(ctx, eventPair{E1: e1, E2: e2, N: n})
	if err != nil {
		return nil, err
	}
	defer reap(p.Process)

	start := time.Now()
	for range n {
		e1.Set()
		if err := e2.Wait(ctx); err != nil {
			return nil, err
		}
		e2.Clear()
	}
	dt := time.Since(start)
	if _, err := p.Wait(ctx); err != nil {
		return nil, err
	}
	return []Result{{
		Name:  "event_pingpong_roundtrip",
		Unit:  "us/op",
		Value: float64(dt.Nanoseconds()) / 1e3 / float64(n),
		N:     n,
	}}, nil
}
