package manager

import (
	"errors"
	"testing"

	"mproc/internal/wire"
)

// FuzzProxyDecode feeds the proxies' decoders, which read what other
// processes send, arbitrary bytes: none may panic, an error is
// wire.ErrCorrupt, and what decodes encodes again.
func FuzzProxyDecode(f *testing.F) {
	ref := proxyRef{cl: &client{network: "unix", addr: "@fuzz"}, id: 7}
	for _, p := range []interface{ MarshalBinary() ([]byte, error) }{
		&Dict[string, int]{ref}, &Lock{lockProxy{ref, "Lock"}},
		&Condition{ref: ref, l: lockProxy{ref, "RLock"}}, &Proxy{ref: ref, typeName: "T"},
	} {
		b, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []interface {
			UnmarshalBinary([]byte) error
			MarshalBinary() ([]byte, error)
		}{new(Dict[string, int]), new(RLock), new(Condition), new(Proxy)} {
			if err := p.UnmarshalBinary(b); err != nil {
				if !errors.Is(err, wire.ErrCorrupt) {
					t.Fatalf("%T: %v, want ErrCorrupt", p, err)
				}
				continue
			}
			if _, err := p.MarshalBinary(); err != nil {
				t.Fatalf("%T decoded %x but does not encode: %v", p, b, err)
			}
		}
	})
}
