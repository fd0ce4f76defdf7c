// Package probe holds both sides of the bench's limit probes: the least a
// Go program can do to move words between two processes (a spinning ring,
// futex and spin ping-pong over a shared word, a socketpair round trip).
// The parent side runs in the bench, the child side in limitprobe; they
// share the layout below in a memfd passed as fd 3.
package probe

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"mproc/internal/futex"
)

// The layout of the shared memory, each field on its own cache line.
const (
	offSeq   = 0   // uint32: ping-pong sequence, odd = the parent's ping
	offReady = 64  // uint32: set by the child once it has mapped the memory
	offHead  = 128 // uint64: words the producer has written
	offTail  = 192 // uint64: words the consumer has read
	offSum   = 256 // uint64: the consumer's sum, once it read them all
	offDone  = 320 // uint32: set once offSum holds the sum
	offRing  = 384
	// RingWords is the ring's capacity.
	RingWords = 8192
	// Size is the shared memory's size.
	Size = offRing + 8*RingWords
)

// Timeout bounds every wait for the peer, so that a dead peer is an error,
// not a hang.
const Timeout = 30 * time.Second

// ErrPeerGone says the other side stopped answering within Timeout.
var ErrPeerGone = errors.New("probe: the peer did not answer in time")

func u32(mem []byte, off int) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
func u64(mem []byte, off int) *uint64 { return (*uint64)(unsafe.Pointer(&mem[off])) }

// SetReady tells the parent the child is mapped and waiting.
func SetReady(mem []byte) { atomic.StoreUint32(u32(mem, offReady), 1) }

// AwaitReady waits for SetReady; the child's start is not part of any
// probe's time.
func AwaitReady(mem []byte) error {
	return spinUntil(func() bool { return atomic.LoadUint32(u32(mem, offReady)) == 1 }, true)
}

// spinUntil spins until cond holds or Timeout passes; yield gives the CPU
// away between checks, for waits that are not being timed.
func spinUntil(cond func() bool, yield bool) error {
	deadline := time.Now().Add(Timeout)
	for i := 0; !cond(); i++ {
		if yield {
			time.Sleep(50 * time.Microsecond)
		}
		if i&0xffff == 0 && time.Now().After(deadline) {
			return ErrPeerGone
		}
	}
	return nil
}

// Produce writes the words 1..n into the ring, publishing each one as it
// is written, and waits for the consumer's sum. It returns the time from
// the first word to the consumer's last.
func Produce(mem []byte, n int) (time.Duration, error) {
	head, tail := u64(mem, offHead), u64(mem, offTail)
	ring := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[offRing])), RingWords)
	start := time.Now()
	var h, t uint64
	for h < uint64(n) {
		if h-t == RingWords {
			if err := spinUntil(func() bool { t = atomic.LoadUint64(tail); return h-t < RingWords }, false); err != nil {
				return 0, err
			}
		}
		ring[h%RingWords] = h + 1
		h++
		atomic.StoreUint64(head, h)
	}
	if err := spinUntil(func() bool { return atomic.LoadUint32(u32(mem, offDone)) == 1 }, false); err != nil {
		return 0, err
	}
	took := time.Since(start)
	if sum, want := atomic.LoadUint64(u64(mem, offSum)), uint64(n)*uint64(n+1)/2; sum != want {
		return 0, fmt.Errorf("probe: the consumer summed %d, not %d", sum, want)
	}
	return took, nil
}

// Consume reads n words from the ring and reports their sum.
func Consume(mem []byte, n int) error {
	head, tail := u64(mem, offHead), u64(mem, offTail)
	ring := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[offRing])), RingWords)
	SetReady(mem)
	var t, h, sum uint64
	for t < uint64(n) {
		if err := spinUntil(func() bool { h = atomic.LoadUint64(head); return h > t }, false); err != nil {
			return err
		}
		for ; t < h; t++ {
			sum += ring[t%RingWords]
		}
		atomic.StoreUint64(tail, t)
	}
	atomic.StoreUint64(u64(mem, offSum), sum)
	atomic.StoreUint32(u32(mem, offDone), 1)
	return nil
}

// PingFutex makes n round trips over the shared word, each side sleeping
// in the kernel until the other wakes it, and returns their time.
func PingFutex(mem []byte, n int) (time.Duration, error) {
	seq := u32(mem, offSeq)
	start := time.Now()
	for i := range uint32(n) {
		atomic.StoreUint32(seq, 2*i+1)
		futex.Wake(seq, 1)
		if err := awaitFutex(seq, 2*i+2); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// AnswerFutex is PingFutex's other side.
func AnswerFutex(mem []byte, n int) error {
	seq := u32(mem, offSeq)
	SetReady(mem)
	for i := range uint32(n) {
		if err := awaitFutex(seq, 2*i+1); err != nil {
			return err
		}
		atomic.StoreUint32(seq, 2*i+2)
		futex.Wake(seq, 1)
	}
	return nil
}

// awaitFutex sleeps on word until it holds want.
func awaitFutex(word *uint32, want uint32) error {
	deadline := time.Now().Add(Timeout)
	for {
		v := atomic.LoadUint32(word)
		if v == want {
			return nil
		}
		if time.Now().After(deadline) {
			return ErrPeerGone
		}
		futex.Wait(word, v, 100*time.Millisecond)
	}
}

// PingSpin makes n round trips over the shared word, both sides spinning,
// and returns their time.
func PingSpin(mem []byte, n int) (time.Duration, error) {
	seq := u32(mem, offSeq)
	start := time.Now()
	for i := range uint32(n) {
		atomic.StoreUint32(seq, 2*i+1)
		if err := spinUntil(func() bool { return atomic.LoadUint32(seq) == 2*i+2 }, false); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// AnswerSpin is PingSpin's other side.
func AnswerSpin(mem []byte, n int) error {
	seq := u32(mem, offSeq)
	SetReady(mem)
	for i := range uint32(n) {
		if err := spinUntil(func() bool { return atomic.LoadUint32(seq) == 2*i+1 }, false); err != nil {
			return err
		}
		atomic.StoreUint32(seq, 2*i+2)
	}
	return nil
}
