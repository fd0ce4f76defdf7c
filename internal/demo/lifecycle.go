package demo

import (
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
		<-ctx.Done() // Terminate cancels the context; Kill gives no warning
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
			"can clean up before it ends. Watch each process's printable state and is_alive change.",
		Run: stage(runLifecycle),
	})
}

func runLifecycle(ctx context.Context, con *console, started *[]*mproc.Process) error {

	g, err := con.newGate("gate")
	if err != nil {
		return err
	}
	defer g.Open()
	procs := make([]*mproc.Proc[mproc.None], len(lifecycleCases))
	for i, c := range lifecycleCases {
		procs[i] = lifecycleChild.Process(lifecycleArg{Console: con.path, Gate: g.path, Mode: c.mode})
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

	p := procs[0]
	if err := p.Close(); err != nil {
		return err
	}
	jerr := p.Join(ctx)
	con.Printf("\nmain: p.close() releases the record: %v; joining it now fails: %v", p, jerr)
	if !errors.Is(jerr, mproc.ErrClosed) {
		return fmt.Errorf("lifecycle: Join after Close: %v, want ErrClosed", jerr)
	}
	return nil
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
