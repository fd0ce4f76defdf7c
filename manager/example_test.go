package manager_test

import (
	"context"
	"fmt"

	"mproc"
	"mproc/manager"
)

// decrement runs in a child process: the proxy it gets reaches the
// manager's dict.
var decrement = mproc.Register[*manager.Dict[string, int], mproc.None]("example.decrement",
	func(ctx context.Context, d *manager.Dict[string, int]) error {
		_, err := d.Add(ctx, "count", -1) // one atomic request to the manager
		return err
	})

// A manager's dict, decremented by ten child processes (CPython's
// `with Manager() as m: d = m.dict({'count': 10})`).
func Example() {
	ctx := context.Background()
	m, err := manager.Start(ctx) // a server process
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(ctx)
	d, err := manager.NewDict(ctx, m, map[string]int{"count": 10})
	if err != nil {
		panic(err)
	}
	var ps []*mproc.Proc[mproc.None]
	for range 10 {
		p, err := decrement.Start(ctx, d) // the proxy is an ordinary argument
		if err != nil {
			panic(err)
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			panic(err)
		}
	}
	count, err := d.Get(ctx, "count")
	fmt.Println(count, err)
	// Output: 0 <nil>
}
