package chaos

import (
	"fmt"
	"hash/crc32"
)

// putItem checks itself: Data is the pattern of (Producer, Seq) and Sum its
// CRC, so a torn, shifted or mixed item shows.
type putItem struct {
	Producer, Seq int
	Data          []byte
	Sum           uint32
}

// putSize varies the items: empty, small, and every fifth one larger than
// half a 64 KiB queue buffer, so that it crosses in pieces and a kill can
// fall between them.
func putSize(producer, seq int) int {
	switch (producer + seq) % 5 {
	case 2:
		return 40<<10 + (seq*7919+producer*104729)%(120<<10)
	case 4:
		return 0
	}
	return (seq*131 + producer) % 300
}

func makePutItem(producer, seq int) putItem {
	d := pattern(putSize(producer, seq), uint64(producer)<<32|uint64(seq))
	return putItem{Producer: producer, Seq: seq, Data: d, Sum: crc32.ChecksumIEEE(d)}
}

// check reports how it differs from the item seq of its producer.
func (it putItem) check(seq int) error {
	want := makePutItem(it.Producer, seq)
	switch {
	case it.Seq != seq:
		return fmt.Errorf("producer %d: item %d where %d was due", it.Producer, it.Seq, seq)
	case len(it.Data) != len(want.Data):
		return fmt.Errorf("producer %d, item %d: %d bytes, want %d", it.Producer, seq, len(it.Data), len(want.Data))
	case it.Sum != want.Sum || crc32.ChecksumIEEE(it.Data) != it.Sum:
		return fmt.Errorf("producer %d, item %d: torn (checksum mismatch)", it.Producer, seq)
	}
	return nil
}

// pattern is n bytes of an xorshift stream seeded by seed: every item's
// bytes differ from every other's.
func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}
