package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// goBuild builds the package pkg of the mproc module at root into out with
// the go tool, the given build tags and CGO_ENABLED=cgo: the groups that
// measure a program of their own (spawn_net, limits, portable, the
// servers) build it this way.
func goBuild(ctx context.Context, goTool, root, tags, cgo, out, pkg string) error {
	cmd := exec.CommandContext(ctx, goTool, "build", "-buildvcs=false", "-tags="+tags, "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -tags=%q %s (CGO_ENABLED=%s): %v\n%s", tags, pkg, cgo, err, b)
	}
	return nil
}
