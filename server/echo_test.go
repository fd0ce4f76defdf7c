package server_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"sync"
	"testing"
	"time"

	"mproc/server"
)

// Every model echoes byte for byte, upper-cased, to several clients at once.
func TestEchoEveryModel(t *testing.T) {
	for _, m := range allModels {
		t.Run(m.String(), func(t *testing.T) {
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, server.Echo, m)
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Go(func() {
					c := dial(t, ctx, srv.addr)
					payload := make([]byte, 100_000+i)
					rand.Read(payload)
					want := bytes.Clone(payload)
					for j, b := range want {
						if 'a' <= b && b <= 'z' {
							want[j] = b - 32
						}
					}
					go func() {
						c.c.Write(payload)
						c.c.(interface{ CloseWrite() error }).CloseWrite()
					}()
					got, err := io.ReadAll(c.c)
					if err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					if !bytes.Equal(got, want) {
						t.Errorf("client %d: got %d bytes, want %d (equal: %v)", i, len(got), len(want), bytes.Equal(got, want))
					}
				})
			}
			wg.Wait()
			if _, err := srv.stop(t, ctx); err != server.ErrServerClosed {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
			if n := srv.rec.count(kind(server.EventClosed)); n != 3 {
				t.Errorf("%d closed events, want 3: %v", n, srv.rec.all())
			}
		})
	}
}
