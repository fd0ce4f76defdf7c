package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"mproc"
)

// The seeds' 生产者消费者模型 (producer-consumer): cooks put 包子 (buns) on a
// queue and eaters get them. The eater loops on q.get() forever, so it needs
// to be told that no more is coming: a None on the queue, one per eater, put
// by the main process after every cook has been joined.
//
// Python's None becomes a nil pointer: the queue carries *food, a real
// item is non-nil, and the sentinel is nil.
//
//	q.put(None)                q.Put(ctx, nil)
//	res = q.get()              res, err := q.Get(ctx)
//	if res is None: break      if res == nil { break }

// food is one item a cook makes.
type food struct {
	Name string // 包子0, 骨头1, ...
	Cook int    // the pid of the process that made it
}

const (
	prodconsOne    = 4 // what the single cook makes
	prodconsEach   = 5 // what each of the several cooks makes
	prodconsEaters = 3
)

var prodconsCooks = []string{"包子", "骨头", "泔水"}

type cookArg struct {
	Console string
	Q       *mproc.Queue[*food]
	Name    string
	N       int
}

// prodconsProducer is the seed's producer(name, q): make N items, a
// little work each, and put them on the queue. It does not send the
// sentinel: the main process does, once it has joined every producer.
var prodconsProducer = mproc.Register[cookArg, int]("demo.prodcons.producer", func(ctx context.Context, a cookArg) (int, error) {
	for i := range a.N {
		time.Sleep(time.Duration(2+rand.IntN(8)) * time.Millisecond) // the seed's time.sleep(random.randint(1, 3))
		f := &food{Name: fmt.Sprintf("%s%d", a.Name, i), Cook: os.Getpid()}
		say(a.Console, "  %d 生产了 %s", os.Getpid(), f.Name)
		if err := a.Q.Put(ctx, f); err != nil {
			return i, err
		}
	}
	return a.N, nil
})

type eaterArg struct {
	Console string
	Q       *mproc.Queue[*food]
}

// prodconsConsumer is the seed's consumer(q): get and eat until the None.
// It returns what it ate.
var prodconsConsumer = mproc.Register[eaterArg, []string]("demo.prodcons.consumer", func(ctx context.Context, a eaterArg) ([]string, error) {
	var ate []string
	for {
		res, err := a.Q.Get(ctx)
		if err != nil {
			return ate, err
		}
		if res == nil { // if res is None: break  (收到结束信号则结束)
			say(a.Console, "  %d got None: 收到结束信号, stops after eating %d", os.Getpid(), len(ate))
			return ate, nil
		}
		time.Sleep(time.Duration(2+rand.IntN(8)) * time.Millisecond) // eating takes a moment
		ate = append(ate, res.Name)
		say(a.Console, "  %d 吃 %s (made by %d)", os.Getpid(), res.Name, res.Cook)
	}
})

func init() {
	add(Demo{
		Name:  "producer-consumer",
		Title: "Producer-consumer through a Queue, ended by a None sentinel per consumer (a nil *food in Go)",
		Intro: "The seeds' 生产者消费者模型. A cook (producer) puts 包子 on a Queue; an eater (consumer) loops " +
			"res = q.get() and eats. When the cook is done, the eater would wait in q.get() forever, and the main " +
			"process with it. The fix: a sentinel. Python puts None; in Go the queue carries *food and the sentinel " +
			"is nil (q.Put(ctx, nil); if res == nil { break }). The main process puts it after joining the " +
			"producer, not before: an item put after the sentinel would never be eaten. With several producers " +
			"and several consumers, main joins every producer, then puts one None per consumer (有几个消费者就应该" +
			"发送几次结束信号None). Each consumer stops at its own None; together they eat exactly what was made.",
		Run: stage(runProdCons),
	})
}

func runProdCons(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("0. Without a sentinel: the producer makes %d and ends; the consumer eats them and waits in q.get() forever", prodconsOne)
	q0, err := mproc.NewQueue[*food](0)
	if err != nil {
		return err
	}
	p, c, err := prodconsPair(ctx, con, started, q0)
	if err != nil {
		return err
	}
	if _, err := p.Wait(ctx); err != nil {
		return err
	}
	if _, err := con.waitLine(ctx, fmt.Sprintf("吃 %s%d", prodconsCooks[0], prodconsOne-1), 3*time.Second); err != nil {
		return err
	}
	alive, _ := c.IsAlive()
	con.Printf("main: the producer is done (%v); the consumer has eaten all %d, and c.is_alive() = %v: it waits in q.get(),\n"+
		"      and the seed's main never ends. Terminating it.", p, prodconsOne, alive)
	if !alive {
		return fmt.Errorf("producer-consumer: the consumer without a sentinel ended: %v", c)
	}
	c.Terminate()
	if err := c.Join(ctx); err != nil {
		return err
	}
	con.Printf("main: %v", c)

	con.Printf("\n1. One producer, one consumer; main joins the producer, then q.put(None)")
	q1, err := mproc.NewQueue[*food](0)
	if err != nil {
		return err
	}
	p, c, err = prodconsPair(ctx, con, started, q1)
	if err != nil {
		return err
	}
	made, err := p.Wait(ctx) // p1.join()  必须保证生产者生产完毕,才应该发送结束信号
	if err != nil {
		return err
	}
	if err := q1.Put(ctx, nil); err != nil { // q.put(None)
		return err
	}
	con.Printf("主: joined the producer (%d made); q.Put(ctx, nil), Python's q.put(None)", made)
	ate, err := c.Wait(ctx)
	if err != nil {
		return err
	}
	want := foodNames(prodconsCooks[0], prodconsOne)
	if !slices.Equal(ate, want) {
		return fmt.Errorf("producer-consumer: the consumer ate %q, want %q in order", ate, want)
	}
	con.Printf("main: the consumer stopped at the None after eating %d of %d, in order: %s", len(ate), made, strings.Join(ate, " "))

	con.Printf("\n2. %d producers (%s), %d consumers; main joins the producers, then puts %d Nones",
		len(prodconsCooks), strings.Join(prodconsCooks, ", "), prodconsEaters, prodconsEaters)
	return prodconsMany(ctx, con, started)
}

// prodconsPair starts one producer of buns and one consumer on q.
func prodconsPair(ctx context.Context, con *console, started *[]*mproc.Process, q *mproc.Queue[*food]) (*mproc.Proc[int], *mproc.Proc[[]string], error) {
	p, err := prodconsProducer.Start(ctx, cookArg{Console: con.path, Q: q, Name: prodconsCooks[0], N: prodconsOne})
	if err != nil {
		return nil, nil, err
	}
	*started = append(*started, p.Process)
	c, err := prodconsConsumer.Start(ctx, eaterArg{Console: con.path, Q: q})
	if err != nil {
		return nil, nil, err
	}
	*started = append(*started, c.Process)
	return p, c, nil
}

func prodconsMany(ctx context.Context, con *console, started *[]*mproc.Process) error {
	q, err := mproc.NewQueue[*food](0)
	if err != nil {
		return err
	}
	var cooks []*mproc.Proc[int]
	for _, name := range prodconsCooks {
		p, err := prodconsProducer.Start(ctx, cookArg{Console: con.path, Q: q, Name: name, N: prodconsEach})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		cooks = append(cooks, p)
	}
	var eaters []*mproc.Proc[[]string]
	for range prodconsEaters {
		c, err := prodconsConsumer.Start(ctx, eaterArg{Console: con.path, Q: q})
		if err != nil {
			return err
		}
		*started = append(*started, c.Process)
		eaters = append(eaters, c)
	}
	made := 0
	var want []string
	for i, p := range cooks { // p1.join(); p2.join(); p3.join()
		n, err := p.Wait(ctx)
		if err != nil {
			return fmt.Errorf("producer-consumer: %v: %w", p, err)
		}
		made += n
		want = append(want, foodNames(prodconsCooks[i], n)...)
	}
	for range eaters { // q.put(None) once per consumer
		if err := q.Put(ctx, nil); err != nil {
			return err
		}
	}
	con.Printf("主: joined the %d producers (%d made in all); put %d Nones, one per consumer", len(cooks), made, len(eaters))
	var all []string
	var counts []string
	for _, c := range eaters {
		ate, err := c.Wait(ctx)
		if err != nil {
			return fmt.Errorf("producer-consumer: %v: %w", c, err)
		}
		con.Printf("main: consumer %s (pid %d) ate %d: %s", c.Name(), c.Pid(), len(ate), strings.Join(ate, " "))
		counts = append(counts, fmt.Sprint(len(ate)))
		all = append(all, ate...)
	}
	slices.Sort(all)
	slices.Sort(want)
	if !slices.Equal(all, want) {
		return fmt.Errorf("producer-consumer: the consumers ate %q, the producers made %q", all, want)
	}
	con.Printf("main: eaten %s = %d, made %d: every item eaten exactly once, and every consumer stopped at its None",
		strings.Join(counts, " + "), len(all), made)
	return nil
}

// foodNames is what a cook called name makes: name0, name1, ...
func foodNames(name string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", name, i)
	}
	return out
}
