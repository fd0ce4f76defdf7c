package progress_test

import (
	"context"
	"fmt"
	"time"

	"mproc"
	"mproc/progress"
)

// A Map with a progress bar: one option. The bar goes to stderr when it is
// a terminal; the results are Map's as ever.
func ExampleMap() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Terminate()
	squares, err := square.Map(ctx, pool, []int{1, 2, 3, 4}, progress.Map(progress.WithDescription("squares")))
	fmt.Println(squares, err)
	// Output: [1 4 9 16] <nil>
}
