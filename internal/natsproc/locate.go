package natsproc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Version is the nats-server the mproc module requires, in go.mod's
// require and tool lines (a test keeps the three equal).
const Version = "v2.15.3"

// EnvServer names the environment variable that gives the path of a
// nats-server binary, tried first.
const EnvServer = "MPROC_NATS_SERVER"

// buildBound bounds the go tool's build of the server when ctx has no
// deadline: a cold build takes a minute or two on a small machine.
const buildBound = 10 * time.Minute

// Locate returns the path of a nats-server binary, trying in order:
//
//  1. $MPROC_NATS_SERVER, which must then name an executable file;
//  2. nats-server on PATH;
//  3. when the go tool is on PATH and the mproc module's source tree is
//     at hand (the directory this package was compiled from, as with `go
//     run ./cmd/mproc` or `go test`, or the working directory), `go tool -n
//     nats-server` there: the module has nats-server as a tool dependency,
//     and the go tool builds it once into its build cache and prints its
//     path.
//
// If none gives a server, the error is a *NotFoundError (errors.Is
// ErrNotFound) that says how to get one.
func Locate(ctx context.Context) (string, error) {
	return locate(ctx, where{env: os.Getenv(EnvServer), path: os.Getenv("PATH"), dirs: moduleDirs()})
}

// where is what Locate looks at, apart from the process's environment so
// tests can vary it.
type where struct {
	env  string   // $MPROC_NATS_SERVER
	path string   // $PATH
	dirs []string // directories that may lie inside the mproc module
}

func locate(ctx context.Context, w where) (string, error) {
	if w.env != "" {
		if err := executable(w.env); err != nil {
			return "", fmt.Errorf("%w: %s=%q: %v", ErrNotFound, EnvServer, w.env, err)
		}
		return w.env, nil
	}
	tried := []string{EnvServer + " is not set", "no nats-server on PATH"}
	if p, err := lookPath(w.path, "nats-server"); err == nil {
		return p, nil
	}
	goTool, err := lookPath(w.path, "go")
	if err != nil {
		return "", &NotFoundError{Tried: append(tried, "no go tool on PATH to build one")}
	}
	root := moduleRoot(w.dirs)
	if root == "" {
		return "", &NotFoundError{Tried: append(tried, "not run from the mproc module's source tree, where the go tool could build one")}
	}
	p, err := goToolServer(ctx, goTool, root)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("natsproc: building nats-server with the go tool: %w", ctx.Err())
		}
		return "", &NotFoundError{Tried: append(tried, err.Error())}
	}
	return p, nil
}

// built memoizes goToolServer's answer per module root: `go tool -n` costs
// about 0.2 s even when the binary is cached.
var built sync.Map // module root -> binary path

// goToolServer runs `go tool -n nats-server` in the module at root, which
// builds the tool into the build cache if it is not there and prints its
// path.
func goToolServer(ctx context.Context, goTool, root string) (string, error) {
	if p, ok := built.Load(root); ok && executable(p.(string)) == nil {
		return p.(string), nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, buildBound)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, goTool, "tool", "-n", "nats-server")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("`go tool -n nats-server` in %s: %v: %s", root, err, strings.TrimSpace(stderr.String()))
	}
	p := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(p, '\n'); i >= 0 {
		p = p[i+1:]
	}
	if err := executable(p); err != nil {
		return "", fmt.Errorf("`go tool -n nats-server` in %s printed %q: %v", root, p, err)
	}
	built.Store(root, p)
	return p, nil
}

// moduleDirs are where the mproc module's source may be: the directory
// this file was compiled from (absolute unless built with -trimpath), and
// the working directory.
func moduleDirs() []string {
	var dirs []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dirs = append(dirs, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	return dirs
}

// moduleRoot returns the root of the first of dirs that lies in the mproc
// module, or "".
func moduleRoot(dirs []string) string {
	for _, d := range dirs {
		d, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		for {
			if mod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
				if modulePath(mod) == "mproc" {
					return d
				}
				break // inside some other module
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	return ""
}

// modulePath is the path in a go.mod's module line.
func modulePath(mod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(mod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// lookPath finds an executable called name in the directories of the list
// pathList, as exec.LookPath does with $PATH (empty entries, the current
// directory, are skipped).
func lookPath(pathList, name string) (string, error) {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// executable says why p is not an executable regular file, or nil.
func executable(p string) error {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return errors.New("not a regular file")
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		return errors.New("not executable")
	}
	return nil
}
