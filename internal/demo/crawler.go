package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"mproc"
)

// The seeds' crawler: get_page(url) runs in a pool's worker processes and
// downloads a page; parse_page, the callback of apply_async, runs in the
// main process and writes the url and the page's size. The seed fetched
// baidu.com and python.org; here an http.Server in the demo process, on a
// loopback port, serves pages under those names, each answer taking a
// little while, as a network does, and the workers fetch them with an
// http.Client (requests.get, in the seed).

const (
	crawlerWorkers = 3
	crawlerLatency = 80 * time.Millisecond // each answer's delay
	// httpTimeout bounds each fetch and each request the server reads.
	httpTimeout = 2 * time.Second
	// maxPage bounds what a worker reads of a page.
	maxPage = 1 << 20
)

// crawlerSites are the seed's urls, served as paths of the local server.
var crawlerSites = []string{"www.baidu.com", "www.python.org", "www.openstack.org", "help.github.com", "www.sina.com.cn"}

// crawlerPages are the fake pages: a title and some links, of different
// sizes. They are made when first needed, not at init, which every child
// of the program runs.
var crawlerPages = sync.OnceValue(func() map[string]string {
	titles := map[string]string{
		"www.baidu.com":     "百度一下，你就知道",
		"www.python.org":    "Welcome to Python.org",
		"www.openstack.org": "Open Source Cloud Computing Infrastructure - OpenStack",
		"help.github.com":   "GitHub Docs",
		"www.sina.com.cn":   "新浪首页",
	}
	pages := map[string]string{}
	for i, site := range crawlerSites {
		body := fmt.Sprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body><h1>%s</h1>\n", titles[site], titles[site])
		for j := range 3 + 4*i {
			next := crawlerSites[(i+j+1)%len(crawlerSites)]
			body += fmt.Sprintf("<p><a href=\"/%s\">link %d to %s</a></p>\n", next, j+1, next)
		}
		pages["/"+site] = body + "</body></html>\n"
	}
	return pages
})

type crawlerArg struct {
	Console string
	URL     string
}

// crawlerServer serves a fixed set of pages on 127.0.0.1 with net/http.
type crawlerServer struct {
	srv  *http.Server
	addr string
	done chan error // Serve's return
}

// startCrawlerServer listens on a free loopback port and serves pages,
// each after delay (the network's latency), until Close. Unknown paths
// get a 404.
func startCrawlerServer(pages map[string]string, delay time.Duration) (*crawlerServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &crawlerServer{addr: ln.Addr().String(), done: make(chan error, 1)}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { servePage(w, r, pages, delay) }),
		ReadHeaderTimeout: httpTimeout,
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

func servePage(w http.ResponseWriter, r *http.Request, pages map[string]string, delay time.Duration) {
	select {
	case <-time.After(delay): // the network's latency and the server's work
	case <-r.Context().Done(): // the client gave up or the server closed
		return
	}
	page, ok := pages[r.URL.Path]
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, page)
}

// URL returns the address of path on this server.
func (s *crawlerServer) URL(path string) string { return "http://" + s.addr + path }

// Close stops the server and its connections, and waits for Serve to
// return. Calling it again returns nil.
func (s *crawlerServer) Close() error {
	err := s.srv.Close()
	if serr, ok := <-s.done; ok {
		close(s.done)
		if !errors.Is(serr, http.ErrServerClosed) {
			return serr
		}
	}
	return err
}

// crawlerClient is each worker's http.Client; its connections stay open
// between the pages a worker fetches.
var crawlerClient = sync.OnceValue(func() *http.Client { return &http.Client{Timeout: httpTimeout} })

// getPage is requests.get(url): the status and the body of url.
func getPage(ctx context.Context, url string) (status int, body []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := crawlerClient().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err == nil && len(body) > maxPage {
		err = fmt.Errorf("%s: a page over %d bytes", url, maxPage)
	}
	return resp.StatusCode, body, err
}

// crawlerPage is get_page's result: the seed's {'url': url, 'text': text}.
type crawlerPage struct {
	URL    string
	Status int
	Text   string
	Pid    int // who fetched it
}

// crawlerGetPage is the seed's get_page.
var crawlerGetPage = mproc.Register[crawlerArg, crawlerPage]("demo.crawler.get_page", func(ctx context.Context, a crawlerArg) (crawlerPage, error) {
	say(a.Console, "  <进程%d> get %s   (%s)", os.Getpid(), a.URL, mproc.Current().Name())
	status, body, err := getPage(ctx, a.URL) // requests.get(url)
	if err != nil {
		return crawlerPage{}, err
	}
	// The seed returns the page only when respone.status_code == 200.
	if status != 200 {
		return crawlerPage{URL: a.URL, Status: status, Pid: os.Getpid()}, nil
	}
	return crawlerPage{URL: a.URL, Status: status, Text: string(body), Pid: os.Getpid()}, nil
})

func init() {
	add(Demo{
		Name:  "crawler",
		Title: "The crawler: apply_async(get_page, callback=parse_page); workers download, the main process parses",
		Intro: "The seeds' crawler: Pool(3), and for each url p.apply_async(get_page, args=(url,), callback=parse_page). " +
			"get_page runs in a worker process and downloads the page; parse_page, the callback, runs in the main " +
			"process with get_page's result, and prints the url, the page's title and its size. The seed fetched " +
			"real sites; here an http.Server in the demo process serves pages under their names on a loopback port, each answer " +
			"taking 80ms, so the three workers download three pages at a time. Watch the pids: get lines come from " +
			"the three workers, parse lines all from the main process.",
		Run: stage(runCrawler),
	})
}

var crawlerTitle = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<title>(.*?)</title>`) })

func runCrawler(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	srv, err := startCrawlerServer(crawlerPages(), crawlerLatency)
	if err != nil {
		return err
	}
	defer srv.Close()
	con.Printf("main: pid %d; a local HTTP server listens on %s, serving %d pages", os.Getpid(), srv.URL("/"), len(crawlerSites))

	p, err := mproc.NewPool(ctx, mproc.WithWorkers(crawlerWorkers))
	if err != nil {
		return err
	}
	defer func() { p.Terminate(); p.Join(context.Background()) }()

	var (
		mu      sync.Mutex
		parsed  = map[string]int{} // url → size
		parsers []int              // the pids parse_page ran in
		fetched = map[string]int{} // url → the worker's pid
		wg      sync.WaitGroup
	)
	// parse_page is the callback: it runs in this process once get_page's
	// result is back (the seed appends 'url:<%s> size:[%s]' to db.txt).
	parsePage := func(f *mproc.Future[crawlerPage]) {
		defer wg.Done()
		res, err, _ := f.Result()
		if err != nil {
			con.Printf("  <进程%d> get_page failed: %v", os.Getpid(), err)
			return
		}
		title := "(no title)"
		if m := crawlerTitle().FindStringSubmatch(res.Text); m != nil {
			title = m[1]
		}
		mu.Lock()
		parsers = append(parsers, os.Getpid())
		parsed[res.URL] = len(res.Text)
		fetched[res.URL] = res.Pid
		mu.Unlock()
		con.Printf("  <进程%d> parse %s   size:[%d] title:%q (status %d, fetched by pid %d)",
			os.Getpid(), res.URL, len(res.Text), title, res.Status, res.Pid)
	}

	con.Printf("\nmain: for url in urls: p.apply_async(get_page, args=(url,), callback=parse_page)")
	t0 := time.Now()
	var futs []*mproc.Future[crawlerPage]
	for _, site := range crawlerSites {
		fut := crawlerGetPage.Submit(ctx, p, crawlerArg{Console: con.path, URL: srv.URL("/" + site)})
		wg.Add(1)
		fut.OnDone(parsePage)
		futs = append(futs, fut)
	}
	con.Printf("main: p.close(); p.join()")
	p.Close()
	if err := p.Join(ctx); err != nil {
		return err
	}
	if err := waitGroup(ctx, &wg); err != nil {
		return fmt.Errorf("crawler: waiting for parse_page: %w", err)
	}
	took := time.Since(t0)
	var sizes []int
	for _, f := range futs { // print([res.get() for res in res_l])
		r, err := f.Get(ctx)
		if err != nil {
			return err
		}
		sizes = append(sizes, len(r.Text))
	}
	con.Printf("main: [len(res.get()['text']) for res in res_l] → %v", sizes)

	mu.Lock()
	defer mu.Unlock()
	var workers []int
	for _, pid := range fetched {
		workers = append(workers, pid)
	}
	con.Printf("\nmain: %d pages fetched by the worker pids %v and parsed in pid %v (the main process is %d), in %v",
		len(parsed), uniq(workers), uniq(parsers), os.Getpid(), took.Round(time.Millisecond))
	rounds := (len(crawlerSites) + crawlerWorkers - 1) / crawlerWorkers
	con.Printf("   %d pages of %v each, %d at a time: about %d × %v, not %d × %v. The workers did the waiting;\n"+
		"   the main process only ran the callbacks. In CPython a callback must not block, since it holds up\n"+
		"   the pool's result thread; mproc runs each callback on a goroutine of its own.",
		len(crawlerSites), crawlerLatency, crawlerWorkers, rounds, crawlerLatency, len(crawlerSites), crawlerLatency)
	if len(parsed) != len(crawlerSites) {
		return fmt.Errorf("crawler: %d pages parsed, want %d", len(parsed), len(crawlerSites))
	}
	for _, site := range crawlerSites {
		if parsed[srv.URL("/"+site)] != len(crawlerPages()["/"+site]) {
			return fmt.Errorf("crawler: %s parsed with %d bytes, want %d", site, parsed[srv.URL("/"+site)], len(crawlerPages()["/"+site]))
		}
	}
	if u := uniq(parsers); len(u) != 1 || u[0] != os.Getpid() {
		return fmt.Errorf("crawler: parse_page ran in %v, not in the main process %d", u, os.Getpid())
	}
	if slices.Contains(workers, os.Getpid()) {
		return fmt.Errorf("crawler: the main process fetched a page itself")
	}
	if err := srv.Close(); err != nil {
		return err
	}
	con.Printf("main: the server is stopped")
	return nil
}
