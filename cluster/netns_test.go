//go:build unix

package cluster_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"mproc"
	"mproc/cluster"
)

// HostAddr is a task that says which "host" ran it: the first IPv4
// address, loopback aside, of the network namespace it runs in. It takes
// a little time so that both hosts get a share of a Map.
var HostAddr = mproc.Register[int, string]("cluster_test.hostaddr", func(int) (string, error) {
	time.Sleep(10 * time.Millisecond)
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() {
			return ip.IP.String(), nil
		}
	}
	return "", errors.New("no address but loopback")
})

// The environment variables that make this test binary a worker host.
const (
	envNetnsURL  = "MPROC_TEST_NETNS_URL"
	envNetnsPool = "MPROC_TEST_NETNS_POOL"
)

// TestNetnsWorker is the worker a "host" runs: the test binary started in
// a network namespace with envNetnsURL set. It serves until killed.
func TestNetnsWorker(t *testing.T) {
	url := os.Getenv(envNetnsURL)
	if url == "" {
		t.Skip("run by TestTwoHosts inside a network namespace")
	}
	ctx := context.Background()
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Fatal(cluster.Serve(ctx, c, cluster.WithPool(os.Getenv(envNetnsPool)), cluster.WithWorkers(2)))
}

// TestTwoHosts runs workers on two "hosts", network namespaces with
// addresses of their own joined to this one by veth pairs, against one
// NATS server here, and maps over both.
func TestTwoHosts(t *testing.T) {
	if why := netnsUnavailable(); why != "" {
		t.Skipf("two hosts need network namespaces: %s", why)
	}
	ctx := ctxTimeout(t, 60*time.Second)
	net3 := 100 + int(randByte()%50) // 10.231.net3.x and net3+100: unlikely to meet another run's
	hosts := []netHost{newNetHost(t, net3), newNetHost(t, net3+100)}

	ns, err := server.NewServer(&server.Options{Host: "0.0.0.0", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	port := ns.Addr().(*net.TCPAddr).Port
	pool := "twohosts"
	for _, h := range hosts {
		h.startWorker(t, fmt.Sprintf("nats://%s:%d", h.gateway, port), pool)
	}
	c := connect(t, ctx, fmt.Sprintf("nats://127.0.0.1:%d", port))
	p := newPool(t, ctx, c, pool)
	xs := make([]int, 40)
	got, err := HostAddr.Map(ctx, p, xs, mproc.WithChunk(1))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range got {
		count[a]++
	}
	for _, h := range hosts {
		if count[h.addr] == 0 {
			t.Errorf("host %s ran none of the tasks: %v", h.addr, count)
		}
	}
	if len(count) != len(hosts) {
		t.Errorf("tasks ran at %v, want only the two hosts", count)
	}
	t.Logf("tasks per host: %v", count)
}

// netHost is a network namespace joined to this one by a veth pair.
type netHost struct {
	name, gateway, addr string
}

func newNetHost(t *testing.T, net3 int) netHost {
	t.Helper()
	tag := fmt.Sprintf("%d%d", os.Getpid()%10000, net3)
	h := netHost{
		name:    "mproc-" + tag,
		gateway: fmt.Sprintf("10.231.%d.1", net3),
		addr:    fmt.Sprintf("10.231.%d.2", net3),
	}
	outer, inner := "mpa"+tag, "mpb"+tag                                       // at most 15 bytes
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", h.name).Run() }) // takes the veth pair with it
	for _, args := range [][]string{
		{"netns", "add", h.name},
		{"link", "add", outer, "type", "veth", "peer", "name", inner},
		{"link", "set", inner, "netns", h.name},
		{"addr", "add", h.gateway + "/24", "dev", outer},
		{"link", "set", outer, "up"},
		{"netns", "exec", h.name, "ip", "addr", "add", h.addr + "/24", "dev", inner},
		{"netns", "exec", h.name, "ip", "link", "set", inner, "up"},
		{"netns", "exec", h.name, "ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return h
}

// startWorker runs this test binary as TestNetnsWorker inside the host's
// namespace, and kills and reaps it when the test ends.
func (h netHost) startWorker(t *testing.T, url, pool string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", h.name, os.Args[0], "-test.run=^TestNetnsWorker$", "-test.count=1")
	cmd.Env = append(os.Environ(), envNetnsURL+"="+url, envNetnsPool+"="+pool)
	cmd.Stderr = os.Stderr
	// Its own process group, so that the kill reaches the worker and the
	// children it runs tasks in, whoever ip exec'd.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
}

// netnsUnavailable says why this machine can't make network namespaces,
// or "" when it can.
func netnsUnavailable() string {
	if os.Geteuid() != 0 {
		return "not root (uid " + strconv.Itoa(os.Geteuid()) + ")"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "no ip command (iproute2)"
	}
	probe := fmt.Sprintf("mproc-probe-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		return fmt.Sprintf("ip netns add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
	return ""
}

func randByte() byte {
	var b [1]byte
	_, _ = rand.Read(b[:])
	return b[0]
}
