// Command crawler is the seeds' crawler: Pool(3), and for each url
// p.apply_async(get_page, args=(url,), callback=parse_page). get_page runs
// in a worker process and downloads the page; parse_page, the callback, runs
// in the main process and prints the url and the page's size. The seed
// fetched real sites; here the program serves pages under their names from
// a local HTTP server on 127.0.0.1, each answer taking 80 ms, as a network
// does.
//
// Run it with: go run ./examples/crawler
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"mproc"
)

var sites = []string{"www.baidu.com", "www.python.org", "www.openstack.org", "help.github.com", "www.sina.com.cn"}

// page is get_page's result: the seed's {'url': url, 'text': text}.
type page struct {
	URL  string
	Text string
	Pid  int
}

// getPage is the seed's get_page: requests.get(url) in a worker process.
var getPage = mproc.Register[string, page]("crawler.get_page", func(ctx context.Context, url string) (page, error) {
	fmt.Printf("  <进程%d> get %s\n", os.Getpid(), url)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return page{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("%s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	return page{URL: url, Text: string(body), Pid: os.Getpid()}, err
})

// serve answers every path with a page of its own size, after 80 ms.
func serve(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(80 * time.Millisecond): // the network
	case <-r.Context().Done():
		return
	}
	site := strings.TrimPrefix(r.URL.Path, "/")
	fmt.Fprintf(w, "<html><title>%s</title><body>%s</body></html>", site, strings.Repeat("content ", len(site)*10))
}

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "crawler:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // loopback only
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(3))
	if err != nil {
		return err
	}
	defer p.Terminate()

	var wg sync.WaitGroup
	var mu sync.Mutex
	parsed := 0
	// parsePage is the callback: it runs in this process once a page is back.
	parsePage := func(f *mproc.Future[page]) {
		defer wg.Done()
		res, err, _ := f.Result()
		if err != nil {
			fmt.Printf("  <进程%d> get_page failed: %v\n", os.Getpid(), err)
			return
		}
		fmt.Printf("  <进程%d> parse %s size:[%d] (fetched by %d)\n", os.Getpid(), res.URL, len(res.Text), res.Pid)
		mu.Lock()
		parsed++
		mu.Unlock()
	}
	t0 := time.Now()
	for _, site := range sites {
		f := getPage.Submit(ctx, p, url+"/"+site)
		wg.Add(1)
		f.OnDone(parsePage)
	}
	if err := p.Close(); err != nil { // p.close(); p.join()
		return err
	}
	if err := p.Join(ctx); err != nil {
		return err
	}
	wg.Wait()
	if parsed != len(sites) {
		return fmt.Errorf("parsed %d pages, want %d", parsed, len(sites))
	}
	fmt.Printf("main: fetched and parsed %d pages in %v, three at a time\n", parsed, time.Since(t0).Round(10*time.Millisecond))
	return mproc.Shutdown(ctx)
}
