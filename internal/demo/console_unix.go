//go:build unix

package demo

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

func openConsole(w io.Writer) (*console, error) {
	dir, err := os.MkdirTemp("", "mproc-demo-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "console")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("demo console: %w", err)
	}
	// Open the read end first without blocking, then the write end, which
	// succeeds at once because a reader exists. The reader sees EOF once
	// every writer (this process's and all children's) has closed.
	r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	wr, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		r.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	c := &console{path: path, dir: dir, r: r, wr: wr, done: make(chan struct{}), changed: make(chan struct{})}
	go c.copyLines(w)
	return c, nil
}

// newGate makes a closed gate in the console's directory.
func (c *console) newGate(name string) (*gate, error) {
	path := filepath.Join(c.dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f, syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return &gate{f: f, path: path}, nil
}

// waitGate waits, in a child, until the gate at path is open.
func waitGate(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return flock(f, syscall.LOCK_SH)
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

// say writes one line to the console at path, from a child process. A child
