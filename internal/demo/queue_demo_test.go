package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tests of the queue and pipe demos: each runs into a buffer (see run) and
// its key facts are checked in the output.

func TestQueueTourOrder(t *testing.T) {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	want := []string{"lock-survives", "queue-basics", "queue-child", "queue-talk", "producer-consumer", "joinable", "pipe"}
	if !strings.Contains(strings.Join(names, " "), strings.Join(want, " ")) {
		t.Errorf("tour order %v, want %v in a row", names, want)
	}
}

func TestQueueBasics(t *testing.T) {
	out := run(t, "queue-basics")
	mustContain(t, out,
		"q.Len() = 0 (qsize), q.Empty() = true, q.Full() = false",
		`q.put("hb")  添加1个 (added one)  qsize=3`,
		"q.Full() = true",
		"errors.Is(err, mproc.ErrFull) = true  →  队列已经满了",
		"FIFO: jason, hcy, hb out, in the order jason, hcy, hb went in",
		"errors.Is(err, mproc.ErrEmpty) = true  →  队列已经空了",
		"q.Empty() = true, q.Full() = false, q.Len() = 0",
		"(ErrEmpty: true, DeadlineExceeded: true)",
		`q.Put("sean") → "mproc: closed" (ErrClosed: true)`,
		`q.Get() here → "mproc: closed" at once (ErrClosed: true)`,
	)
	if lineIndex(t, out, `q.get() → "jason"`) > lineIndex(t, out, `q.get() → "hcy"`) ||
		lineIndex(t, out, `q.get() → "hcy"`) > lineIndex(t, out, `q.get() → "hb"`) {
		t.Errorf("the gets are not in FIFO order")
	}
	// The timed Get waited about its deadline.
	m := regexp.MustCompile(`waited (\S+), then: "mproc: empty`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no timed Get line")
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if d < queueBasicsWait || d > queueBasicsWait+500*time.Millisecond {
		t.Errorf("the timed Get waited %v, want about %v", d, queueBasicsWait)
	}
	if !regexp.MustCompile(`gave up after \S+: "mproc: full \(context deadline exceeded\)" \(ErrFull: true, DeadlineExceeded: true\); still 3 items`).MatchString(out) {
		t.Errorf("no timed Put on the full queue")
	}
	// Ten foods made, each eaten at most once, the rest left; both
	// customers stopped at an Empty.
	if n := strings.Count(out, "tank1 生产了 Pig饲料"); n != 10 {
		t.Errorf("%d foods made, want 10", n)
	}
	ate := regexp.MustCompile(`(?m)^  (jason|sean) 吃了 (Pig饲料\d) 食物!`).FindAllStringSubmatch(out, -1)
	seen := map[string]bool{}
	for _, m := range ate {
		if seen[m[2]] {
			t.Errorf("%s eaten twice", m[2])
		}
		seen[m[2]] = true
	}
	mustContain(t, out, fmt.Sprintf("main: %d foods eaten, %d left in the queue", len(ate), 10-len(ate)),
		"jason: get_nowait → Empty, so it stops", "sean: get_nowait → Empty, so it stops",
		"put_nowait('sean') → select with a default: full, not sent",
		"five receives → [jason hcy hb zsb lh], first in, first out")
}

func TestQueueChild(t *testing.T) {
	out := run(t, "queue-child")
	if !regexp.MustCompile(`main: print\(q.get\(\)\) → \["[^"]+" "from Eva" "hello"\]`).MatchString(out) {
		t.Errorf("the parent did not print the child's item")
	}
	mustContain(t, out,
		"with its item still in the queue (q.Len() = 1)",
		"q.get() → 1048576 bytes, intact",
		"3 have put: q.Len() = 3, q.Full() = true.",
		"joined all 20 processes. Put 10 distinct lines, got 10: the same lines, each exactly once; q.Empty() = true",
	)
	// Every putter's line was got by a getter, once.
	puts := regexp.MustCompile(`(?m)^  (\d+)\(put\) done$`).FindAllStringSubmatch(out, -1)
	gets := regexp.MustCompile(`(?m)^  (\d+)\(get\):(\d+)\(put\):`).FindAllStringSubmatch(out, -1)
	if len(puts) != queueChildPutters || len(gets) != queueChildGetters {
		t.Fatalf("%d put lines and %d get lines, want %d and %d", len(puts), len(gets), queueChildPutters, queueChildGetters)
	}
	seen := map[string]int{}
	for _, g := range gets {
		seen[g[2]]++
	}
	for _, p := range puts {
		if seen[p[1]] != 1 {
			t.Errorf("putter %s's line was got %d times", p[1], seen[p[1]])
		}
	}
	// Before any getter started, exactly three putters got through.
	if i := lineIndex(t, out, "3 have put:"); i != 4+lineIndex(t, out, "10 putters (inputQ)") {
		t.Errorf("want exactly three put lines before the queue was reported full")
	}
}

func TestQueueTalk(t *testing.T) {
	out := run(t, "queue-talk")
	said := []string{"你好 (hello)", "x = 100", "进程之间数据是相互隔离的 (our memory is separate)", "再见 (bye)"}
	last := -1
	for _, s := range said {
		i := lineIndex(t, out, "p2获取的数据是 "+strconv.Quote(s)+" (from p1)")
		if i <= last {
			t.Errorf("p2 printed %q out of order", s)
		}
		last = i
	}
	mustContain(t, out, "p2 heard all 4 messages, in the order p1 put them",
		"p2: p2获取的数据是100 (from p1); q.put(9527)", "p1: p1获取数据: 9527 (from p2)")
	mustContain(t, out, "q.put(x); print('添加数据'); time.sleep(300ms)")
	// On a very busy machine the sleep may be too short: the demo says so.
	if !strings.Contains(out, "task1's sleep gave task2 the time") && !strings.Contains(out, "time(s) too short") {
		t.Errorf("no word on what task1's sleep did")
	}
	if lineIndex(t, out, "p2获取的数据是100") > lineIndex(t, out, "p1获取数据: 9527") {
		t.Errorf("task1 got 9527 before task2 got 100")
	}
}

func TestProducerConsumer(t *testing.T) {
	out := run(t, "producer-consumer")
	mustContain(t, out,
		"c.is_alive() = true: it waits in q.get()",
		"stopped exitcode=-15)>",
		"q.Put(ctx, nil), Python's q.put(None)",
		"the consumer stopped at the None after eating 4 of 4, in order: 包子0 包子1 包子2 包子3",
		"put 3 Nones, one per consumer",
		"every item eaten exactly once, and every consumer stopped at its None",
	)
	// Each consumer's count, and the total against what was made.
	counts := submatches(t, out, `main: consumer \S+ \(pid \d+\) ate (\d+):`)
	if len(counts) != prodconsEaters {
		t.Fatalf("%d consumer counts, want %d", len(counts), prodconsEaters)
	}
	sum := 0
	for _, c := range counts {
		sum += c
	}
	made := len(prodconsCooks) * prodconsEach
	if sum != made {
		t.Errorf("consumers ate %v = %d, made %d", counts, sum, made)
	}
	if got := submatches(t, out, `joined the 3 producers \((\d+) made in all\)`); len(got) != 1 || got[0] != made {
		t.Errorf("made: %v, want %d", got, made)
	}
	if n := strings.Count(out, "got None: 收到结束信号"); n != 1+prodconsEaters {
		t.Errorf("%d consumers saw None, want %d", n, 1+prodconsEaters)
	}
	// Every item made was eaten once.
	for _, cook := range prodconsCooks {
		for i := range prodconsEach {
			re := regexp.MustCompile(`(?m)^  \d+ 吃 ` + cook + strconv.Itoa(i) + ` \(made by`)
			if n := len(re.FindAllString(out, -1)); n != 1+boolInt(cook == prodconsCooks[0] && i < prodconsOne)*2 {
				t.Errorf("%s%d eaten %d times", cook, i, n)
			}
		}
	}
	// Main's None comes only after every producer has finished.
	for _, cook := range prodconsCooks {
		if lineIndex(t, out, "生产了 "+cook+strconv.Itoa(prodconsEach-1)) > lineIndex(t, out, "put 3 Nones") {
			t.Errorf("the Nones were put before %s finished", cook)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestJoinable(t *testing.T) {
	out := run(t, "joinable")
	m := regexp.MustCompile(`main ended \(<Process\(main, stopped exitcode=0\)>\); (\d+) made; c1 ate (\d+), c2 ate (\d+): (\d+) eaten`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line")
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	want := len(joinableCooks) * joinableEach
	if n[0] != want || n[1]+n[2] != want || n[3] != want {
		t.Errorf("made %d, c1 ate %d, c2 ate %d, total %d; want %d made and eaten", n[0], n[1], n[2], n[3], want)
	}
	if c := strings.Count(out, " 吃 "); c != want {
		t.Errorf("%d eat lines, want %d", c, want)
	}
	if c := strings.Count(out, "q.join() returned: everything put so far has been eaten"); c != len(joinableCooks) {
		t.Errorf("%d producers' q.join() returned, want %d", c, len(joinableCooks))
	}
	mustContain(t, out, "q.Join(ctx) returned: every item put is marked done; c1.is_alive()=true, c2.is_alive()=true")
	if c := strings.Count(out, "alive just before main ended, no longer runs"); c != len(joinableEaters) {
		t.Errorf("%d daemon consumers shown gone, want %d", c, len(joinableEaters))
	}
	// Every item was eaten before main's q.Join returned. (A producer's
	// q.join() may return earlier, when the queue is drained for a moment
	// before another producer has put all of its items.)
	if lastEat, joined := strings.LastIndex(out, " 吃 "), strings.Index(out, "q.Join(ctx) returned"); joined < lastEat {
		t.Errorf("main's q.Join returned before every item was eaten")
	}
}

func TestPipe(t *testing.T) {
	out := run(t, "pipe")
	mustContain(t, out,
		`child (pid `, `来自父亲的问候 (the parent's greeting): "你好啊 (hello)"`,
		`main: 来自儿子的问候 (the child's greeting): "吃了吗 (have you eaten?)"`,
		"one more parent_conn.Recv → io.EOF",
		`r.Readable()=true r.Writable()=false; r.Send(ctx, "x") → "mproc: wrong end of a one-way pipe: this end only receives"`,
		"readable=false writable=true",
		"r.Recv ×5 → [1 4 9 16 25]",
		"with the parent's own copy of w still open, r.Recv waits",
		"r.Recv → io.EOF at once",
		"Recv → io.EOF after 5 messages",
		"the child read 5 messages, then saw io.EOF",
	)
	// The seed's order: the child speaks first, the parent answers.
	order := []string{`Subconn.send("吃了吗")`, "main: 来自儿子的问候", "main: parent_conn.send", "来自父亲的问候"}
	for i := 1; i < len(order); i++ {
		if lineIndex(t, out, order[i-1]) > lineIndex(t, out, order[i]) {
			t.Errorf("%q came after %q", order[i-1], order[i])
		}
	}
	for i := 1; i <= pipeEOFMessages; i++ {
		if lineIndex(t, out, `got "message `+strconv.Itoa(i)+`"`) > lineIndex(t, out, "Recv → io.EOF after") {
			t.Errorf("message %d came after EOF", i)
		}
	}
}
