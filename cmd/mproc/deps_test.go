package main

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNoNATSServerLinked: the command starts a nats-server process for
// `mproc cluster up` rather than link one. Every package a binary links
// runs its init in every child the binary starts, and nats-server's made
// each child of the command ~2 ms slower and its binary 14 MB larger.
func TestNoNATSServerLinked(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no go tool to list the command's dependencies:", err)
		}
		t.Skip("no go tool:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !slices.Contains(deps, "mproc") || !slices.Contains(deps, "mproc/internal/natsproc") {
		t.Fatalf("go list -deps gave %d packages, not the command's:\n%s", len(deps), out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/nats-io/nats-server") {
			t.Errorf("the mproc command links %s", d)
		}
	}
}
