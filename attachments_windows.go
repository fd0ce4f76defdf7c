package mproc

import (
	"syscall"

	"mproc/internal/platform"
	"mproc/internal/shm"
)

// errNoSharing is what passing shared objects between processes returns
// here: they travel as Unix descriptors beside the messages.
var errNoSharing = platform.Unsupported("shared objects (locks, queues, pipes, values, shared memory) between processes")

// sockSeqpacket names the side channels' type; no pair of them is made here.
const sockSeqpacket = syscall.SOCK_SEQPACKET

func receive(attachDesc, []int) (*received, error) { return nil, errNoSharing }

func (*received) done() {}

func sendAttachments(*socket, uint64, *attachments) error { return errNoSharing }

func recvAttachments(*socket, uint64) (*received, error) { return nil, errNoSharing }

// readableFD would poll a Unix descriptor.
func readableFD(syscall.Conn) (bool, error) {
	return false, platform.Unsupported("polling a connection's socket without reading")
}

func newSocketPair(int) (*socket, *socket, error) { return nil, nil, errNoSharing }

func claimSocket(shm.ID) (*socket, error) { return nil, errNoSharing }
