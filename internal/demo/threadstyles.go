package demo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Seed 000's second way to start a thread, class MyThread(Thread) with a
// run method, and its ten daemon threads printing current_thread().name;
// threading.Timer, which the seeds' readers meet next, is time.AfterFunc.

// myThread is the Go shape of class MyThread(Thread): a type with a Run
// method, started with go.
type myThread struct {
	Name string
	con  *console
}

// Run is MyThread.run.
func (t myThread) Run() {
	t.con.Printf("  start...%s", t.Name)
	t.con.Printf("  end...%s", t.Name)
}

func threadsStyles(ctx context.Context, con *console) error {
	con.Printf("\n(f) class MyThread(Thread): def run(self) ...; t = MyThread(); t.start()  →  a type with a Run method; go t.Run()")
	var wg sync.WaitGroup
	wg.Go(myThread{Name: "MyThread-1", con: con}.Run)
	wg.Wait()
	con.Printf("   Go has no Thread class to subclass: any method value is a goroutine's body.")

	con.Printf("\n(g) ten daemon threads: t.daemon = True; print(f'start...{current_thread().name}'), then main's last line")
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	for i := range 10 {
		name := fmt.Sprintf("Thread-%d", i+1)
		go func() { // a goroutine main does not wait for: a daemon thread
			con.Printf("  start...%s", name)
			started <- struct{}{}
			<-release // the seed's time.sleep(3): still running when main goes on
		}()
	}
	for range 10 {
		select {
		case <-started:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	con.Printf("main: 主进程(主线程)...MainThread; the ten never print end...: had main returned now, they would end with it")
	close(release)

	con.Printf("\n(h) threading.Timer(0.05, f).start()  →  time.AfterFunc(50*time.Millisecond, f)")
	fired := make(chan time.Duration, 1)
	t0 := time.Now()
	timer := time.AfterFunc(50*time.Millisecond, func() { fired <- time.Since(t0) })
	select {
	case d := <-fired:
		con.Printf("main: the timer's function ran after %v, in a goroutine of its own; timer.Stop() is Timer.cancel()", d.Round(10*time.Millisecond))
	case <-ctx.Done():
		timer.Stop()
		return ctx.Err()
	}
	return nil
}
