package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/natsproc"
)

// cliCube is a function of this binary, which `mproc worker` serves.
var cliCube = mproc.Register[int, int]("cmd_test.cube", func(n int) int { return n * n * n })

// TestClusterUpAndWorker runs `mproc cluster up --port -1` and `mproc
// worker --nats URL`, then maps over the worker from a pool of this
// process, and stops both as Ctrl-C would.
func TestClusterUpAndWorker(t *testing.T) {
	findCtx, findCancel := context.WithTimeout(context.Background(), 10*time.Minute)
	_, err := natsproc.Locate(findCtx) // on a fresh machine the go tool builds it first: not this test's minute
	findCancel()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	upCtx, stopUp := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	upDone := make(chan error, 1)
	go func() {
		upDone <- (&clusterCmd{Host: "127.0.0.1", Port: -1}).Run(&app{ctx: upCtx, stdout: pw, stderr: io.Discard})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("cluster up printed %q: %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.Fields(strings.TrimPrefix(line, "NATS with JetStream at "))[0]
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Fatalf("cluster up said %q", line)
	}

	workCtx, stopWorker := context.WithCancel(ctx)
	var out strings.Builder
	workDone := make(chan error, 1)
	go func() {
		workDone <- (&workerCmd{NATS: url, Pool: "clitest", Workers: 2}).Run(&app{ctx: workCtx, stdout: &out, stderr: io.Discard})
	}()
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := cluster.NewPool(ctx, c, "clitest")
	if err != nil {
		t.Fatal(err)
	}
	got, err := cliCube.Map(ctx, p, []int{1, 2, 3, 4})
	if err != nil || len(got) != 4 || got[3] != 64 {
		t.Fatalf("Map over the worker: %v, %v", got, err)
	}
	p.Close()

	stopWorker()
	if err := <-workDone; err != nil {
		t.Errorf("worker after Ctrl-C: %v", err)
	}
	stopUp()
	if err := <-upDone; err != nil {
		t.Errorf("cluster up after Ctrl-C: %v", err)
	}
	if !strings.Contains(out.String(), `serving pool "clitest"`) {
		t.Errorf("worker said %q", out.String())
	}
	if code, _, errOut := runCLI("worker"); code != 1 || !strings.Contains(errOut, "--nats URL") {
		t.Errorf("worker without --nats: %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI("cluster", "down"); code != 2 || !strings.Contains(errOut, "one subcommand: up") {
		t.Errorf("cluster down: %d, %q", code, errOut)
	}
}
