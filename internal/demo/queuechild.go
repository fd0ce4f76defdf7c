package demo

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"mproc"
)

// The seeds' 子进程发送数据给父进程 (a child sends data to its parent through
// a Queue), and the 复杂实例 (a bigger example): ten processes each put one
// line on a Queue(3) and ten others each get one and print it.

const (
	queueChildBig     = 1 << 20 // the item a child puts before the parent joins it
	queueChildPutters = 10
	queueChildGetters = 10
	queueChildMax     = 3
)

type queueChildArg struct {
	Console string
	Q       *mproc.Queue[[]string]
}

// queueChildF is the seed's f(q): q.put([time.asctime(), 'from Eva', 'hello']).
var queueChildF = mproc.Register[queueChildArg, mproc.None]("demo.queuechild.f", func(ctx context.Context, a queueChildArg) error {
	say(a.Console, "  child %s (pid %d): q.put([time.asctime(), 'from Eva', 'hello'])", mproc.Current().Name(), os.Getpid())
	return a.Q.Put(ctx, []string{time.Now().Format(time.ANSIC), "from Eva", "hello"})
})

type queueChildBigArg struct {
	Console string
	Q       *mproc.Queue[[]byte]
	Size    int
}

// queueChildBigPut puts one large item and returns at once: its process
// exits while the item waits in the queue.
var queueChildBigPut = mproc.Register[queueChildBigArg, mproc.None]("demo.queuechild.big", func(ctx context.Context, a queueChildBigArg) error {
	b := make([]byte, a.Size)
	for i := range b {
		b[i] = byte(i)
	}
	if err := a.Q.Put(ctx, b); err != nil {
		return err
	}
	say(a.Console, "  child %s: put %d bytes, and returns", mproc.Current().Name(), a.Size)
	return nil
})

type queueLineArg struct {
	Console string
	Q       *mproc.Queue[string]
}

// queueChildInput is the seed's inputQ: info = str(os.getpid()) + '(put):' +
// str(time.asctime()); queue.put(info). It returns what it put.
var queueChildInput = mproc.Register[queueLineArg, string]("demo.queuechild.input", func(ctx context.Context, a queueLineArg) (string, error) {
	info := fmt.Sprintf("%d(put):%s", os.Getpid(), time.Now().Format(time.ANSIC))
	if err := a.Q.Put(ctx, info); err != nil {
		return "", err
	}
	say(a.Console, "  %d(put) done", os.Getpid())
	return info, nil
})

// queueChildOutput is the seed's outputQ: info = queue.get(); print it. It
// returns what it got.
var queueChildOutput = mproc.Register[queueLineArg, string]("demo.queuechild.output", func(ctx context.Context, a queueLineArg) (string, error) {
	info, err := a.Q.Get(ctx)
	if err != nil {
		return "", err
	}
	say(a.Console, "  %d(get):%s", os.Getpid(), info)
	return info, nil
})

func init() {
	add(Demo{
		Name:  "queue-child",
		Title: "A child puts data on a Queue for its parent; 10 putters and 10 getters through a Queue(3)",
		Intro: "The seeds' inter-process queue: q = Queue(); p = Process(target=f, args=(q,)); the child puts " +
			"[time.asctime(), 'from Eva', 'hello'] and the parent prints q.get(). A queue is an ordinary argument: " +
			"pass it to Start. mproc's queue has no feeder thread: when Put returns, the item is in shared memory, " +
			"so a child may exit at once, and the parent may join it before getting (CPython warns that this can " +
			"hang). Then the seeds' bigger example: 10 processes each put one line (pid(put):time) on a Queue(3) " +
			"and 10 others each get one and print it. Only 3 fit at a time: the other putters wait in put until " +
			"getters make room. Every line arrives exactly once.",
		Run: stage(runQueueChild),
	})
}

func runQueueChild(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. 子进程发送数据给父进程: the child puts, the parent gets")
	q, err := mproc.NewQueue[[]string](0)
	if err != nil {
		return err
	}
	p, err := queueChildF.Start(ctx, queueChildArg{Console: con.path, Q: q})
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	got, err := q.Get(ctx)
	if err != nil {
		return err
	}
	con.Printf("main: print(q.get()) → %q", got)
	if _, err := p.Wait(ctx); err != nil {
		return err
	}
	if len(got) != 3 || got[1] != "from Eva" || got[2] != "hello" {
		return fmt.Errorf("queue-child: the child's item is %q", got)
	}
	con.Printf("main: p.join() → %v", p)

	con.Printf("\n2. Join before get: a child puts a %d KiB item and returns; the parent joins it first, then gets", queueChildBig>>10)
	bq, err := mproc.NewQueue[[]byte](0)
	if err != nil {
		return err
	}
	bp, err := queueChildBigPut.Start(ctx, queueChildBigArg{Console: con.path, Q: bq, Size: queueChildBig})
	if err != nil {
		return err
	}
	*started = append(*started, bp.Process)
	if err := bp.Join(ctx); err != nil {
		return err
	}
	code, _ := bp.ExitCode()
	con.Printf("main: joined %v (exit code %d), with its item still in the queue (q.Len() = %d)", bp, code, bq.Len())
	big, err := bq.Get(ctx)
	if err != nil {
		return err
	}
	if len(big) != queueChildBig || big[12345] != byte(12345%256) {
		return fmt.Errorf("queue-child: the big item came back with %d bytes", len(big))
	}
	con.Printf("main: q.get() → %d bytes, intact. (In CPython the child's feeder thread could not flush 1 MiB into\n"+
		"      a pipe nobody reads, so the child would not exit, and joining it before getting would hang.)", len(big))

	con.Printf("\n3. %d putters (inputQ) and %d getters (outputQ) through one Queue(%d)", queueChildPutters, queueChildGetters, queueChildMax)
	return queueChildMany(ctx, con, started)
}

func queueChildMany(ctx context.Context, con *console, started *[]*mproc.Process) error {
	q, err := mproc.NewQueue[string](queueChildMax)
	if err != nil {
		return err
	}
	arg := queueLineArg{Console: con.path, Q: q}
	putters := make([]*mproc.Proc[string], queueChildPutters)
	for i := range putters {
		if putters[i], err = queueChildInput.Start(ctx, arg); err != nil {
			return err
		}
		*started = append(*started, putters[i].Process)
	}
	// With no getter yet, exactly three putters get through; the rest wait in Put.
	if err := waitLines(ctx, con, "(put) done", queueChildMax, 3*time.Second); err != nil {
		return err
	}
	waiting := 0
	for _, p := range putters {
		if alive, _ := p.IsAlive(); alive {
			waiting++
		}
	}
	con.Printf("main: %d putters started, no getter yet; %d have put: q.Len() = %d, q.Full() = %v.\n"+
		"      %d putters are alive: the %d without room wait in put (and the %d that put may still be exiting)",
		queueChildPutters, queueChildMax, q.Len(), q.Full(), waiting, queueChildPutters-queueChildMax, queueChildMax)
	if q.Len() != queueChildMax || !q.Full() || waiting < queueChildPutters-queueChildMax {
		return fmt.Errorf("queue-child: with no getter, the Queue(%d) holds %d (Full %v) and %d putters are alive",
			queueChildMax, q.Len(), q.Full(), waiting)
	}

	getters := make([]*mproc.Proc[string], queueChildGetters)
	for i := range getters {
		if getters[i], err = queueChildOutput.Start(ctx, arg); err != nil {
			return err
		}
		*started = append(*started, getters[i].Process)
	}
	var put, got []string
	for _, p := range putters {
		s, err := p.Wait(ctx)
		if err != nil {
			return fmt.Errorf("queue-child: putter %v: %w", p, err)
		}
		put = append(put, s)
	}
	for _, p := range getters {
		s, err := p.Wait(ctx)
		if err != nil {
			return fmt.Errorf("queue-child: getter %v: %w", p, err)
		}
		got = append(got, s)
	}
	slices.Sort(put)
	slices.Sort(got)
	if !slices.Equal(put, got) || len(slices.Compact(slices.Clone(got))) != queueChildPutters {
		return fmt.Errorf("queue-child: put %q, got %q", put, got)
	}
	con.Printf("main: joined all %d processes. Put %d distinct lines, got %d: the same lines, each exactly once; q.Empty() = %v",
		queueChildPutters+queueChildGetters, len(put), len(got), q.Empty())
	return nil
}

// waitLines waits until at least n console lines contain substr.
func waitLines(ctx context.Context, con *console, substr string, n int, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		con.mu.Lock()
		count := 0
		for _, l := range con.lines {
			if strings.Contains(l, substr) {
				count++
			}
		}
		changed := con.changed
		con.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-con.done:
			return fmt.Errorf("console closed with %d of %d lines containing %q", count, n, substr)
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return fmt.Errorf("%d of %d lines containing %q within %v", count, n, substr, timeout)
		}
	}
}
