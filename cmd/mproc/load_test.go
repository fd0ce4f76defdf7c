package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mproc/internal/bench"
)

// echoServer is a real upper-casing echo server on loopback; replies is
// how many replies each connection gets before the server closes it (0:
// no limit), and corrupt spoils every reply.
func echoServer(t *testing.T, replies int, corrupt bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() {
				defer conn.Close()
				buf := make([]byte, 1024)
				for n := 0; replies == 0 || n < replies; n++ {
					k, err := conn.Read(buf)
					if err != nil {
						return
					}
					p := bytes.ToUpper(buf[:k])
					if corrupt {
						p[0] ^= 1
					}
					if _, err := conn.Write(p); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestCLILoadJSON(t *testing.T) {
	t.Parallel()
	addr := echoServer(t, 0, false)
	code, out, errOut := runCLI("load", "--addr", addr, "--conns", "3", "--duration", "200ms", "--size", "100", "--json")
	if code != 0 {
		t.Fatalf("load: %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	got := map[string]bench.Result{}
	for _, l := range lines {
		r, err := bench.ParseLine(l)
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got[r.Name] = r
	}
	if r := got["requests"]; r.Unit != "req/s" || r.Value <= 0 || r.N <= 0 {
		t.Errorf("requests: %+v", r)
	}
	if r := got["errors"]; r.Value != 0 {
		t.Errorf("errors: %+v", r)
	}
	if r := got["unanswered"]; r.Value != 0 || r.N != 3 {
		t.Errorf("unanswered: %+v", r)
	}
	if r := got["latency_p99"]; r.Unit != "us/op" || r.Value < got["latency_p50"].Value {
		t.Errorf("p99 %+v below p50 %+v", r, got["latency_p50"])
	}
}

func TestCLILoadTable(t *testing.T) {
	t.Parallel()
	addr := echoServer(t, 0, false)
	code, out, errOut := runCLI("load", "--addr", addr, "--conns", "2", "--duration", "100ms", "--churn")
	if code != 0 {
		t.Fatalf("load: %d\n%s", code, errOut)
	}
	for _, want := range []string{addr + ": 2 clients, 64-byte messages, a new connection per request", "requests", "latency_p50", "unanswered"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestCLILoadFailures(t *testing.T) {
	t.Parallel()
	addr := echoServer(t, 0, true)
	code, out, errOut := runCLI("load", "--addr", addr, "--conns", "1", "--duration", "100ms")
	if code != 1 || !strings.Contains(errOut, "errors; the first: client 0, request 0: load: reply differs at byte 0") || !strings.Contains(out, "errors") {
		t.Errorf("wrong replies: %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"load"},
		{"load", "--addr", addr, "--conns", "0"},
		{"load", "--addr", "nonsense"},
	} {
		if code, _, errOut := runCLI(args...); code != 1 || !strings.Contains(errOut, "load: bad option") {
			t.Errorf("%q: %d, %q", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI("load", "extra"); code != 2 || !strings.Contains(errOut, "unexpected arguments") {
		t.Errorf("load extra: %d, %q", code, errOut)
	}
}

// runClient runs `mproc client addr` with input on a real pipe as its
// stdin.
func runClient(t *testing.T, addr, input string, keepOpen bool) (code int, stdout, stderr string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	written := make(chan error, 1)
	go func() {
		_, err := w.WriteString(input)
		if !keepOpen {
			w.Close()
		}
		written <- err
	}()
	cmd, code := parse([]string{"client", addr}, &bytes.Buffer{})
	if cmd == nil {
		t.Fatalf("parse: %d", code)
	}
	cmd.(*clientCmd).In = r
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var o, e bytes.Buffer
	err = cmd.Run(&app{ctx: ctx, stdout: &o, stderr: &e})
	if werr := <-written; werr != nil {
		t.Fatal(werr)
	}
	w.Close() // ends the line reader the client left behind
	if err != nil {
		e.WriteString(err.Error())
		return 1, o.String(), e.String()
	}
	return 0, o.String(), e.String()
}

func TestCLIClient(t *testing.T) {
	t.Parallel()
	addr := echoServer(t, 0, false)
	long := strings.Repeat("abc", 1000) // a reply in several reads
	code, out, errOut := runClient(t, addr, "hello\n\n   \n  mixed Case 1  \n"+long+"\n", false)
	if code != 0 {
		t.Fatalf("client: %d, %s", code, errOut)
	}
	want := ">>: HELLO\n>>: >>: >>: MIXED CASE 1\n>>: " + strings.ToUpper(long) + "\n>>: \n"
	if out != want {
		t.Errorf("output\n%q\nwant\n%q", out, want)
	}
}

func TestCLIClientServerCloses(t *testing.T) {
	t.Parallel()
	addr := echoServer(t, 1, false) // one reply, then the server hangs up
	code, out, errOut := runClient(t, addr, "one\ntwo\nthree\n", true)
	if code != 0 || !strings.Contains(errOut, "the server closed the connection") {
		t.Fatalf("client: %d, %q", code, errOut)
	}
	if !strings.HasPrefix(out, ">>: ONE\n>>: ") || strings.Contains(out, "TWO") {
		t.Errorf("output %q", out)
	}
}

func TestCLIClientArgs(t *testing.T) {
	t.Parallel()
	if code, _, errOut := runCLI("client"); code != 2 || !strings.Contains(errOut, "client takes one HOST:PORT") {
		t.Errorf("client without address: %d, %q", code, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if code, _, errOut := runCLI("client", addr); code != 1 || !strings.Contains(errOut, "connection refused") {
		t.Errorf("client to a closed port: %d, %q", code, errOut)
	}
}
