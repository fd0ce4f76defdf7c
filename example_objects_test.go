package mproc_test

import (
	"context"
	"fmt"
	"slices"

	"mproc"
)

var squareEx = mproc.Register[int, int]("example.square", func(x int) int { return x * x })

// A pool of two worker processes squares a list, like Pool(2).map(f, xs).
func ExampleFunc_Map() {
	ctx := context.Background()
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		panic(err)
	}
	defer pool.Shutdown(ctx)
	squares, err := squareEx.Map(ctx, pool, []int{1, 2, 3, 4, 5}, mproc.WithChunk(2))
	fmt.Println(squares, err)
	// Output: [1 4 9 16 25] <nil>
}

// Submit is apply_async; OnDone is its callback, run in this process when
// the worker's result arrives.
func ExampleFunc_Submit() {
	ctx := context.Background()
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		panic(err)
	}
	defer pool.Shutdown(ctx)
	called := make(chan int, 1)
	f := squareEx.Submit(ctx, pool, 12)
	f.OnDone(func(f *mproc.Future[int]) {
		v, _ := f.Get(ctx)
		called <- v
	})
	v, err := f.Get(ctx)
	fmt.Println(v, err, <-called)
	// Output: 144 <nil> 144
}

var produce = mproc.Register[*mproc.Queue[string], mproc.None]("example.produce",
	func(ctx context.Context, q *mproc.Queue[string]) error {
		for _, w := range []string{"spam", "ham", "eggs"} {
			if err := q.Put(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})

// A child puts into a Queue it received as its argument; the parent gets.
func ExampleQueue() {
	ctx := context.Background()
	q, err := mproc.NewQueue[string](0)
	if err != nil {
		panic(err)
	}
	defer q.Close()
	p, err := produce.Start(ctx, q)
	if err != nil {
		panic(err)
	}
	for range 3 {
		w, err := q.Get(ctx)
		fmt.Println(w, err)
	}
	_, err = p.Wait(ctx)
	fmt.Println("child:", err)
	// Output:
	// spam <nil>
	// ham <nil>
	// eggs <nil>
	// child: <nil>
}

var greet = mproc.Register[*mproc.Conn, mproc.None]("example.greet",
	func(ctx context.Context, c *mproc.Conn) error {
		defer c.Close()
		var name string
		if err := c.Recv(ctx, &name); err != nil {
			return err
		}
		return c.Send(ctx, "hello, "+name)
	})

// Pipe gives two connected ends; one goes to the child.
func ExamplePipe() {
	ctx := context.Background()
	here, there, err := mproc.Pipe(true)
	if err != nil {
		panic(err)
	}
	defer here.Close()
	p, err := greet.Start(ctx, there)
	if err != nil {
		panic(err)
	}
	there.Close() // the child has its own copy
	here.Send(ctx, "mproc")
	var reply string
	err = here.Recv(ctx, &reply)
	fmt.Println(reply, err)
	p.Join(ctx)
	// Output: hello, mproc <nil>
}

type counter struct {
	Lock  *mproc.Lock
	Count *mproc.Value[int64]
}

var increment = mproc.Register[counter, mproc.None]("example.increment", func(c counter) {
	for range 1000 {
		c.Lock.Lock()
		*c.Count.Pointer() += 1 // a read-modify-write: safe only under the lock
		c.Lock.Unlock()
	}
})

// Four processes increment one shared count under one Lock.
func ExampleLock() {
	ctx := context.Background()
	lock, _ := mproc.NewLock()
	defer lock.Close()
	count, _ := mproc.NewRawValue[int64](0)
	defer count.Close()
	var ps []*mproc.Proc[mproc.None]
	for range 4 {
		p, err := increment.Start(ctx, counter{lock, count})
		if err != nil {
			panic(err)
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		p.Join(ctx)
	}
	fmt.Println(count.Load())
	// Output: 4000
}

var deposit = mproc.Register[*mproc.Value[int64], mproc.None]("example.deposit", func(v *mproc.Value[int64]) {
	for range 100 {
		v.Add(10) // atomic: no lock needed
	}
})

// A Value in shared memory, updated by two children at once.
func ExampleValue() {
	ctx := context.Background()
	balance, _ := mproc.NewValue[int64](0)
	defer balance.Close()
	a, _ := deposit.Start(ctx, balance)
	b, _ := deposit.Start(ctx, balance)
	a.Join(ctx)
	b.Join(ctx)
	fmt.Println(balance.Load())
	// Output: 2000
}

var fill = mproc.Register[string, mproc.None]("example.fill", func(name string) error {
	shm, err := mproc.AttachSharedMemory(name)
	if err != nil {
		return err
	}
	defer shm.Close()
	copy(shm.Bytes(), "written by the child")
	return nil
})

// Named shared memory: a child attaches by name, as with
// SharedMemory(name=...) in Python; only the creator unlinks it.
func ExampleSharedMemory() {
	ctx := context.Background()
	shm, err := mproc.NewSharedMemory("", 64)
	if err != nil {
		panic(err)
	}
	defer shm.Unlink()
	defer shm.Close()
	if _, err := fill.Call(ctx, shm.Name()); err != nil {
		panic(err)
	}
	b := shm.Bytes()
	fmt.Println(string(b[:slices.Index(b, 0)]))
	// Output: written by the child
}
