package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// A process model's figures are mostly its children's starts, and a
// child's start is mostly the start of its program: the runtime, then
// every package the program links. The mproc command links everything it
// does (the tour, the bench, the cluster client, the dashboard), so the
// servers groups run the Go servers in internal/bench/echoserve, built
// as a user's server would be: mproc, mproc/server, net, CGO_ENABLED=0.

// echoProgramKey is the ctx key under which a servers group passes the
// echoserve binary it built to childServer.
type echoProgramKey struct{}

// withEchoProgram builds internal/bench/echoserve and returns ctx carrying
// its path, and a func that removes it. Without the go tool or the source
// tree it says so and returns ctx as it was: the Go servers then run in
// this binary's children.
func withEchoProgram(ctx context.Context, group string) (context.Context, func()) {
	bin, cleanup, err := buildEchoProgram(ctx)
	if err != nil {
		logf(ctx, "%s: the Go servers run in this binary's children, each start paying for all it links (%v)", group, err)
		return ctx, func() {}
	}
	return context.WithValue(ctx, echoProgramKey{}, bin), cleanup
}

func buildEchoProgram(ctx context.Context) (string, func(), error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", nil, fmt.Errorf("no go tool on PATH to build internal/bench/echoserve: %w", err)
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "mproc-echoserve-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "echoserve")
	if err := goBuild(ctx, goTool, root, buildTags, "0", bin, "./internal/bench/echoserve"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}
