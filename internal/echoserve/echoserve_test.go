package echoserve_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/internal/echoserve"
	"mproc/internal/testmain"
)

func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m)
}

func TestUpperASCII(t *testing.T) {
	t.Parallel()
	p := []byte("abc xyz ABC 09 é")
	echoserve.UpperASCII(p)
	if string(p) != "ABC XYZ ABC 09 é" {
		t.Errorf("%q", p)
	}
}

func TestMainRefusesBadArgs(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"a", "b"}, {"no_such_server"}} {
		var stderr bytes.Buffer
		if code := echoserve.Main(args, strings.NewReader(""), io.Discard, &stderr); code != 2 {
			t.Errorf("Main(%q) = %d; want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "go_bare") {
			t.Errorf("Main(%q) said %q; want the servers' names", args, stderr.String())
		}
	}
}

// TestServers runs each server through Main as the bench does: it says
// its address, echoes upper-cased, and stops when its stdin ends.
func TestServers(t *testing.T) {
	for _, name := range echoserve.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stdinR, stdinW := io.Pipe()
			outR, outW := io.Pipe()
			code := make(chan int, 1)
			go func() {
				code <- echoserve.Main([]string{name}, stdinR, outW, io.Discard)
				outW.Close()
			}()
			addr, err := bufio.NewReader(outR).ReadString('\n')
			if err != nil {
				t.Fatalf("no address: %v", err)
			}
			go io.Copy(io.Discard, outR)
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", strings.TrimSpace(addr))
			if err != nil {
				t.Fatal(err)
			}
			dl, _ := ctx.Deadline()
			c.SetDeadline(dl)
			if _, err := c.Write([]byte("hello, mproc")); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len("hello, mproc"))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			if string(got) != "HELLO, MPROC" {
				t.Errorf("echo: %q", got)
			}
			c.Close()
			stdinW.Close()
			select {
			case n := <-code:
				if n != 0 {
					t.Errorf("Main returned %d; want 0", n)
				}
			case <-ctx.Done():
				t.Fatal("Main did not return after its stdin ended")
			}
			testmain.NoChildLeft(t)
		})
	}
}
