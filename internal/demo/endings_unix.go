//go:build unix

package demo

import (
	"os"

	"golang.org/x/sys/unix"
)

// noAccessPage maps a page that faults on any access.
func noAccessPage() ([]byte, error) {
	return unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_NONE, unix.MAP_ANON|unix.MAP_PRIVATE)
}
