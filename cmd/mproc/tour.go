package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"mproc"
	"mproc/internal/demo"
)

type tourCmd struct {
	Timeout time.Duration // for each demo
	Demos   []demo.Demo   // the named ones, in the order given; nil: all
}

// setArgs takes the demos to run; an unknown name is a usage error, so
// that a typo does not run the whole tour.
func (c *tourCmd) setArgs(names []string) error {
	for _, name := range names {
		d, ok := demo.Find(name)
		if !ok {
			return unknownDemo(name, demo.All())
		}
		if !slices.ContainsFunc(c.Demos, func(x demo.Demo) bool { return x.Name == name }) {
			c.Demos = append(c.Demos, d)
		}
	}
	return nil
}

type demoCmd struct {
	Name    string // empty: list the demos
	Timeout time.Duration
}

// Run tells every demo in order; a failed demo is reported and the tour
// goes on.
func (c *tourCmd) Run(a *app) error {
	demos := c.Demos
	if demos == nil {
		demos = demo.All()
	}
	return tour(a.ctx, demos, a.stdout, c.Timeout)
}

func (c *demoCmd) Run(a *app) error {
	if c.Name == "" {
		listDemos(a.stdout, demo.All())
		return nil
	}
	d, ok := demo.Find(c.Name)
	if !ok {
		return unknownDemo(c.Name, demo.All())
	}
	if err := narrate(a.ctx, a.stdout, d, "", c.Timeout); err != nil {
		return fmt.Errorf("demo %s failed", d.Name)
	}
	return nil
}

func tour(ctx context.Context, demos []demo.Demo, w io.Writer, timeout time.Duration) error {
	if len(demos) == 0 {
		fmt.Fprintln(w, "mproc tour: no demos are registered yet; nothing to show.")
		return nil
	}
	fmt.Fprintf(w, "mproc tour: %d demos of Python's multiprocessing, told with mproc.\n\n", len(demos))
	start := time.Now()
	var failed []string
	ran := 0
	for i, d := range demos {
		if ctx.Err() != nil {
			break
		}
		ran++
		if err := narrate(ctx, w, d, fmt.Sprintf("%d/%d", i+1, len(demos)), timeout); err != nil {
			failed = append(failed, d.Name)
		}
		fmt.Fprintln(w)
	}
	took := roundDuration(time.Since(start))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(w, "Tour interrupted after %d of %d demos (%v).\n", ran, len(demos), took)
	case len(failed) == 0:
		fmt.Fprintf(w, "Tour done: all %d demos ran in %v.\n", len(demos), took)
	default:
		fmt.Fprintf(w, "Tour done in %v: %d of %d demos failed: %s.\n", took, len(failed), len(demos), strings.Join(failed, ", "))
	}
	if took > tourBudget {
		fmt.Fprintf(w, "(The tour is meant to take under %v; this one took %v.)\n", tourBudget, took)
	}
	if len(failed) > 0 {
		return fmt.Errorf("tour: %d of %d demos failed: %s", len(failed), len(demos), strings.Join(failed, ", "))
	}
	return nil
}

// tourBudget is how long the whole tour is meant to take.
const tourBudget = time.Minute

const ruleWidth = 72

// rule draws a line of width ruleWidth that starts with text.
func rule(ch, text string) string {
	s := ch + ch + " " + text + " "
	if n := ruleWidth - len([]rune(s)); n > 0 {
		s += strings.Repeat(ch, n)
	}
	return s
}

// narrate runs one demo between a header (its title and intro) and a footer
// (how it went and how long it took). The demo's output, and that of its
// children, goes to w as it comes, between the two. The error is the demo's.
func narrate(ctx context.Context, w io.Writer, d demo.Demo, pos string, timeout time.Duration) error {
	label := d.Name
	if pos != "" {
		label = pos + " · " + d.Name
	}
	fmt.Fprintln(w, rule("━", label))
	if title := strings.TrimSpace(d.Title); title != "" {
		fmt.Fprintln(w, wrap(title, "   ", ruleWidth))
	}
	if intro := strings.TrimSpace(d.Intro); intro != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, wrap(intro, "   ", ruleWidth))
	}
	fmt.Fprintln(w, rule("─", "output"))

	out := &lineWriter{w: w}
	var err error
	if d.Prepare != nil { // untimed: a one-off build is not the demo's time
		err = d.Prepare(ctx, out)
	}
	start := time.Now()
	if err == nil {
		err = runDemo(ctx, d, out, timeout)
	}
	took := roundDuration(time.Since(start))
	out.endLine()

	status := "ok"
	if err != nil {
		status = "FAILED"
	}
	extra := ""
	if n := len(mproc.ActiveChildren()); n > 0 {
		extra = fmt.Sprintf(" · %d child process(es) still running", n)
	}
	fmt.Fprintln(w, rule("─", fmt.Sprintf("%s: %s in %v%s", d.Name, status, took, extra)))
	if err != nil {
		fmt.Fprintln(w, wrapError(err))
	}
	return err
}

// demoGrace is how long a demo has to return once its context is done
// before the tour moves on without it.
var demoGrace = 5 * time.Second

// runDemo runs d with a deadline, turning a panic into an error. A demo that
// does not return within demoGrace after its context ends is left behind.
func runDemo(ctx context.Context, d demo.Demo, w io.Writer, timeout time.Duration) error {
	if d.Run == nil {
		return errors.New("demo has no Run function")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("panic: %v\n\n%s", v, debug.Stack())
			}
		}()
		done <- d.Run(ctx, w)
	}()
	select {
	case err := <-done:
		return outOfTime(ctx, err, timeout)
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		if err == nil {
			err = ctx.Err() // it was cut short, whatever it says
		}
		return outOfTime(ctx, err, timeout)
	case <-time.After(demoGrace):
		return outOfTime(ctx, fmt.Errorf("did not return within %v after its context ended; left running", demoGrace), timeout)
	}
}

// outOfTime says so when a demo failed because its time ran out.
func outOfTime(ctx context.Context, err error, timeout time.Duration) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("ran out of time (--timeout %v): %w", timeout, err)
	}
	return err
}

// lineWriter passes writes through and remembers whether the output ended
// a line, so that the footer starts on its own.
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	midLine bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if n > 0 {
		l.midLine = p[n-1] != '\n'
	}
	return n, err
}

func (l *lineWriter) endLine() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.midLine {
		l.w.Write([]byte("\n"))
		l.midLine = false
	}
}

// roundDuration rounds to milliseconds, or microseconds below one: 412µs,
// 12ms, 1.234s.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// wrapError prints a demo's error indented, first line flagged.
func wrapError(err error) string {
	lines := strings.Split(strings.TrimRight(err.Error(), "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = "   error: " + lines[i]
		} else if lines[i] != "" {
			lines[i] = "   " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// wrap fills text to width with each line prefixed, keeping its paragraphs
// (blank lines) apart.
func wrap(text, prefix string, width int) string {
	var out []string
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			out = append(out, "")
		}
		line := prefix
		for _, word := range strings.Fields(para) {
			if line != prefix && len([]rune(line))+1+len([]rune(word)) > width {
				out = append(out, line)
				line = prefix
			}
			if line != prefix {
				line += " "
			}
			line += word
		}
		if line != prefix {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func listDemos(w io.Writer, demos []demo.Demo) {
	if len(demos) == 0 {
		fmt.Fprintln(w, "No demos are registered yet.")
		return
	}
	fmt.Fprintln(w, "Demos (run one with `mproc demo NAME`, all of them with `mproc tour`):")
	width := 0
	for _, d := range demos {
		width = max(width, len(d.Name))
	}
	for _, d := range demos {
		fmt.Fprintf(w, "  %-*s  %s\n", width, d.Name, d.Title)
	}
}

func unknownDemo(name string, demos []demo.Demo) error {
	if len(demos) == 0 {
		return fmt.Errorf("unknown demo %q: no demos are registered yet", name)
	}
	names := make([]string, len(demos))
	for i, d := range demos {
		names[i] = d.Name
	}
	return fmt.Errorf("unknown demo %q; known demos: %s", name, strings.Join(names, ", "))
}
