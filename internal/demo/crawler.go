package demo

import (
	"context"
	"fmt"
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
// baidu.com and python.org; here a small HTTP server in the demo process
// serves pages under those names, each answer taking a little while, as a
// network does.

const (
	crawlerWorkers = 3
	crawlerLatency = 80 * time.Millisecond // each answer's delay
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

// crawlerPage is get_page's result: the seed's {'url': url, 'text': text}.
type crawlerPage struct {
	URL    string
	Status int
	Text   string
	Pid    int // who fetched it
}

// crawlerGetPage is the seed's get_page.
var crawlerGetPage = mproc.Register[crawlerArg, crawlerPage]("demo.crawler.get_page", func(a crawlerArg) (crawlerPage, error) {
	say(a.Console, "  <进程%d> get %s   (%s)", os.Getpid(), a.URL, mproc.Current().Name())
	status, body, err := getPage(a.URL) // requests.get(url)
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
			"real sites; here a small HTTP server in the demo process serves pages under their names, each answer " +
			"taking 80ms, so the three workers download three pages at a time. Watch the pids: get lines come from " +
			"the three workers, parse lines all from the main process.",
		Run: stage(runCrawler),
	})
}

var crawlerTitle = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<title>(.*?)</title>`) })

func runCrawler(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	srv, err := startMiniServer(crawlerPages(), crawlerLatency)
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
