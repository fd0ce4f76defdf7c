package natsproc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLocateNotFound(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	goDir := t.TempDir()
	if err := os.Symlink(goTool, filepath.Join(goDir, "go")); err != nil {
		t.Fatal(err)
	}
	notExec := t.TempDir()
	if err := os.WriteFile(filepath.Join(notExec, "nats-server"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		w    where
		want string
	}{
		{"nothing", where{}, "no go tool on PATH"},
		{"a nats-server that is not executable", where{path: notExec}, "no go tool on PATH"},
		{"go, outside the module", where{path: goDir, dirs: []string{t.TempDir()}}, "not run from the mproc module's source tree"},
	} {
		_, err := locate(ctx, c.w)
		var nf *NotFoundError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) {
			t.Errorf("%s: %v, want a NotFoundError", c.name, err)
			continue
		}
		for _, want := range []string{c.want, "MPROC_NATS_SERVER is not set", "go install github.com/nats-io/nats-server/v2@" + Version, "set MPROC_NATS_SERVER"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error lacks %q: %v", c.name, want, err)
			}
		}
	}
}

func TestLocateEnv(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for env, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such file",
		dir:                           "not a regular file",
		plain:                         "not executable",
	} {
		_, err := locate(ctx, where{env: env, path: "/usr/bin:/bin"})
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), EnvServer) {
			t.Errorf("%s=%s: %v, want ErrNotFound saying %q", EnvServer, env, err, want)
		}
	}
	if p, err := locate(ctx, where{env: exe}); p != exe || err != nil {
		t.Errorf("%s=%s: %q, %v", EnvServer, exe, p, err)
	}
}

// TestLocatePath: a nats-server on PATH comes before the go tool, and
// PATH's order holds.
func TestLocatePath(t *testing.T) {
	t.Parallel()
	first, second := t.TempDir(), t.TempDir()
	for _, d := range []string{first, second} {
		if err := os.WriteFile(filepath.Join(d, "nats-server"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wd, _ := os.Getwd()
	p, err := locate(context.Background(), where{path: "::" + first + ":" + second, dirs: []string{wd}})
	if err != nil || p != filepath.Join(first, "nats-server") {
		t.Errorf("locate: %q, %v", p, err)
	}
}

// TestLocateGoTool: inside the module, with no server anywhere else, the
// go tool builds (or finds in its cache) the module's tool dependency.
func TestLocateGoTool(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildBound)
	defer cancel()
	sub := filepath.Join("..", "..", "cmd") // a directory below the module root
	p, err := locate(ctx, where{path: filepath.Dir(goTool), dirs: []string{sub}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nats-server: v"+strings.TrimPrefix(Version, "v")) {
		t.Errorf("%s --version: %q, %v", p, out, err)
	}
}

// TestVersionIsGoMods: Version, go.mod's require and its tool line agree.
func TestVersionIsGoMods(t *testing.T) {
	t.Parallel()
	root := moduleRoot([]string{"."})
	if root == "" {
		t.Fatal("no mproc module above this directory")
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*github\.com/nats-io/nats-server/v2 ` + regexp.QuoteMeta(Version) + `\b`).Match(mod) {
		t.Errorf("go.mod does not require nats-server %s", Version)
	}
	if !regexp.MustCompile(`(?m)^tool github\.com/nats-io/nats-server/v2$`).Match(mod) {
		t.Errorf("go.mod has no tool line for nats-server")
	}
}

func TestModulePath(t *testing.T) {
	t.Parallel()
	for mod, want := range map[string]string{
		"module mproc\n\ngo 1.26\n":      "mproc",
		"// x\nmodule \"mproc\"\n":       "mproc",
		"module example.com/other\n":     "example.com/other",
		"go 1.26\n":                      "",
		"module\n":                       "",
		"  module   mproc  // comment\n": "mproc",
	} {
		if got := modulePath([]byte(mod)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", mod, got, want)
		}
	}
}
