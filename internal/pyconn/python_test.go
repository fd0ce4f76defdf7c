package pyconn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"mproc/internal/testmain"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"mproc/internal/auth"
	"mproc/internal/wire"
)

// pyCommand runs script (python3 -c) with args, bounded by ctx.
func pyCommand(ctx context.Context, t *testing.T, script string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, testmain.Python3(t), append([]string{"-c", script}, args...)...)
	cmd.Stderr = &bytes.Buffer{}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func stderrOf(cmd *exec.Cmd) string { return cmd.Stderr.(*bytes.Buffer).String() }

const pyCases = `
import collections, pickle, struct, sys
from multiprocessing.reduction import ForkingPickler
s = 'shared ' * 3
d = {'k': 1}
t = (1, 2)
good = [None, True, False, 0, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31,
        2**63 - 1, -2**63, 2**63, -2**64, 2**1014, -2**1014, 1.5, -0.0, float('inf'),
        '', 'h\u00e9llo \u2603 \U0001d11e', b'', b'\x00\xff', bytearray(b'ab'), bytearray(),
        [], [1, [2, [3]]], (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4),
        {}, {'a': 1, 2: 'b', None: (1.5,), 2.5: [], False: b'x'},
        [s, s], [d, d], [t, t], 'x' * 70000, b'y' * 300]
x = [1]
refused = [{1, 2}, frozenset(), complex(1, 2), collections.OrderedDict(a=1), ValueError('e'),
           pickle.dumps, [x, x], 2**1015]
out = sys.stdout.buffer
for proto in (2, 3, 4, 5, 'multiprocessing'):
    for v in good + refused:
        p = bytes(ForkingPickler.dumps(v)) if proto == 'multiprocessing' else pickle.dumps(v, protocol=proto)
        out.write(struct.pack('!i', len(p)) + p)
`

// The values of pyCases' good list, as Unmarshal into *any gives them.
func pyGood() []any {
	shared := "shared shared shared "
	return []any{nil, true, false, int64(0), int64(-1), int64(255), int64(256), int64(65535), int64(65536),
		int64(math.MaxInt32), int64(math.MinInt32), int64(math.MaxInt64), int64(math.MinInt64),
		new(big.Int).Lsh(big.NewInt(1), 63), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 64)),
		new(big.Int).Lsh(big.NewInt(1), 1014), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 1014)),
		1.5, math.Copysign(0, -1), math.Inf(1),
		"", "héllo ☃ 𝄞", []byte{}, []byte{0, 255}, []byte("ab"), []byte{},
		[]any{}, []any{int64(1), []any{int64(2), []any{int64(3)}}},
		Tuple{}, Tuple{int64(1)}, Tuple{int64(1), int64(2)}, Tuple{int64(1), int64(2), int64(3)}, Tuple{int64(1), int64(2), int64(3), int64(4)},
		map[any]any{}, map[any]any{"a": int64(1), int64(2): "b", nil: Tuple{1.5}, 2.5: []any{}, false: []byte("x")},
		[]any{shared, shared}, []any{map[any]any{"k": int64(1)}, map[any]any{"k": int64(1)}},
		[]any{Tuple{int64(1), int64(2)}, Tuple{int64(1), int64(2)}}, strings.Repeat("x", 70000), bytes.Repeat([]byte("y"), 300),
	}
}

const pyRefused = 8 // the length of pyCases' refused list

// Pickles python3 made, with every protocol from 2 and multiprocessing's
// own pickler, decode to the values Python had; what is not plain data is
// refused, whatever the protocol.
func TestUnmarshalPythonPickles(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := pyCommand(ctx, t, pyCases)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderrOf(cmd))
	}
	r := bytes.NewReader(out)
	good := pyGood()
	for _, proto := range []string{"2", "3", "4", "5", "multiprocessing"} {
		for i, want := range good {
			p, err := ReadMessage(r, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := Unmarshal(p, &got); err != nil {
				t.Errorf("protocol %s, case %d: %v", proto, i, err)
				continue
			}
			if !equalDeep(got, want) {
				t.Errorf("protocol %s, case %d: %#v, want %#v", proto, i, got, want)
			}
		}
		for i := range pyRefused {
			p, err := ReadMessage(r, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := Unmarshal(p, &got); !errors.Is(err, wire.ErrUnencodable) {
				t.Errorf("protocol %s, refused case %d: %v (%#v), want ErrUnencodable", proto, i, err, got)
			}
		}
	}
	if _, err := ReadMessage(r, 1); err != io.EOF {
		t.Fatalf("after the last pickle: %v", err)
	}
}

// equalDeep compares decoded values, big ints by value and -0.0 apart
// from 0.0.
func equalDeep(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		return ok && equalSeq(x, y)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSeq(x, y)
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !equalDeep(v, w) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	return equal(a, b)
}

func equalSeq(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalDeep(a[i], b[i]) {
			return false
		}
	}
	return true
}

// What Go marshals, python3 unpickles to the same values, types included
// (True is not 1, b'x' is not 'x', a tuple is not a list).
func TestPythonUnpicklesGo(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, false, 0, int8(-128), uint8(255), int64(math.MinInt64), uint64(math.MaxUint64),
		new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 5000)), 1.5, float32(0.25), math.Inf(-1),
		"", "héllo ☃ 𝄞", []byte{}, []byte{0, 255}, [2]byte{'h', 'i'},
		Tuple{}, Tuple{1}, Tuple{1, "a", []byte("b"), nil}, []any{}, []string{"a", "b"}, []any{Tuple{1.5}, []int{1}},
		map[string]any{}, map[string]any{"k": []any{1, 2}}, map[int]string{-1: "m"}, map[any]any{nil: 1, true: 2, 2.5: 3},
		strings.Repeat("z", 70000),
	}
	const expected = `[
        None, True, False, 0, -128, 255, -2**63, 2**64 - 1,
        -2**5000, 1.5, 0.25, float('-inf'),
        '', 'h\u00e9llo \u2603 \U0001d11e', b'', b'\x00\xff', b'hi',
        (), (1,), (1, 'a', b'b', None), [], ['a', 'b'], [(1.5,), [1]],
        {}, {'k': [1, 2]}, {-1: 'm'}, {None: 1, True: 2, 2.5: 3},
        'z' * 70000]`
	const script = `
import pickle, struct, sys
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(type(k) is type(next(j for j in b if j == k)) and same(a[k], b[k]) for k in a)
    return a == b
expected = ` + expected + `
inp = sys.stdin.buffer
bad = 0
for i, want in enumerate(expected):
    n, = struct.unpack('!i', inp.read(4))
    got = pickle.loads(inp.read(n))
    if not same(got, want):
        print(f'case {i}: got {got!r:.200}, want {want!r:.200}')
        bad += 1
sys.exit(1 if bad else 0)
`
	var in bytes.Buffer
	for _, v := range values {
		p, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		WriteMessage(&in, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := pyCommand(ctx, t, script)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s%s", err, out, stderrOf(cmd))
	}
}

// msgConn is what auth talks over: this package's framing on a socket.
type msgConn struct{ net.Conn }

func (c msgConn) WriteMessage(b []byte) error         { return WriteMessage(c.Conn, b) }
func (c msgConn) ReadMessage(max int) ([]byte, error) { return ReadMessage(c.Conn, max) }

// boundConn gives c the deadline of ctx.
func boundConn(ctx context.Context, t *testing.T, c net.Conn) msgConn {
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	t.Cleanup(func() { c.Close() })
	return msgConn{c}
}

const pyClient = `
import sys
from multiprocessing.connection import Client
from multiprocessing import AuthenticationError
try:
    c = Client(('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode())
except AuthenticationError as e:
    print('refused:', e)
    sys.exit(3)
c.send_bytes(b'ping from python')
assert c.recv_bytes() == b'PING FROM PYTHON', 'echo'
c.send({'op': 'add', 'args': (2, 3), 'tags': ['a', b'b'], 'big': 2**70})
reply = c.recv()
assert reply == ('sum', 5, [2**70 + 1, None], {'ok': True}), reply
assert type(reply[3]['ok']) is bool
c.close()
print('done')
`

// A CPython 3 Client (its handshake: answer, then challenge) talks to a Go
// server built from this package and auth on a plain socket.
func TestPythonClientGoServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	key := []byte("s3cret key")
	cmd := pyCommand(ctx, t, pyClient, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), string(key))
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serverErr := serveOne(ctx, t, ln, key)
	if err := cmd.Wait(); err != nil || serverErr != nil {
		t.Fatalf("server: %v; python3: %v\n%s%s", serverErr, err, out.String(), stderrOf(cmd))
	}
	if out.String() != "done\n" {
		t.Fatalf("python3 said %q", out.String())
	}
}

// serveOne is the Go side of pyClient, on one connection.
func serveOne(ctx context.Context, t *testing.T, ln net.Listener, key []byte) error {
	if d, ok := ctx.Deadline(); ok {
		ln.(*net.TCPListener).SetDeadline(d) // python3 may never connect
	}
	raw, err := ln.Accept()
	if err != nil {
		return err
	}
	c := boundConn(ctx, t, raw)
	if err := auth.Challenge(c, key); err != nil {
		return err
	}
	if err := auth.Answer(c, key); err != nil {
		return err
	}
	ping, err := c.ReadMessage(1 << 10)
	if err != nil {
		return err
	}
	if err := c.WriteMessage(bytes.ToUpper(ping)); err != nil {
		return err
	}
	p, err := c.ReadMessage(1 << 20)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := Unmarshal(p, &m); err != nil {
		return err
	}
	var args [2]int
	if err := Unmarshal(mustMarshal(m["args"]), &args); err != nil {
		return err
	}
	tags := m["tags"].([]any)
	if m["op"] != "add" || tags[0] != "a" || string(tags[1].([]byte)) != "b" {
		return fmt.Errorf("request %#v", m)
	}
	big1 := new(big.Int).Add(m["big"].(*big.Int), big.NewInt(1))
	reply, err := Marshal(Tuple{"sum", args[0] + args[1], []any{big1, nil}, map[string]bool{"ok": true}})
	if err != nil {
		return err
	}
	return c.WriteMessage(reply)
}

func mustMarshal(v any) []byte {
	p, err := Marshal(v)
	if err != nil {
		panic(err)
	}
	return p
}

// With different keys both sides refuse: Go's Challenge fails, and the
// Python client raises AuthenticationError.
func TestPythonClientWrongKey(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := pyCommand(ctx, t, pyClient, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), "not the key")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serverErr := serveOne(ctx, t, ln, []byte("s3cret key"))
	err = cmd.Wait()
	if !errors.Is(serverErr, auth.ErrAuthentication) {
		t.Errorf("server: %v, want ErrAuthentication", serverErr)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.HasPrefix(out.String(), "refused:") {
		t.Errorf("python3: %v, said %q\n%s", err, out.String(), stderrOf(cmd))
	}
}

const pyListener = `
import sys
from multiprocessing.connection import Listener
from multiprocessing import AuthenticationError
with Listener(('127.0.0.1', 0), authkey=sys.argv[1].encode()) as l:
    print(l.address[1], flush=True)
    try:
        c = l.accept()
    except AuthenticationError as e:
        print('refused:', e, flush=True)
        sys.exit(3)
    with c:
        job = c.recv()
        assert job == ('square', [1, 2, 3], {'scale': 0.5}, b'\x00'), job
        c.send({'squares': [x * x * job[2]['scale'] for x in job[1]], 'name': 'py\u00e9'})
        c.send_bytes(c.recv_bytes()[::-1])
print('done', flush=True)
`

// startListener runs pyListener and returns its port.
func startListener(ctx context.Context, t *testing.T, key string) (*exec.Cmd, *bufio.Reader, string) {
	cmd := pyCommand(ctx, t, pyListener, key)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	port, err := out.ReadString('\n')
	if err != nil {
		cmd.Wait()
		t.Fatalf("python3 gave no port: %v\n%s", err, stderrOf(cmd))
	}
	return cmd, out, strings.TrimSpace(port)
}

// A Go client built from this package and auth (answer, then challenge)
// talks to CPython's Listener.
func TestGoClientPythonListener(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, out, port := startListener(ctx, t, "k3y")
	clientErr := dialOne(ctx, t, port, []byte("k3y"))
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil || clientErr != nil {
		t.Fatalf("client: %v; python3: %v\n%s%s", clientErr, err, rest, stderrOf(cmd))
	}
	if string(rest) != "done\n" {
		t.Fatalf("python3 said %q", rest)
	}
}

func dialOne(ctx context.Context, t *testing.T, port string, key []byte) error {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	c := boundConn(ctx, t, raw)
	if err := auth.Answer(c, key); err != nil {
		return err
	}
	if err := auth.Challenge(c, key); err != nil {
		return err
	}
	if err := c.WriteMessage(mustMarshal(Tuple{"square", []int{1, 2, 3}, map[string]float64{"scale": 0.5}, []byte{0}})); err != nil {
		return err
	}
	p, err := c.ReadMessage(1 << 20)
	if err != nil {
		return err
	}
	var squares map[string]any
	if err := Unmarshal(p, &squares); err != nil {
		return err
	}
	var sq []float64
	if err := Unmarshal(mustMarshal(squares["squares"]), &sq); err != nil {
		return err
	}
	if fmt.Sprint(sq) != "[0.5 2 4.5]" || squares["name"] != "pyé" {
		return fmt.Errorf("reply %#v", squares)
	}
	if err := c.WriteMessage([]byte("olleh")); err != nil {
		return err
	}
	if back, err := c.ReadMessage(16); err != nil || string(back) != "hello" {
		return fmt.Errorf("bytes back: %q, %v", back, err)
	}
	return nil
}

// A Go client with the wrong key is refused by CPython's Listener, and
// knows it.
func TestGoClientWrongKey(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, out, port := startListener(ctx, t, "k3y")
	clientErr := dialOne(ctx, t, port, []byte("not k3y"))
	rest, _ := io.ReadAll(out)
	err := cmd.Wait()
	if !errors.Is(clientErr, auth.ErrAuthentication) {
		t.Errorf("client: %v, want ErrAuthentication", clientErr)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.HasPrefix(string(rest), "refused:") {
		t.Errorf("python3: %v, said %q\n%s", err, rest, stderrOf(cmd))
	}
}
