package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"time"
)

//go:embed assets
var assets embed.FS

// Handler serves the dashboard of sources: the page at /, its script and
// styles, and the figures it polls at /api/state (JSON).
func Handler(sources ...Source) http.Handler {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(snapshot(sources))
	})
	return mux
}

// Serve serves the dashboard of sources on addr until ctx ends, then shuts
// the server down (giving requests in flight a second). It returns the
// listener's error, or nil after ctx ended.
func Serve(ctx context.Context, addr string, sources ...Source) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, sources...)
}

// ServeListener is Serve on a listener of the caller's.
func ServeListener(ctx context.Context, ln net.Listener, sources ...Source) error {
	srv := &http.Server{Handler: Handler(sources...), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the goroutine below when Serve fails
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}
