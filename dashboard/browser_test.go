package dashboard_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mproc/dashboard"
)

// chromium finds the headless browser the page is tested in: Debian's
// chromium package (.ci/run installs it). Without it the test skips, saying
// so, except in CI (CI=true), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "chromium is not installed (apt-get install -y chromium): the dashboard's browser test needs it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pageView is what the page shows, read from its DOM.
type pageView struct {
	Pids      []int  `json:"pids"`
	Tasks     string `json:"tasks"`
	States    []string
	Restarts  string `json:"restarts"`
	Points    int    `json:"points"`
	QueueRows int    `json:"queueRows"`
}

const readPage = `(() => {
  const pool = document.querySelector('.pool[data-name="demo"]');
  if (!pool) return null;
  const line = pool.querySelector('.chart polyline');
  return {
    pids: [...pool.querySelectorAll('table.workers td.pid')].map((td) => Number(td.textContent)).filter((n) => n > 0),
    tasks: pool.querySelector('.stat-tasks .v').textContent,
    states: [...pool.querySelectorAll('table.workers tr.worker')].map((tr) => tr.dataset.state),
    restarts: pool.querySelector('.stat-restarts .v').textContent,
    points: line ? line.getAttribute('points').split(' ').length : 0,
    queueRows: document.querySelectorAll('#queues tr.queue').length,
  };
})()`

// TestPageInChromium loads the page in a real headless Chromium while a
// pool runs, and checks that it shows the workers' pids, a task count, the
// crash restart and a throughput chart drawn from several polls. The
// screenshot goes to $MPROC_DASHBOARD_SCREENSHOT when set (the README's
// docs/dashboard.png), else to a temporary file.
func TestPageInChromium(t *testing.T) {
	exe := chromium(t)
	p, q := busyPool(t, 3)
	srv := httptest.NewServer(dashboard.Handler(dashboard.Pool("demo", p), dashboard.Queue("results", q)))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(1280, 1100),
		chromedp.Flag("disable-dev-shm-usage", true))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer func() {
		bcancel()
		// The browser's processes are ours: end them before the test's
		// check for children left behind.
		chromedp.Cancel(bctx)
	}()

	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	// Until the page shows pids, tasks, the crash, and a chart of 8 polls.
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`(() => { const v = `+readPage+`;
		return v && v.pids.length >= 2 && Number(v.tasks.replace(/k$/, '000')) > 0 && v.restarts.includes('crash') && v.points >= 8 && v.queueRows === 1; })()`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second))); err != nil {
		v, _ := chromedp.Run(bctx, chromedp.Evaluate[*pageView](readPage))
		t.Fatalf("the page did not show the pool at work: %v; it shows %+v", err, v)
	}
	v, err := chromedp.Run(bctx, chromedp.Evaluate[*pageView](readPage))
	if err != nil || v == nil {
		t.Fatalf("reading the page: %v", err)
	}
	in := p.Insights()
	var pids []int
	for _, w := range in.Workers {
		pids = append(pids, w.Pid)
	}
	for _, pid := range v.Pids {
		if !slices.Contains(pids, pid) {
			t.Errorf("the page shows pid %d, not one of the pool's workers %v", pid, pids)
		}
	}
	for _, s := range v.States {
		if s != "busy" && s != "idle" && s != "starting" {
			t.Errorf("a live worker in state %q", s)
		}
	}

	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
		t.Errorf("screenshot of %v", b)
	}
	out := os.Getenv("MPROC_DASHBOARD_SCREENSHOT")
	if out == "" {
		out = t.TempDir() + "/dashboard.png"
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("page shows %+v; screenshot in %s", v, out)
}
