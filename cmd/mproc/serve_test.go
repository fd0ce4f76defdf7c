package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveOutput collects output and lets a test wait for a line.
type serveOutput struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func (w *serveOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

func (w *serveOutput) wait(t *testing.T, ctx context.Context, re *regexp.Regexp) []string {
	t.Helper()
	for {
		w.mu.Lock()
		m := re.FindStringSubmatch(w.b.String())
		ch := w.changed
		w.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("no %v in the output:\n%s", re, w.String())
		}
	}
}

func (w *serveOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// mproc serve listens, says where, serves in the model's processes, and
// stops when its ctx ends (Ctrl-C).
func TestServeCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, code := parse([]string{"serve", "--model", "process-pool", "--workers", "2", "--addr", "127.0.0.1:0", "--grace", "100ms"}, io.Discard)
	if cmd == nil {
		t.Fatalf("parse: status %d", code)
	}
	sctx, stop := context.WithCancel(ctx)
	out := &serveOutput{changed: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- cmd.Run(&app{ctx: sctx, stdout: out, stderr: io.Discard}) }()
	addr := out.wait(t, ctx, regexp.MustCompile(`listening on (\S+) \(model process-pool\(2\), handler echo\)`))[1]
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "hello\n")
	if got, err := bufio.NewReader(c).ReadString('\n'); got != "HELLO\n" {
		t.Errorf("echo: %q, %v", got, err)
	}
	out.wait(t, ctx, regexp.MustCompile(`conn 1 from \S+: served by pid \d+`))
	c.Close()
	out.wait(t, ctx, regexp.MustCompile(`conn 1 from \S+: closed`))
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if !strings.Contains(out.String(), "mproc serve: stopped") {
		t.Errorf("output:\n%s", out)
	}
}

func TestServeCommandBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--model", "threads", "--addr", "127.0.0.1:0"},
		{"serve", "--handler", "nope", "--addr", "127.0.0.1:0"},
	} {
		cmd, _ := parse(args, io.Discard)
		if cmd == nil {
			t.Fatalf("%v did not parse", args)
		}
		if err := cmd.Run(&app{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard}); err == nil {
			t.Errorf("%v ran", args)
		}
	}
}
