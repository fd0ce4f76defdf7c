package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"mproc"
)

// The seeds' JoinableQueue producer-consumer: the consumers loop forever,
// calling q.task_done() after each item; each producer puts its items and
// then waits in q.join() until every item has been processed. The consumers
// are daemons: once the main process has joined the producers, everything
// has been eaten, and the consumers, still waiting in q.get(), end with the
// main process. No sentinel is needed.
//
// The seed's main process is itself a child here (joinableMain), as in the
// daemon demo, so that its end, and its daemons' end with it, can be
// watched from outside.

const joinableEach = 4 // what each producer makes

var (
	joinableCooks  = []string{"包子", "骨头", "泔水"}
	joinableEaters = []string{"c1", "c2"}
)

type joinableEaterArg struct {
	Console string
	Q       *mproc.JoinableQueue[string]
	Eaten   *mproc.Array[int64] // one count per consumer
	I       int                 // this consumer's slot in Eaten
}

// joinableConsumer is the seed's consumer: while True: res = q.get(); eat;
// q.task_done(). It never returns on its own.
var joinableConsumer = mproc.Register[joinableEaterArg, mproc.None]("demo.joinable.consumer", func(ctx context.Context, a joinableEaterArg) error {
	me := mproc.Current().Name()
	for {
		res, err := a.Q.Get(ctx)
		if err != nil {
			return err
		}
		time.Sleep(time.Duration(5+rand.IntN(15)) * time.Millisecond) // the seed's time.sleep(random.randint(1, 3))
		say(a.Console, "  %s %d 吃 %s", me, os.Getpid(), res)
		a.Eaten.Update(func(s []int64) { s[a.I]++ })
		if err := a.Q.TaskDone(); err != nil { // q.task_done(): one item processed
			return err
		}
	}
})

type joinableCookArg struct {
	Console string
	Q       *mproc.JoinableQueue[string]
	Name    string
	N       int
}

// joinableProducer is the seed's producer(name, q): put N items, then
// q.join(): wait until every item on the queue has been processed.
var joinableProducer = mproc.Register[joinableCookArg, int]("demo.joinable.producer", func(ctx context.Context, a joinableCookArg) (int, error) {
	for i := range a.N {
		time.Sleep(time.Duration(2+rand.IntN(8)) * time.Millisecond)
		res := fmt.Sprintf("%s%d", a.Name, i)
		say(a.Console, "  %d 生产了 %s", os.Getpid(), res)
		if err := a.Q.Put(ctx, res); err != nil {
			return i, err
		}
	}
	if err := a.Q.Join(ctx); err != nil { // q.join(): 生产完毕, wait until everything is processed
		return a.N, err
	}
	say(a.Console, "  %d: q.join() returned: everything put so far has been eaten", os.Getpid())
	return a.N, nil
})

type joinableArg struct{ Console string }

type joinableReport struct {
	Made  int
	Eaten []int64

	Consumers []int  // pids
	Alive     []bool // the consumers' IsAlive when main was about to end
}

// joinableMain is the seed's `if __name__ == '__main__':` block.
var joinableMain = mproc.Register[joinableArg, joinableReport]("demo.joinable.main", func(ctx context.Context, a joinableArg) (joinableReport, error) {
	var r joinableReport
	say(a.Console, "  主 (pid %d): q = JoinableQueue(); %d producers; %d consumers with daemon = True",
		os.Getpid(), len(joinableCooks), len(joinableEaters))
	q, err := mproc.NewJoinableQueue[string](0)
	if err != nil {
		return r, err
	}
	eaten, err := mproc.NewArray[int64](len(joinableEaters))
	if err != nil {
		return r, err
	}
	var consumers []*mproc.Proc[mproc.None]
	for i, name := range joinableEaters {
		c, err := joinableConsumer.Start(ctx, joinableEaterArg{Console: a.Console, Q: q, Eaten: eaten, I: i},
			mproc.WithDaemon(true), mproc.WithName(name))
		if err != nil {
			return r, err
		}
		consumers = append(consumers, c)
		r.Consumers = append(r.Consumers, c.Pid())
	}
	var producers []*mproc.Proc[int]
	for _, name := range joinableCooks {
		p, err := joinableProducer.Start(ctx, joinableCookArg{Console: a.Console, Q: q, Name: name, N: joinableEach})
		if err != nil {
			return r, err
		}
		producers = append(producers, p)
	}
	for _, p := range producers { // p1.join(); p2.join(); p3.join()
		n, err := p.Wait(ctx)
		if err != nil {
			return r, fmt.Errorf("%v: %w", p, err)
		}
		r.Made += n
	}
	if err := q.Join(ctx); err != nil { // returns at once: the producers' joins have returned
		return r, err
	}
	r.Eaten = eaten.Copy()
	var states []string
	for _, c := range consumers {
		alive, _ := c.IsAlive()
		r.Alive = append(r.Alive, alive)
		states = append(states, fmt.Sprintf("%s.is_alive()=%v", c.Name(), alive))
	}
	say(a.Console, "  主: joined the producers; q.Join(ctx) returned: every item put is marked done; %s (waiting in q.get()).\n"+
		"     主 ends now, without joining its daemon consumers.", strings.Join(states, ", "))
	return r, nil
})

func init() {
	add(Demo{
		Name:  "joinable",
		Title: "JoinableQueue: daemon consumers call task_done, q.join() waits for every item, the daemons end with main",
		Intro: "The seeds' JoinableQueue producer-consumer. Consumers loop forever: res = q.get(); eat; q.task_done(). " +
			"Producers put their items and then call q.join(), which waits until task_done has been called once for " +
			"every item put so far (a producer that finishes early may see the queue drained while another is still " +
			"putting). The main process joins every producer, then calls q.Join(ctx) itself: now everything has been eaten. " +
			"The consumers are daemons (mproc.WithDaemon(true)), still waiting in q.get(); they need no sentinel, " +
			"because they end when the main process ends. Here the seed's main process is itself a child, so that " +
			"we can watch its daemon consumers stop running the moment it ends.",
		Run: stage(runJoinable),
	})
}

func runJoinable(ctx context.Context, con *console, started *[]*mproc.Process) error {
	m, err := joinableMain.Start(ctx, joinableArg{Console: con.path}, mproc.WithName("main"))
	if err != nil {
		return err
	}
	*started = append(*started, m.Process)
	r, err := m.Wait(ctx)
	if err != nil {
		return err
	}
	ended := time.Now()
	var total int64
	var counts []string
	for i, n := range r.Eaten {
		total += n
		counts = append(counts, fmt.Sprintf("%s ate %d", joinableEaters[i], n))
	}
	con.Printf("\nwatching from outside: main ended (%v); %d made; %s: %d eaten", m, r.Made, strings.Join(counts, ", "), total)
	if want := len(joinableCooks) * joinableEach; r.Made != want || total != int64(want) {
		return fmt.Errorf("joinable: made %d, eaten %d; want %d, %d", r.Made, total, want, want)
	}
	for i, alive := range r.Alive {
		if !alive {
			return fmt.Errorf("joinable: consumer %s had ended before main did", joinableEaters[i])
		}
	}
	for i, pid := range r.Consumers {
		if !waitPidExit(ctx, pid, 2*time.Second) {
			return fmt.Errorf("joinable: daemon consumer %s (pid %d) still runs 2s after main ended", joinableEaters[i], pid)
		}
		con.Printf("watching from outside: the daemon consumer %s (pid %d), alive just before main ended, no longer runs (checked %v after main's end)",
			joinableEaters[i], pid, time.Since(ended).Round(time.Microsecond))
	}
	return nil
}
