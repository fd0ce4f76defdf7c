package mproc_test

import (
	"context"
	"fmt"

	"mproc"
)

var decrement = mproc.Register[*mproc.Dict[string, int], mproc.None]("example.decrement",
	func(ctx context.Context, d *mproc.Dict[string, int]) error {
		_, err := d.Add(ctx, "count", -1) // one atomic request to the manager
		return err
	})

func ExampleStartManager() {
	ctx := context.Background()
	m, err := mproc.StartManager(ctx) // a server process
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(ctx)
	d, err := mproc.NewDict(ctx, m, map[string]int{"count": 10})
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
		p.Wait(ctx)
	}
	count, err := d.Get(ctx, "count")
	fmt.Println(count, err)
	// Output: 0 <nil>
}
