package connection_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mproc/internal/testmain"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
	"mproc/internal/auth"
	"mproc/internal/pyconn"
)

// legacyAuth skips a keyed test against this machine's python3 when
// internal/auth can't yet answer CPython 3.11's HMAC-MD5 challenge.
func legacyAuth(t *testing.T, py string) {
	t.Helper()
	out, err := exec.Command(py, "-c", "import sys; print(sys.version_info >= (3, 12))").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) == "True" {
		return
	}
	if _, err := auth.Respond([]byte("k"), append([]byte("#CHALLENGE#"), make([]byte, 20)...)); err != nil {
		t.Skip("internal/auth does not answer a legacy (CPython <= 3.11) challenge yet")
	}
}

// runPython starts script with args; its stdout lines come on the
// channel, and wait returns its error with its stderr.
func runPython(t *testing.T, ctx context.Context, script string, args ...string) (lines <-chan string, wait func() error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, testmain.Python3(t), append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	var done bool
	wait = func() error {
		if done {
			return nil
		}
		done = true
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("python: %v\n%s", err, stderr.String())
		}
		return nil
	}
	t.Cleanup(func() { cmd.Process.Kill(); wait() })
	return ch, wait
}

const pyClient = `
import sys
from multiprocessing.connection import Client
family, addr = sys.argv[1], sys.argv[2]
key = sys.argv[3].encode() if len(sys.argv) > 3 else None
if family == "tcp":
    host, port = addr.rsplit(":", 1)
    addr = (host, int(port))
c = Client(addr, authkey=key)
c.send({"a": 1, "l": [1, 2.5, "x", b"y", None, True, (1, 2)], "big": 2**70})
v = c.recv()
c.send(("echo", v))
c.send_bytes(b"raw bytes")
print(repr(c.recv_bytes()), flush=True)
c.close()
`

// A Python program's multiprocessing.connection.Client talks with Listen
// in Python mode: objects both ways as pickles, bytes both ways, EOF at
// its close.
func TestPythonClient(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		parallel(t, network, func(t *testing.T) { testPythonClient(t, network, nil) })
	}
	parallel(t, "tcp/key", func(t *testing.T) {
		legacyAuth(t, testmain.Python3(t))
		testPythonClient(t, "tcp", []byte("py key"))
	})
}

func testPythonClient(t *testing.T, network string, key []byte) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, network, connection.WithPython(), connection.WithAuthKey(key))
	args := []string{network, l.Addr().String()}
	if key != nil {
		args = append(args, string(key))
	}
	lines, wait := runPython(t, ctx, pyClient, args...)
	ch := acceptAsync(ctx, l)
	var a accepted
	select {
	case a = <-ch:
	case <-ctx.Done():
		t.Fatalf("no Python client: %v", wait())
	}
	if a.err != nil {
		t.Fatalf("Accept of a Python client: %v (%v)", a.err, wait())
	}
	c := a.c
	defer c.Close()
	var v any
	if err := c.Recv(ctx, &v); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v", v)
	for _, want := range []string{"a:1", "[1 2.5 x [121] <nil> true [1 2]]", "big:1180591620717411303424"} {
		if !strings.Contains(got, want) {
			t.Errorf("Python's dict arrived as %s; want %s in it", got, want)
		}
	}
	sent := map[string]any{"n": 42, "s": "héllo", "l": []any{int64(1), "two"}, "b": []byte("bin"), "t": pyconn.Tuple{1.5, nil}}
	if err := c.Send(ctx, sent); err != nil {
		t.Fatal(err)
	}
	var echo any
	if err := c.Recv(ctx, &echo); err != nil {
		t.Fatal(err)
	}
	if e := fmt.Sprintf("%v", echo); !strings.Contains(e, "echo") || !strings.Contains(e, "héllo") || !strings.Contains(e, "[98 105 110]") || !strings.Contains(e, "[1.5 <nil>]") {
		t.Errorf("what Python echoed: %s", e)
	}
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "raw bytes" {
		t.Fatalf("send_bytes: %q, %v", b, err)
	}
	if err := c.SendBytes(ctx, []byte("from Go")); err != nil {
		t.Fatal(err)
	}
	if line := <-lines; line != "b'from Go'" {
		t.Errorf("Python's recv_bytes: %s", line)
	}
	if err := c.Recv(ctx, &v); !errors.Is(err, io.EOF) {
		t.Fatalf("after Python closed: %v, want io.EOF", err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, newLock(t)); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a Lock to a Python peer: %v, want ErrUnencodable", err)
	}
}

const pyListener = `
import sys
from multiprocessing.connection import Listener
family = sys.argv[1]
key = sys.argv[3].encode() if len(sys.argv) > 3 else None
if family == "tcp":
    l = Listener(("127.0.0.1", 0), authkey=key)
    print("%s:%d" % l.address, flush=True)
else:
    l = Listener(sys.argv[2], family="AF_UNIX", authkey=key)
    print(l.address, flush=True)
try:
    c = l.accept()
except Exception as e:
    print("refused", type(e).__name__, flush=True)
    sys.exit(0)
v = c.recv()
c.send(v)
c.send_bytes(c.recv_bytes().upper())
c.close()
print("done", flush=True)
`

// Dial in Python mode talks with a Python program's Listener.
func TestPythonListener(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		parallel(t, network, func(t *testing.T) { testPythonListener(t, network, nil) })
	}
	parallel(t, "tcp/key", func(t *testing.T) {
		legacyAuth(t, testmain.Python3(t))
		testPythonListener(t, "tcp", []byte("py key"))
	})
}

func testPythonListener(t *testing.T, network string, key []byte) {
	ctx := ctxTimeout(t, 30*time.Second)
	args := []string{network, filepath.Join(t.TempDir(), "py.sock")}
	if key != nil {
		args = append(args, string(key))
	}
	lines, wait := runPython(t, ctx, pyListener, args...)
	addr, ok := <-lines
	if !ok {
		t.Fatalf("Python's listener said nothing: %v", wait())
	}
	c, err := connection.Dial(ctx, network, addr, connection.WithPython(), connection.WithAuthKey(key))
	if err != nil {
		t.Fatalf("Dial to Python's listener: %v (%v)", err, wait())
	}
	defer c.Close()
	sent := []any{"x", int64(-7), 3.25, map[string]any{"k": []byte{0, 1}}, nil, false}
	if err := c.Send(ctx, sent); err != nil {
		t.Fatal(err)
	}
	var back []any
	if err := c.Recv(ctx, &back); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back) != "[x -7 3.25 map[k:[0 1]] <nil> false]" {
		t.Errorf("echoed: %v", back)
	}
	if err := c.SendBytes(ctx, []byte("shout")); err != nil {
		t.Fatal(err)
	}
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "SHOUT" {
		t.Fatalf("%q, %v", b, err)
	}
	if line := <-lines; line != "done" {
		t.Fatalf("Python: %q", line)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

// A wrong key fails on both sides against Python: Go dialling Python's
// listener, and Python's client dialling Go's.
func TestPythonWrongKey(t *testing.T) {
	t.Parallel()
	legacyAuth(t, testmain.Python3(t))
	ctx := ctxTimeout(t, 30*time.Second)
	lines, wait := runPython(t, ctx, pyListener, "tcp", "-", "right")
	addr := <-lines
	if _, err := connection.Dial(ctx, "tcp", addr, connection.WithPython(), connection.WithAuthKey([]byte("wrong"))); !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("Dial with the wrong key: %v, want ErrAuthentication", err)
	}
	if line := <-lines; !strings.HasPrefix(line, "refused AuthenticationError") {
		t.Fatalf("Python's listener: %q", line)
	}
	wait()

	l := listen(t, "tcp", connection.WithPython(), connection.WithAuthKey([]byte("right")))
	ch := acceptAsync(ctx, l)
	_, wait = runPython(t, ctx, pyClient, "tcp", l.Addr().String(), "wrong")
	if a := <-ch; !errors.Is(a.err, mproc.ErrAuthentication) {
		t.Fatalf("Accept of a Python client with the wrong key: %v", a.err)
	}
	if err := wait(); err == nil || !strings.Contains(err.Error(), "AuthenticationError") {
		t.Fatalf("Python's client with the wrong key: %v", err)
	}
}
