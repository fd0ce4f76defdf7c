package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"mproc/dashboard"
)

type stateJSON struct {
	At    int64 `json:"at"`
	Pools []struct {
		Name     string         `json:"name"`
		Size     int            `json:"size"`
		Tasks    int            `json:"tasks"`
		Restarts map[string]int `json:"restarts"`
		TaskTime struct {
			Count int     `json:"count"`
			SumMs float64 `json:"sumMs"`
		} `json:"taskTime"`
		Workers []struct {
			Name   string `json:"name"`
			Pid    int    `json:"pid"`
			State  string `json:"state"`
			RSS    int64  `json:"rss"`
			Reason string `json:"reason"`
		} `json:"workers"`
	} `json:"pools"`
	Queues []struct {
		Name string `json:"name"`
		Len  int    `json:"len"`
	} `json:"queues"`
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, b
}

func TestStateAndAssets(t *testing.T) {
	p, q := busyPool(t, 2)
	srv := httptest.NewServer(dashboard.Handler(dashboard.Pool("demo", p), dashboard.Queue("results", q)))
	defer srv.Close()

	deadline := time.Now().Add(20 * time.Second)
	var st stateJSON
	for {
		r, b := get(t, srv.URL+"/api/state")
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("state's content type %q", ct)
		}
		st = stateJSON{}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("state %s: %v", b, err)
		}
		if len(st.Pools) == 1 && st.Pools[0].Restarts["crash"] == 1 && st.Pools[0].Tasks > 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no crash restart and 40 tasks within 20 s: %s", b)
		}
		time.Sleep(50 * time.Millisecond) // a poll's pace, as the page's
	}
	pool := st.Pools[0]
	if pool.Name != "demo" || pool.Size != 2 || pool.TaskTime.Count != pool.Tasks || pool.TaskTime.SumMs <= 0 {
		t.Errorf("pool %+v", pool)
	}
	live, ended := 0, 0
	for _, w := range pool.Workers {
		switch w.State {
		case "ended":
			ended++
			if w.Reason != "crash" {
				t.Errorf("ended worker %+v, want the crash", w)
			}
		case "busy", "idle":
			live++
			if w.Pid <= 0 || w.RSS <= 0 {
				t.Errorf("live worker %+v: want a pid and its RSS", w)
			}
		}
	}
	if live < 1 || ended != 1 {
		t.Errorf("%d live and %d ended workers: %+v", live, ended, pool.Workers)
	}
	if len(st.Queues) != 1 || st.Queues[0].Name != "results" {
		t.Errorf("queues %+v", st.Queues)
	}

	// The page and its assets, with nothing fetched from elsewhere.
	for path, ct := range map[string]string{"/": "text/html", "/app.js": "javascript", "/style.css": "text/css"} {
		r, b := get(t, srv.URL+path)
		if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), ct) {
			t.Errorf("%s: %s, %q", path, r.Status, r.Header.Get("Content-Type"))
		}
		for _, u := range regexp.MustCompile(`(https?:)?//[a-zA-Z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`).FindAllString(string(b), -1) {
			if u != "http://www.w3.org/2000/svg" {
				t.Errorf("%s refers to %s: the page must not fetch from elsewhere", path, u)
			}
		}
	}
	if r, _ := get(t, srv.URL+"/nope.js"); r.StatusCode != 404 {
		t.Errorf("a missing asset: %s", r.Status)
	}
}

func TestServeEndsWithCtx(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- dashboard.ServeListener(ctx, ln) }()
	r, b := get(t, "http://"+ln.Addr().String()+"/api/state")
	if r.StatusCode != 200 || !strings.Contains(string(b), `"pools":[]`) {
		t.Errorf("state with no sources: %s %s", r.Status, b)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeListener after ctx ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeListener did not return after ctx ended")
	}
	if err := dashboard.Serve(context.Background(), "256.0.0.1:1"); err == nil {
		t.Error("Serve on a bad address: no error")
	}
}
