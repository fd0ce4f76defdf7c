package manager

import (
	"errors"
	"testing"

	"mproc/internal/wire"
)

// FuzzEveryProxyDecode is FuzzProxyDecode for the proxies it leaves out:
// every proxy type decodes what other processes send.
func FuzzEveryProxyDecode(f *testing.F) {
	ref := proxyRef{cl: &client{network: "unix", addr: "@fuzz"}, id: 7}
	for _, p := range []interface{ MarshalBinary() ([]byte, error) }{
		&List[int]{ref}, &Value[float64]{ref}, &Namespace{ref}, &Event{ref},
		&Semaphore{ref}, &Queue[string]{ref}, &Barrier{ref}, &RLock{lockProxy{ref, "RLock"}},
	} {
		b, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []interface {
			UnmarshalBinary([]byte) error
			MarshalBinary() ([]byte, error)
		}{new(List[int]), new(Value[float64]), new(Namespace), new(Event), new(Semaphore), new(Queue[string]), new(Barrier), new(Lock)} {
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
