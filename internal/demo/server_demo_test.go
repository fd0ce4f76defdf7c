package demo

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestTCPServerDemo(t *testing.T) {
	out := run(t, "tcp-server")
	me := strconv.Itoa(os.Getpid())
	// Each section: its model, three echoed clients and who served them.
	sections := strings.Split(out, "\n\n")
	served := regexp.MustCompile(`client (\d): "hello from client (\d)" → "HELLO FROM CLIENT (\d)"  \(served by pid (\d+), (this process|a child process)\)`)
	models := map[string][]string{}
	for _, sec := range sections {
		m := regexp.MustCompile(`server\.Serve\(ctx, ln, server\.Echo, (server\.\w+\(\d*\))\)`).FindStringSubmatch(sec)
		if m == nil {
			continue
		}
		for _, s := range served.FindAllStringSubmatch(sec, -1) {
			if s[1] != s[2] || s[2] != s[3] {
				t.Errorf("%s: mixed-up line %q", m[1], s[0])
			}
			models[m[1]] = append(models[m[1]], s[4])
			if (s[4] == me) != (s[5] == "this process") {
				t.Errorf("%s: %q says %s", m[1], s[0], s[5])
			}
		}
	}
	for model, inProcess := range map[string]bool{
		"server.Goroutine()": true, "server.GoroutinePool(50)": true,
		"server.Process()": false, "server.ProcessPool(4)": false, "server.Prefork(2)": false,
	} {
		pids := models[model]
		if len(pids) < 3 {
			t.Errorf("%s: %d clients served, want 3 (or 6)", model, len(pids))
			continue
		}
		for _, p := range pids {
			if (p == me) != inProcess {
				t.Errorf("%s: served by pid %s (this process is %s)", model, p, me)
			}
		}
		if model == "server.Process()" && (pids[0] == pids[1] || pids[1] == pids[2] || pids[0] == pids[2]) {
			t.Errorf("a process per client, yet pids %v", pids)
		}
	}
	mustContain(t, out, "a goroutine is Go's coroutine")
	// The chat: clients 2 and 3 read client 1's line, with its address.
	addr := regexp.MustCompile(`client 1 reads: \* welcome (\S+) \(served by pid (\d+)\)`).FindStringSubmatch(out)
	if addr == nil {
		t.Fatal("no welcome for chat client 1")
	}
	mustContain(t, out, "client 2 reads: "+addr[1]+": hi all", "client 3 reads: "+addr[1]+": hi all")
}

func TestPoolServerDemo(t *testing.T) {
	out := run(t, "pool-server")
	pids := map[string]string{}
	for _, m := range regexp.MustCompile(`client (\d): "HI FROM \d"  \(进程pid: (\d+)\)`).FindAllStringSubmatch(out, -1) {
		pids[m[1]] = m[2]
	}
	distinct := map[string]bool{}
	for i := 1; i <= 4; i++ {
		distinct[pids[strconv.Itoa(i)]] = true
	}
	if len(distinct) != 4 {
		t.Errorf("the first four clients were served by %d pids: %v", len(distinct), pids)
	}
	if pids["5"] != pids["1"] {
		t.Errorf("client 5 served by pid %s, not client 1's %s", pids["5"], pids["1"])
	}
	// The order the events gave: 5 waits, 1 leaves, then 5 is served.
	wait := lineIndex(t, out, "client 5: no answer within")
	leave := lineIndex(t, out, "client 1: leaves")
	served := lineIndex(t, out, "server: client 5 served by pid "+pids["1"])
	answer := lineIndex(t, out, `client 5: "HI FROM 5"`)
	if !(wait < leave && leave < served && served < answer) {
		t.Errorf("lines out of order: wait %d, leave %d, served %d, answer %d", wait, leave, served, answer)
	}
}
