// Command queue-child is the seeds' 子进程发送数据给父进程: q = Queue();
// Process(target=f, args=(q,)).start(); the child puts [time.asctime(),
// 'from Eva', 'hello'] and the parent prints q.get(). Then the seeds' bigger
// example: ten processes each put one line (pid(put):time) on a Queue(3) and
// ten others each get one and print it; only three fit at a time, so the
// other putters wait in put until getters make room.
//
// Run it with: go run ./examples/queue-child
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"mproc"
)

// f is the seed's f(q).
var f = mproc.Register[*mproc.Queue[[]string], mproc.None]("queue-child.f", func(ctx context.Context, q *mproc.Queue[[]string]) error {
	fmt.Printf("  child %d: q.put([time.asctime(), 'from Eva', 'hello'])\n", os.Getpid())
	return q.Put(ctx, []string{time.Now().Format(time.ANSIC), "from Eva", "hello"})
})

// input is the seed's inputQ: it puts one line and returns it.
var input = mproc.Register[*mproc.Queue[string], string]("queue-child.input", func(ctx context.Context, q *mproc.Queue[string]) (string, error) {
	info := fmt.Sprintf("%d(put):%s", os.Getpid(), time.Now().Format(time.ANSIC))
	return info, q.Put(ctx, info)
})

// output is the seed's outputQ: it gets one line, prints and returns it.
var output = mproc.Register[*mproc.Queue[string], string]("queue-child.output", func(ctx context.Context, q *mproc.Queue[string]) (string, error) {
	info, err := q.Get(ctx)
	fmt.Printf("  %d(get):%s\n", os.Getpid(), info)
	return info, err
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "queue-child:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. the child puts, the parent gets")
	q, err := mproc.NewQueue[[]string](0)
	if err != nil {
		return err
	}
	p, err := f.Start(ctx, q)
	if err != nil {
		return err
	}
	got, err := q.Get(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("main: print(q.get()) -> %q\n", got)
	if _, err := p.Wait(ctx); err != nil {
		return err
	}

	fmt.Println("2. ten putters and ten getters through one Queue(3)")
	lines, err := mproc.NewQueue[string](3)
	if err != nil {
		return err
	}
	put, err := startAll(ctx, input, lines)
	if err != nil {
		return err
	}
	taken, err := startAll(ctx, output, lines)
	if err != nil {
		return err
	}
	sent, err := waitAll(ctx, put)
	if err != nil {
		return err
	}
	received, err := waitAll(ctx, taken)
	if err != nil {
		return err
	}
	slices.Sort(sent)
	slices.Sort(received)
	if !slices.Equal(sent, received) {
		return fmt.Errorf("put %q, got %q", sent, received)
	}
	fmt.Printf("main: %d lines put, the same %d got, each exactly once\n", len(sent), len(received))
	return mproc.Shutdown(ctx)
}

func startAll(ctx context.Context, fn *mproc.Func[*mproc.Queue[string], string], q *mproc.Queue[string]) ([]*mproc.Proc[string], error) {
	var ps []*mproc.Proc[string]
	for range 10 {
		p, err := fn.Start(ctx, q)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func waitAll(ctx context.Context, ps []*mproc.Proc[string]) ([]string, error) {
	var out []string
	for _, p := range ps {
		s, err := p.Wait(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
