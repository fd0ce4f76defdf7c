// Package dashboard serves a live page of mproc pools and queues over
// net/http: each pool's workers with their state, pid, tasks and memory,
// throughput and task latency over time as charts, queue depths, and the
// workers restarted and why. The page polls a JSON endpoint and redraws
// without reloading; its script and styles are embedded in the binary, and
// nothing is fetched from the internet.
//
//	http.Handle("/dash/", http.StripPrefix("/dash", dashboard.Handler(dashboard.Pool("resize", pool))))
//
// or, for a program that has nothing else to serve,
//
//	go dashboard.Serve(ctx, "127.0.0.1:8080", dashboard.Pool("resize", pool))
//
// `mproc top` runs a demo pool and serves its dashboard.
package dashboard
