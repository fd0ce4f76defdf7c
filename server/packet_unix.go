//go:build unix

package server

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rightsSpace is the control buffer of a read: room for a few descriptors.
var rightsSpace = syscall.CmsgSpace(4 * 4)

// sendFD sends f with a descriptor beside it (SCM_RIGHTS): the receiver
// gets its own copy of the open socket.
func (p *packetConn) sendFD(f frame, fd int) error {
	return p.writeFD(f.encode(), fd)
}

// writeFD sends an encoded frame with a descriptor beside it.
func (p *packetConn) writeFD(b []byte, fd int) error {
	_, _, err := p.c.WriteMsgUnix(b, syscall.UnixRights(fd), nil)
	return err
}

// readFD reads a frame that carries a descriptor, and returns it as a file
// (nil if none came with the frame). Extra descriptors are closed.
func (p *packetConn) readFD() (frame, *os.File, error) {
	oob := p.oob
	n, oobn, flags, _, err := p.c.ReadMsgUnix(p.buf, oob)
	if err != nil {
		return frame{}, nil, err
	}
	fds, ferr := parseRights(oob[:oobn])
	var file *os.File
	for i, fd := range fds {
		if i == 0 {
			file = os.NewFile(uintptr(fd), "socket")
		} else {
			unix.Close(fd)
		}
	}
	if ferr == nil && flags&unix.MSG_CTRUNC != 0 {
		ferr = fmt.Errorf("%w: descriptors cut off", errFrame)
	}
	if ferr == nil && n == 0 {
		ferr = net.ErrClosed
	}
	var f frame
	if ferr == nil {
		f, ferr = decodeFrame(p.buf[:n])
	}
	if ferr != nil {
		if file != nil {
			file.Close()
		}
		return frame{}, nil, ferr
	}
	return f, file, nil
}

func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFrame, err)
	}
	var fds []int
	for _, m := range msgs {
		got, err := syscall.ParseUnixRights(&m)
		if err == nil {
			fds = append(fds, got...)
		}
	}
	return fds, nil
}
