package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"mproc"
)

// CPython's exitcode example, and the four ways a process ends that the
// seeds list (normal exit, error exit, fatal error, killed by another
// process): six children, each ending differently, printed before start,
// after start and after join.

type lifecycleArg struct {
	Console string
	Gate    string // the quick children end once the demo has shown them running
	Cleanup string // the terminated child cleans up once the demo has shown it still alive
	Mode    string
}

var lifecycleChild = mproc.Register[lifecycleArg, mproc.None]("demo.lifecycle.child", func(ctx context.Context, a lifecycleArg) error {
	name := mproc.Current().Name()
	passGate := func() {
		if err := waitGate(a.Gate); err != nil {
			panic(err)
		}
	}
	switch a.Mode {
	case "ok":
		passGate()
		return nil
	case "error":
		passGate()
		return errors.New("余票不足: no tickets left")
	case "exit":
		passGate()
		os.Exit(3) // sys.exit(3)
	case "panic":
		passGate()
		var tickets map[string]int
		//lint:ignore SA5000 the planned fatal error of this case
		tickets["jason"]++ // a fatal error: assignment to a nil map
	case "terminate", "kill":
		say(a.Console, "  child %s: working until told to stop", name)
		<-ctx.Done()                                // Terminate cancels the context; Kill gives no warning
		if err := waitGate(a.Cleanup); err != nil { // the clean-up takes a while
			panic(err)
		}
		say(a.Console, "  child %s: context cancelled: cleaning up, closing the ticket file", name)
		return ctx.Err()
	}
	return fmt.Errorf("unknown mode %q", a.Mode)
})

type lifecycleCase struct {
	mode, what string
	code       int
}

var lifecycleCases = []lifecycleCase{
	{"ok", "returns nil", 0},
	{"error", "returns an error", 1},
	{"exit", "calls os.Exit(3)", 3},
	{"panic", "panics", 1},
	{"terminate", "is terminated", -int(syscall.SIGTERM)},
	{"kill", "is killed", -int(syscall.SIGKILL)},
}

func init() {
	add(Demo{
		Name:  "lifecycle",
		Title: "Process states and exit codes: initial, started, stopped; 0, 1, sys.exit(n), -SIGTERM, -SIGKILL",
		Intro: "CPython's exitcode example and the four ways a process ends: normally (exit code 0), with an " +
			"error (1; here the error's text reaches the parent as a *mproc.RemoteError), by sys.exit(n) (n; " +
			"os.Exit), by a fatal error (a panic: 1), or killed by another process: terminate() (-15) and " +
			"kill() (-9). Unlike CPython's, mproc's terminate first cancels the child's context, so the child " +
			"can clean up before it ends. Watch each process's printable state and is_alive change; right after " +
			"terminate() is_alive is still True, as in the seed: terminate only asks, and the child takes a while to end. " +
			"The children's stderr (an error's text, a panic's stack) is captured with mproc.WithStderr and shown " +
			"after the tables. Then the smaller things of the seed's list: the authkey a child inherits, calling " +
			"run() directly (the function runs in this process; such a process cannot be joined), and join(timeout).",
		Run: stage(runLifecycle),
	})
}

func runLifecycle(ctx context.Context, con *console, started *[]*mproc.Process) error {

	g, err := con.newGate("gate")
	if err != nil {
		return err
	}
	defer g.Open()
	cleanup, err := con.newGate("cleanup")
	if err != nil {
		return err
	}
	defer cleanup.Open()
	procs := make([]*mproc.Proc[mproc.None], len(lifecycleCases))
	stderr := make([]*bytes.Buffer, len(lifecycleCases))
	for i, c := range lifecycleCases {
		stderr[i] = new(bytes.Buffer) // written by mproc's copier, read after Join
		procs[i] = lifecycleChild.Process(lifecycleArg{Console: con.path, Gate: g.path, Cleanup: cleanup.path, Mode: c.mode},
			mproc.WithStderr(stderr[i]))
	}
	table := func(title string) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s:\n", title)
		for i, p := range procs {
			alive, _ := p.IsAlive()
			code := "None"
			if c, ok := p.ExitCode(); ok {
				code = fmt.Sprint(c)
			}
			fmt.Fprintf(&b, "  %-20s %-44s is_alive=%-5v exitcode=%s\n", lifecycleCases[i].what, p.String(), alive, code)
		}
		con.Printf("%s", b.String())
	}

	table("Before start")
	for _, p := range procs {
		if err := p.Start(ctx); err != nil {
			return err
		}
		*started = append(*started, p.Process)
	}
	table("After start")
	g.Open()

	term, kill := procs[4], procs[5]
	for _, p := range []*mproc.Proc[mproc.None]{term, kill} {
		if _, err := con.waitLine(ctx, p.Name()+": working", 3*time.Second); err != nil {
			return err
		}
	}
	con.Printf("main: %s.terminate(), %s.kill()", term.Name(), kill.Name())
	if err := term.Terminate(); err != nil {
		return err
	}
	if err := kill.Kill(); err != nil {
		return err
	}
	termAlive, _ := term.IsAlive()
	killAlive, _ := kill.IsAlive()
	con.Printf("main: right after: %s.is_alive() = %v, %s.is_alive() = %v\n"+
		"   terminate() and kill() send their signal and return without waiting, as CPython's do (the seed's\n"+
		"   p1.terminate(); print(p1.is_alive()) prints True): the child is still alive until it has ended.\n"+
		"   Join after them.", term.Name(), termAlive, kill.Name(), killAlive)
	if !termAlive {
		return fmt.Errorf("lifecycle: the terminated child was gone before it cleaned up")
	}
	cleanup.Open()

	errs := make([]error, len(procs))
	for i, p := range procs {
		_, errs[i] = p.Wait(ctx) // joins
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	table("After join")

	con.Printf("How each ended, as Wait reports it:")
	for i, p := range procs {
		c := lifecycleCases[i]
		code, _ := p.ExitCode()
		if code != c.code {
			return fmt.Errorf("lifecycle: the child that %s exited with %d, want %d", c.what, code, c.code)
		}
		desc, err := describeEnd(c, errs[i])
		if err != nil {
			return err
		}
		con.Printf("  %-20s exitcode=%-3d %s", c.what, code, desc)
	}
	if _, err := con.waitLine(ctx, term.Name()+": context cancelled", 2*time.Second); err != nil {
		return fmt.Errorf("lifecycle: the terminated child did not clean up: %w", err)
	}
	if i := con.index(kill.Name() + ": context cancelled"); i >= 0 {
		return errors.New("lifecycle: the killed child ran its clean-up")
	}
	con.Printf("   The terminated child cleaned up first (its line above); the killed one had no chance.")

	con.Printf("\nWhat the children wrote on their stderr (mproc.WithStderr: kept apart, shown here, two lines each):")
	for i, c := range lifecycleCases {
		lines := strings.SplitN(strings.TrimSpace(stderr[i].String()), "\n", 3)
		shown := strings.Join(lines[:min(2, len(lines))], " / ")
		if shown == "" {
			shown = "(nothing)"
		} else if len(lines) > 2 {
			shown += " / …"
		}
		con.Printf("  %-20s %s", c.what, shown)
	}
	if !strings.Contains(stderr[1].String(), "no tickets left") || !strings.Contains(stderr[3].String(), "nil map") {
		return fmt.Errorf("lifecycle: the failing children's stderr lacks their errors: %q, %q", stderr[1], stderr[3])
	}

	p := procs[0]
	if err := p.Close(); err != nil {
		return err
	}
	jerr := p.Join(ctx)
	con.Printf("\nmain: p.close() releases the record: %v; joining it now fails: %v", p, jerr)
	if !errors.Is(jerr, mproc.ErrClosed) {
		return fmt.Errorf("lifecycle: Join after Close: %v, want ErrClosed", jerr)
	}
	return lifecycleSmaller(ctx, con, started)
}

// describeEnd checks and spells the error Wait returned for case c.
func describeEnd(c lifecycleCase, err error) (string, error) {
	var re *mproc.RemoteError
	var ee *mproc.ExitError
	switch c.mode {
	case "ok":
		if err == nil {
			return "Wait: result, no error", nil
		}
	case "error":
		if errors.As(err, &re) && !re.Panicked && strings.Contains(re.Message, "no tickets left") {
			return fmt.Sprintf("Wait: *mproc.RemoteError from %s: %q", re.Name, re.Message), nil
		}
	case "panic":
		if errors.As(err, &re) && re.Panicked {
			return fmt.Sprintf("Wait: *mproc.RemoteError, Panicked: %q (with the child's stack)", re.Message), nil
		}
	case "exit":
		if errors.As(err, &ee) && ee.Code == 3 && ee.Signal == 0 {
			return fmt.Sprintf("Wait: *mproc.ExitError, code %d, no result", ee.Code), nil
		}
	case "terminate", "kill":
		if errors.As(err, &ee) && int(ee.Signal) == -c.code {
			return fmt.Sprintf("Wait: *mproc.ExitError, signal %d (%v)", int(ee.Signal), ee.Signal), nil
		}
	}
	return "", fmt.Errorf("lifecycle: the child that %s: unexpected Wait error %v", c.what, err)
}

// lifecycleKeyArg asks a child for its authkey, or to wait until cancelled.
type lifecycleKeyArg struct{ Wait bool }

// lifecycleKey is a target that reports the pid it runs in and its process's
// authkey; or, with Wait, waits until it is told to stop.
func lifecycleKey(ctx context.Context, a lifecycleKeyArg) (lifecycleKeyReply, error) {
	if a.Wait {
		<-ctx.Done()
		return lifecycleKeyReply{}, ctx.Err()
	}
	return lifecycleKeyReply{Pid: os.Getpid(), Key: mproc.Current().AuthKey()}, nil
}

type lifecycleKeyReply struct {
	Pid int
	Key []byte
}

var lifecycleKeyFunc = mproc.Register[lifecycleKeyArg, lifecycleKeyReply]("demo.lifecycle.key", lifecycleKey)

// lifecycleSmaller shows the seed's smaller items: authkey, run() called
// directly, and join(timeout).
func lifecycleSmaller(ctx context.Context, con *console, started *[]*mproc.Process) error {
	mine := mproc.Current().AuthKey()
	con.Printf("\np.authkey: this process's is %x… (%d random bytes, os.urandom in CPython)", mine[:4], len(mine))
	r, err := lifecycleKeyFunc.Call(ctx, lifecycleKeyArg{})
	if err != nil {
		return err
	}
	con.Printf("   a child's current_process().authkey: %x…: inherited, equal: %v", r.Key[:4], bytes.Equal(r.Key, mine))
	key := []byte("童子军-secret")
	r2, err := lifecycleKeyFunc.Call(ctx, lifecycleKeyArg{}, mproc.WithAuthKey(key))
	if err != nil {
		return err
	}
	con.Printf("   with mproc.WithAuthKey(%q): the child's is %q. Connections between processes (managers,\n"+
		"   connection.Listen) accept only a peer with the same key.", key, r2.Key)
	if !bytes.Equal(r.Key, mine) || !bytes.Equal(r2.Key, key) {
		return fmt.Errorf("lifecycle: authkeys: inherited %x (mine %x), set %q", r.Key, mine, r2.Key)
	}

	con.Printf("\np.run() instead of p.start(): the target runs in this process, not a child")
	p := lifecycleKeyFunc.Process(lifecycleKeyArg{})
	r, err = lifecycleKey(ctx, lifecycleKeyArg{}) // Go's run(): call the function
	if err != nil {
		return err
	}
	jerr := p.Join(ctx)
	con.Printf("   the function ran in pid %d, this process (%d); the process was never started: %v; p.join() → %q\n"+
		"   (p.join只能join住start开启的进程,而不能join住run开启的进程: only a started process can be joined)",
		r.Pid, os.Getpid(), p, jerr)
	if r.Pid != os.Getpid() || !errors.Is(jerr, mproc.ErrNotStarted) {
		return fmt.Errorf("lifecycle: run directly: pid %d, join %v", r.Pid, jerr)
	}

	con.Printf("\np.join(timeout=0.1) on a child that runs until told to stop")
	w, err := lifecycleKeyFunc.Start(ctx, lifecycleKeyArg{Wait: true})
	if err != nil {
		return err
	}
	*started = append(*started, w.Process)
	took, jerr := timed(ctx, 100*time.Millisecond, w.Join)
	alive, _ := w.IsAlive()
	con.Printf("   Join(ctx with a 100 ms deadline) returned after %v: %q; the child is alive: %v\n"+
		"   (CPython's join(timeout) returns None either way: check is_alive() or exitcode after it)", took.Round(time.Millisecond), jerr, alive)
	if !errors.Is(jerr, context.DeadlineExceeded) || !alive {
		return fmt.Errorf("lifecycle: join with a timeout: %v, alive %v", jerr, alive)
	}
	if err := w.Terminate(); err != nil {
		return err
	}
	if err := w.Join(ctx); err != nil {
		return err
	}
	con.Printf("   terminate(); join() → %v", w)
	return nil
}
