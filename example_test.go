package mproc_test

import (
	"context"
	"errors"
	"fmt"

	"mproc"
)

var cube = mproc.Register[int, int]("example.cube", func(x int) int { return x * x * x })

func ExampleFunc_Start() {
	ctx := context.Background()
	p, err := cube.Start(ctx, 3)
	if err != nil {
		panic(err)
	}
	r, err := p.Wait(ctx)
	code, _ := p.ExitCode()
	fmt.Println(r, err, code)
	// Output: 27 <nil> 0
}

var waitForCancel = mproc.Register[mproc.None, mproc.None]("example.wait", func(ctx context.Context) error {
	<-ctx.Done() // Terminate cancels the context first, so the child can clean up
	return ctx.Err()
})

func ExampleProcess_Terminate() {
	ctx := context.Background()
	p, _ := waitForCancel.Start(ctx, mproc.None{}, mproc.WithName("sleeper"))
	fmt.Println(p)
	p.Terminate()
	p.Join(ctx)
	fmt.Println(p)
	// Output:
	// <Process(sleeper, started)>
	// <Process(sleeper, stopped exitcode=-15)>
}

var divide = mproc.Register[[2]int, int]("example.divide", func(ab [2]int) (int, error) {
	if ab[1] == 0 {
		return 0, errors.New("division by zero")
	}
	return ab[0] / ab[1], nil
})

func ExampleRemoteError() {
	ctx := context.Background()
	_, err := divide.Call(ctx, [2]int{1, 0})
	var re *mproc.RemoteError
	if errors.As(err, &re) {
		fmt.Println("the child said:", re.Message)
	}
	// Output: the child said: division by zero
}

type ticketBuyer struct{ Name string }

func (b ticketBuyer) Run(ctx context.Context) error {
	fmt.Println(b.Name, "runs in its own process")
	return nil
}

var buyers = mproc.RegisterRunner[ticketBuyer]("example.buyer")

func ExampleRegisterRunner() {
	ctx := context.Background()
	if _, err := buyers.Call(ctx, ticketBuyer{Name: "jason"}); err != nil {
		panic(err)
	}
	// Output: jason runs in its own process
}
