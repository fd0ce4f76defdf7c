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

// The seed's four ways a process ends (进程的结束): a normal exit, an error
// exit, a fatal error, and being killed by another process. One child per
// way, and per variant of it, with what mproc reports: the exit code
// (CPython's exitcode, -N for signal N), the error's type, and the first
// line the child wrote on its stderr.

type endingsArg struct {
	Console string
	Mode    string
}

// endingsSlot is the nil pointer the fatal-error children write through.
var endingsSlot *int

var endingsChild = mproc.Register[endingsArg, mproc.None]("demo.endings.child", func(ctx context.Context, a endingsArg) error {
	switch a.Mode {
	case "return":
		return nil
	case "error":
		return errors.New("open a.py: no such file or directory")
	case "exit":
		os.Exit(3) // sys.exit(3)
	case "panic":
		panic("1/0: ZeroDivisionError")
	case "nil-write":
		*endingsSlot = 1 // the CPU faults (SIGSEGV); Go's runtime makes it a panic
	case "fault":
		// A fault at an address Go cannot blame on a nil pointer: the
		// runtime gives up ("fatal error: fault") without a panic to recover.
		b, err := noAccessPage()
		if err != nil {
			return err
		}
		b[0] = 1
	case "segfault":
		if err := endingsDefaultSegv(); err != nil {
			return err
		}
		*endingsSlot = 1 // the same fault, and nobody catches it: the kernel kills the process
	case "terminate", "kill":
		say(a.Console, "  child %s (%s): working until another process ends me", mproc.Current().Name(), a.Mode)
		<-ctx.Done() // Terminate cancels the context; Kill gives no warning
		return ctx.Err()
	}
	return fmt.Errorf("unknown mode %q", a.Mode)
})

// endingsCase is one child: how it ends, and what mproc must report.
type endingsCase struct {
	way, mode, what string
	code            int
	errType         string // %T of Wait's error, or "<nil>"
}

var endingsCases = []endingsCase{
	{"1. normal exit", "return", "returns nil", 0, "<nil>"},
	{"2. error exit", "error", "returns an error", 1, "*mproc.RemoteError"},
	{"2. error exit", "exit", "calls os.Exit(3)", 3, "*mproc.ExitError"},
	{"3. fatal error", "panic", "panics", 1, "*mproc.RemoteError"},
	{"3. fatal error", "nil-write", "writes through nil", 1, "*mproc.RemoteError"},
	{"3. fatal error", "fault", "faults past nil", 2, "*mproc.ExitError"},
	{"3. fatal error", "segfault", "segfaults, C-style", -int(syscall.SIGSEGV), "*mproc.ExitError"},
	{"4. killed", "terminate", "Terminate()d", -int(syscall.SIGTERM), "*mproc.ExitError"},
	{"4. killed", "kill", "Kill()ed", -int(syscall.SIGKILL), "*mproc.ExitError"},
}

func init() {
	add(Demo{
		Name:  "endings",
		Title: "The four ways a process ends: normal exit, error exit, fatal error, killed by another process",
		Intro: "The seed lists four ends (进程的结束): a normal exit (voluntary: the work is done; code 0), an error exit " +
			"(voluntary: `python a.py` with no a.py; an error returned, code 1, or sys.exit(n), code n), a fatal " +
			"error (involuntary: an illegal instruction, memory that does not exist, 1/0) and being killed by " +
			"another process (involuntary: kill -9). One child per way and variant; watch the exit codes, which " +
			"are CPython's (-N: killed by signal N), and the error types. A fault in Go code is the same SIGSEGV " +
			"a C program gets, but Go's runtime catches it: a nil pointer becomes a panic (recoverable, as the " +
			"seed's try/except is), any other bad address a fatal error of the runtime (exit code 2). Only with " +
			"SIGSEGV's default action restored does the kernel kill the child with signal 11, as it kills C programs.",
		Run: stage(runEndings),
	})
}

func runEndings(ctx context.Context, con *console, started *[]*mproc.Process) error {
	procs := make([]*mproc.Proc[mproc.None], len(endingsCases))
	stderrs := make([]*bytes.Buffer, len(endingsCases))
	for i, c := range endingsCases {
		stderrs[i] = new(bytes.Buffer) // only the child's copier writes it, and Wait waits for that
		p, err := endingsChild.Start(ctx, endingsArg{Console: con.path, Mode: c.mode}, mproc.WithStderr(stderrs[i]))
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		procs[i] = p
	}
	for i, c := range endingsCases {
		if c.mode != "terminate" && c.mode != "kill" {
			continue
		}
		if _, err := con.waitLine(ctx, "("+c.mode+"): working", 5*time.Second); err != nil {
			return err
		}
		p := procs[i]
		if c.mode == "terminate" {
			con.Printf("main: %s.Terminate()   (SIGTERM, after cancelling its context)", p.Name())
			if err := p.Terminate(); err != nil {
				return err
			}
		} else {
			con.Printf("main: %s.Kill()        (SIGKILL: kill -9)", p.Name())
			if err := p.Kill(); err != nil {
				return err
			}
		}
	}
	errs := make([]error, len(procs))
	for i, p := range procs {
		_, errs[i] = p.Wait(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	con.Printf("\n%-15s %-20s %-7s %-8s %-19s %s", "way", "the child", "pid", "exitcode", "Wait's error", "the child's stderr")
	for i, c := range endingsCases {
		p := procs[i]
		code, ok := p.ExitCode()
		typ := fmt.Sprintf("%T", errs[i])
		if !ok || code != c.code || typ != c.errType {
			return fmt.Errorf("endings: the child that %s: exit code %d (%v), error %s %v; want %d and %s",
				c.what, code, ok, typ, errs[i], c.code, c.errType)
		}
		if err := endingsCheck(c, errs[i]); err != nil {
			return err
		}
		con.Printf("%-15s %-20s %-7d %-8d %-19s %s", c.way, c.what, p.Pid(), code, typ, endingsStderr(stderrs[i].String()))
	}
	con.Printf("   CPython's p.exitcode reads the same: 0; 1 for an uncaught exception; n for sys.exit(n);\n" +
		"   -11 for a segfault in a C extension; -15 after terminate(); -9 after kill().")
	con.Printf("\nmain: what each error says:")
	for i, c := range endingsCases {
		if errs[i] != nil {
			con.Printf("  %-20s %s", c.what, endingsFirstLine(errs[i].Error(), 100))
		}
	}
	con.Printf("   A *mproc.RemoteError is an error or panic the child's code reported before it exited 1; an\n" +
		"   *mproc.ExitError is an end without a report: os.Exit, the runtime's fatal error, or a signal\n" +
		"   (its Signal field set, the exit code -Signal). (*mproc.PanicError is the panic of a task on a\n" +
		"   GoExecutor's goroutine: no process ends for it.)")
	return nil
}

// endingsCheck checks what the error says beyond its type.
func endingsCheck(c endingsCase, err error) error {
	var re *mproc.RemoteError
	var ee *mproc.ExitError
	ok := false
	switch c.mode {
	case "return":
		ok = err == nil
	case "error":
		ok = errors.As(err, &re) && !re.Panicked && strings.Contains(re.Message, "no such file")
	case "panic":
		ok = errors.As(err, &re) && re.Panicked && strings.Contains(re.Message, "ZeroDivisionError")
	case "nil-write":
		ok = errors.As(err, &re) && re.Panicked && strings.Contains(re.Message, "nil pointer dereference")
	case "exit", "fault":
		ok = errors.As(err, &ee) && ee.Signal == 0 && ee.Code == c.code
	case "segfault", "terminate", "kill":
		ok = errors.As(err, &ee) && int(ee.Signal) == -c.code
	}
	if !ok {
		return fmt.Errorf("endings: the child that %s: unexpected error %v", c.what, err)
	}
	return nil
}

// endingsStderr picks the telling line of a child's stderr: the runtime's
// "fatal error:" or "panic:" line, else the first after CPython's "Process
// NAME:" header; "-" when the child wrote nothing.
func endingsStderr(s string) string {
	var first string
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "fatal error:"), strings.HasPrefix(l, "panic:"):
			return endingsFirstLine(l, 60)
		case first == "" && l != "" && !(strings.HasPrefix(l, "Process ") && strings.HasSuffix(l, ":")):
			first = l
		}
	}
	return endingsFirstLine(first, 60)
}

// endingsFirstLine returns the first non-empty line of s, cut to n runes,
// or "-".
func endingsFirstLine(s string, n int) string {
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > n {
				l = string(r[:n-1]) + "…"
			}
			return l
		}
	}
	return "-"
}
