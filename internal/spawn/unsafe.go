package spawn

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// unsafeTail points at the union that follows siginfo's fixed header.
func unsafeTail(info *unix.Siginfo) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(info), 16)
}
