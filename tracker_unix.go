//go:build unix

package mproc

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// runTracker is the tracker's life; it returns the exit code.
func runTracker() int {
	// Ctrl-C reaches the whole process group; the tracker must outlive it
	// to clean up after the others.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	conn, err := spawn.ControlConn()
	if err != nil {
		return exitNoMain
	}
	if spawn.WriteFrame(conn, kindReady, nil) != nil {
		return 0
	}
	names := map[string]bool{}
	r := bufio.NewReader(conn)
	for {
		k, payload, err := wire.ReadFrame(r, 4096)
		if err != nil {
			break
		}
		name := string(payload)
		if checkShmName(name) != nil {
			continue
		}
		switch k {
		case kindTrackAdd:
			names[name] = true
		case kindTrackDel:
			delete(names, name)
		}
	}
	for name := range names {
		if unix.Unlink(shmDir+name) == nil {
			fmt.Fprintf(os.Stderr, "mproc: shared memory %s was not unlinked by its creator; unlinked it\n", name)
		}
	}
	return 0
}
