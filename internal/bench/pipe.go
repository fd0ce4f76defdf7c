package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
)

// echoArgs is what the echo child gets: its end of the pipe and how many
// messages to echo.
type echoArgs struct {
	C *mproc.Conn
	N int
}

// pipeEcho is python_ref.py's _echo: n times, send back what was received
// (conn.send(conn.recv())), each message an int.
var pipeEcho = mproc.Register[echoArgs, mproc.None]("bench.echo", func(ctx context.Context, a echoArgs) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	defer a.C.Close()
	for range a.N {
		var v int
		if err := a.C.Recv(ctx, &v); err != nil {
			return err
		}
		if err := a.C.Send(ctx, v); err != nil {
			return err
		}
	}
	return nil
})

func init() {
	Register(Group{
		Name:    "pipe",
		Metrics: []Metric{{Name: "pipe_roundtrip_latency", Unit: "us/op", Python: "pipe_roundtrip_latency"}},
		Run:     runPipe,
	})
}

// runPipe mirrors python_ref.py's pipe_pingpong: a child echoes
// n_(50_000) messages on a duplex Pipe; the parent makes one untimed round
// trip, then times the other n-1 (a.send(i); a.recv()). Python divides by
// n-1, so a scale leaving n at 1 is an error there too.
func runPipe(ctx context.Context, scale float64) ([]Result, error) {
	n := N(50_000, scale)
	if n < 2 {
		return nil, errors.New("pipe needs at least 2 round trips (one is the untimed warm-up); raise BENCH_SCALE")
	}
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	a, b, err := mproc.Pipe(true)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	defer b.Close()
	p, err := pipeEcho.Start(ctx, echoArgs{C: b, N: n})
	if err != nil {
		return nil, err
	}
	defer reap(p.Process)

	roundTrip := func(i int) error {
		if err := a.Send(ctx, i); err != nil {
			return err
		}
		var v int
		if err := a.Recv(ctx, &v); err != nil {
			return err
		}
		if v != i {
			return fmt.Errorf("sent %d, got %d back", i, v)
		}
		return nil
	}
	if err := roundTrip(0); err != nil {
		return nil, err
	}
	start := time.Now()
	for i := range n - 1 {
		if err := roundTrip(i); err != nil {
			return nil, err
		}
	}
	dt := time.Since(start)
	if _, err := p.Wait(ctx); err != nil {
		return nil, err
	}
	return []Result{{
		Name:  "pipe_roundtrip_latency",
		Unit:  "us/op",
		Value: float64(dt.Nanoseconds()) / 1e3 / float64(n-1),
		N:     n - 1,
	}}, nil
}
