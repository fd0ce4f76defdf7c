package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"mproc"
	"mproc/cluster"
	"mproc/internal/testmain"
)

// TestMain runs a child's target when this binary was started as a child
// (mproc.Main), else the tests.
func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m)
}

// natsServer is an embedded NATS server with JetStream, its store in a
// directory of the test's, that can be stopped and started again on the
// same port and store.
type natsServer struct {
	t    *testing.T
	dir  string
	port int
	ns   *server.Server
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	s := &natsServer{t: t, dir: t.TempDir(), port: -1}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *natsServer) start() {
	s.t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: s.port, JetStream: true, StoreDir: s.dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		s.t.Fatal("the NATS server did not start in 10 s")
	}
	s.ns = ns
	s.port = ns.Addr().(*net.TCPAddr).Port
}

func (s *natsServer) stop() {
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		s.ns = nil
	}
}

func (s *natsServer) url() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

func connect(t *testing.T, ctx context.Context, url string) *cluster.Conn {
	t.Helper()
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func newPool(t *testing.T, ctx context.Context, c *cluster.Conn, name string, opts ...cluster.Option) *cluster.Pool {
	t.Helper()
	p, err := cluster.NewPool(ctx, c, name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// serveHere runs Serve in this process (its workers are child processes)
// until the test ends.
func serveHere(t *testing.T, c *cluster.Conn, opts ...cluster.Option) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cluster.Serve(ctx, c, opts...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// serveArg tells a worker process what to serve.
type serveArg struct {
	URL     string
	Pool    string
	Workers int
	Version string
}

// ServeProc is a worker process: Serve until it is terminated or killed.
var ServeProc = mproc.Register[serveArg, mproc.None]("cluster_test.serve", func(ctx context.Context, a serveArg) (mproc.None, error) {
	c, err := cluster.Connect(ctx, a.URL)
	if err != nil {
		return mproc.None{}, err
	}
	defer c.Close()
	opts := []cluster.Option{cluster.WithPool(a.Pool), cluster.WithWorkers(a.Workers)}
	if a.Version != "" {
		opts = append(opts, cluster.WithVersion(a.Version))
	}
	err = cluster.Serve(ctx, c, opts...)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return mproc.None{}, err
})

var Square = mproc.Register[int, int]("cluster_test.square", func(x int) int { return x * x })

var Fail = mproc.Register[int, int]("cluster_test.fail", func(x int) (int, error) {
	if x < 0 {
		return 0, fmt.Errorf("negative: %d", x)
	}
	return x, nil
})

var Sleep = mproc.Register[time.Duration, int]("cluster_test.sleep", func(ctx context.Context, d time.Duration) (int, error) {
	select {
	case <-time.After(d):
		return int(d / time.Millisecond), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

var Crash = mproc.Register[int, int]("cluster_test.crash", func(x int) int {
	os.Exit(3)
	return x
})

// holdArg is a task that, on its first delivery, records which worker
// process took it and then runs until cancelled; later deliveries return
// X*X at once.
type holdArg struct {
	Dir  string
	X    int
	Hold bool
}

var Hold = mproc.Register[holdArg, int]("cluster_test.hold", func(ctx context.Context, a holdArg) (int, error) {
	// Every delivery leaves a mark, so the test can count them.
	mark := filepath.Join(a.Dir, fmt.Sprintf("ran-%d-%d", a.X, time.Now().UnixNano()))
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		return 0, err
	}
	if !a.Hold {
		return a.X * a.X, nil
	}
	claim := filepath.Join(a.Dir, fmt.Sprintf("claimed-%d", a.X))
	if err := os.Mkdir(claim, 0o755); err != nil {
		return a.X * a.X, nil // a redelivery: the first one's worker is gone
	}
	// The worker process is this child's parent: the test kills it.
	if err := os.WriteFile(filepath.Join(a.Dir, "holder"), []byte(strconv.Itoa(os.Getppid())), 0o644); err != nil {
		return 0, err
	}
	<-ctx.Done()
	return 0, ctx.Err()
})

// waitForFile polls for a file that a child process writes, and returns
// its content (a poll's pace: there is no event to wait on across
// processes here).
func waitForFile(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never appeared", path)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitForConsumer waits until a worker has made a pool's stream and
// consumer.
func waitForConsumer(t *testing.T, ctx context.Context, c *cluster.Conn, stream string) {
	t.Helper()
	for {
		if _, err := c.JetStream().Consumer(ctx, stream, "workers"); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no worker made %s's consumer", stream)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// writeFile writes a file whole, through a rename, so that a reader never
// sees it half-written.
func writeFile(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
