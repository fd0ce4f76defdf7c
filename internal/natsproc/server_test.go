package natsproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamRoundTrip starts a real server, stores a message in a
// JetStream stream and takes it back, and stops the server: no process is
// left and the store is where it was asked to be.
func TestJetStreamRoundTrip(t *testing.T) {
	t.Parallel()
	bin := serverBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	s, err := Start(ctx, "127.0.0.1", -1, dir, WithBinary(bin))
	if err != nil {
		t.Fatal(err)
	}
	pid, start := s.Pid(), procStart(s.Pid())
	defer s.Stop()
	if !strings.HasPrefix(s.URL(), "nats://127.0.0.1:") || strings.HasSuffix(s.URL(), ":-1") {
		t.Fatalf("URL %q", s.URL())
	}

	nc, err := nats.Connect(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.a", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	cons, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.Data()) != "hello" || msg.Subject() != "t.a" {
		t.Errorf("got %q on %q, want hello on t.a", msg.Data(), msg.Subject())
	}
	if err := msg.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Errorf("no JetStream store in %s: %v", dir, err)
	}
	if !strings.Contains(s.Log(), readyLine) {
		t.Errorf("the log lacks %q:\n%s", readyLine, s.Log())
	}
	nc.Close()

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	gone(t, pid, start)
	if err := s.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

// TestPortInUse: a second server on the first's port fails with the
// reason from its log, and leaves the first serving.
func TestPortInUse(t *testing.T) {
	t.Parallel()
	bin := serverBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := Start(ctx, "127.0.0.1", -1, t.TempDir(), WithBinary(bin))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	port := a.URL()[strings.LastIndexByte(a.URL(), ':')+1:]
	var p int
	fmt.Sscan(port, &p)
	b, err := Start(ctx, "127.0.0.1", p, t.TempDir(), WithBinary(bin))
	if err == nil {
		b.Stop()
		t.Fatalf("a second server started on port %d", p)
	}
	if !strings.Contains(err.Error(), "ended before it took connections") || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("error: %v", err)
	}
	nc, err := nats.Connect(a.URL())
	if err != nil {
		t.Fatalf("the first server after the second failed: %v", err)
	}
	nc.Close()
	if err := a.Stop(); err != nil {
		t.Error(err)
	}
}

func TestServerExitsEarly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Start(ctx, "127.0.0.1", -1, "/store", WithBinary(fakes["exits-early"]))
	if err == nil {
		t.Fatal("Start succeeded")
	}
	for _, want := range []string{"ended before it took connections", "exit status 3", "it went wrong", "--jetstream --store_dir /store --port -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestNeverReady: a server that never says it is ready fails Start when
// ctx ends, and Start leaves no process behind.
func TestNeverReady(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	_, err := Start(ctx, "127.0.0.1", -1, dir, WithBinary(fakes["never-ready"]))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Starting nats-server") {
		t.Fatalf("error: %v", err)
	}
	b, rerr := os.ReadFile(filepath.Join(dir, "pid"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	if pid == 0 || procStart(pid) != "" {
		t.Errorf("the server process %q is still there", b)
	}
}

// TestStopKillsStubborn: a server that ignores SIGTERM is killed after
// the grace, and Stop says so.
func TestStopKillsStubborn(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	grace := 200 * time.Millisecond
	s, err := Start(ctx, "", -1, t.TempDir(), WithBinary(fakes["stubborn"]), func(o *options) { o.stopGrace = grace })
	if err != nil {
		t.Fatal(err)
	}
	pid, start := s.Pid(), procStart(s.Pid())
	if s.URL() != "nats://127.0.0.1:1" {
		t.Errorf("URL %q", s.URL())
	}
	t0 := time.Now()
	err = s.Stop()
	if err == nil || !strings.Contains(err.Error(), "did not end within 200ms of SIGTERM: killed") {
		t.Errorf("Stop: %v", err)
	}
	if took := time.Since(t0); took < grace || took > 10*time.Second {
		t.Errorf("Stop took %v with a grace of %v", took, grace)
	}
	gone(t, pid, start)
}

// TestNotFoundInChild starts a server from a child whose PATH is empty
// and has no MPROC_NATS_SERVER: the error says how to get a server.
func TestNotFoundInChild(t *testing.T) {
	t.Parallel()
	out := runRole(t, "start", []string{"PATH="})
	for _, want := range []string{"no go tool on PATH", "go install github.com/nats-io/nats-server/v2@" + Version, "MPROC_NATS_SERVER", "errors.Is ErrNotFound"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestEnvServerInChild: MPROC_NATS_SERVER wins over everything, and a
// wrong one is an error, not a fallback.
func TestEnvServerInChild(t *testing.T) {
	t.Parallel()
	out := runRole(t, "start", []string{EnvServer + "=/nonexistent/nats-server"})
	if !strings.Contains(out, `MPROC_NATS_SERVER="/nonexistent/nats-server": stat`) || !strings.Contains(out, "errors.Is ErrNotFound") {
		t.Errorf("output:\n%s", out)
	}
	bin := serverBinary(t)
	if out := runRole(t, "start", []string{EnvServer + "=" + bin, "PATH="}); strings.TrimSpace(out) != "started" {
		t.Errorf("with %s=%s and no PATH:\n%s", EnvServer, bin, out)
	}
}
