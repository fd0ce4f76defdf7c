package demo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"mproc"
)

// The seeds' IPC机制 (inter-process communication): process data is
// isolated, so two children talk through a queue both were given. task1
// puts x = 100; task2, in another process, gets it and prints it, then puts
// 9527 back on the same queue for task1.

// talkMsg is one message between the two children. From says who put it,
// which matters when both put on one queue.
type talkMsg struct {
	From string
	Text string
	Last bool // the talker's last message: the listener stops after it
}

type talkArg struct {
	Console string
	Q       *mproc.Queue[talkMsg]
	Lines   []string
}

// talkTalker puts its lines, the last one marked.
var talkTalker = mproc.Register[talkArg, mproc.None]("demo.queuetalk.talker", func(ctx context.Context, a talkArg) error {
	me := mproc.Current().Name()
	for i, l := range a.Lines {
		say(a.Console, "  %s (pid %d): q.put(%q)  添加数据", me, os.Getpid(), l)
		if err := a.Q.Put(ctx, talkMsg{From: me, Text: l, Last: i == len(a.Lines)-1}); err != nil {
			return err
		}
	}
	return nil
})

// talkListener gets and prints until the talker's last message, and
// returns what it heard.
var talkListener = mproc.Register[talkArg, []string]("demo.queuetalk.listener", func(ctx context.Context, a talkArg) ([]string, error) {
	me := mproc.Current().Name()
	var heard []string
	for {
		m, err := a.Q.Get(ctx)
		if err != nil {
			return heard, err
		}
		heard = append(heard, m.Text)
		say(a.Console, "  %s (pid %d): %s获取的数据是 %q (from %s)", me, os.Getpid(), me, m.Text, m.From)
		if m.Last {
			return heard, nil
		}
	}
})

type talkReply struct {
	Early int    // how often task1's sleep was too short and it got its own 100 back
	Got   string // what task1 finally got
}

// talkSleep is task1's time.sleep(3), scaled down: long enough for task2,
// started right after task1, to take the 100 first.
const talkSleep = 300 * time.Millisecond

// talkTask1 is the seed's task1: q.put(100), time.sleep(3), then q.get()
// for the answer. The sleep is what lets task2 take the 100 first: on one
// queue a process may get its own message back. If the sleep was too short
// (a very loaded machine), task1 puts the 100 back and sleeps again.
var talkTask1 = mproc.Register[talkArg, talkReply]("demo.queuetalk.task1", func(ctx context.Context, a talkArg) (talkReply, error) {
	me := mproc.Current().Name()
	var r talkReply
	if err := a.Q.Put(ctx, talkMsg{From: me, Text: "100"}); err != nil {
		return r, err
	}
	say(a.Console, "  %s: x = 100; q.put(x); print('添加数据'); time.sleep(%v)  (the seed's 3 s)", me, talkSleep)
	for {
		time.Sleep(talkSleep)
		m, err := a.Q.Get(ctx)
		if err != nil {
			return r, err
		}
		if m.From != me {
			r.Got = m.Text
			say(a.Console, "  %s: p1获取数据: %s (from %s)", me, m.Text, m.From)
			return r, nil
		}
		r.Early++
		say(a.Console, "  %s: got my own 100 back: task2 had not taken it yet; putting it back and sleeping again", me)
		if err := a.Q.Put(ctx, m); err != nil {
			return r, err
		}
	}
})

// talkTask2 is the seed's task2: res = q.get(); print it; q.put(9527).
var talkTask2 = mproc.Register[talkArg, string]("demo.queuetalk.task2", func(ctx context.Context, a talkArg) (string, error) {
	me := mproc.Current().Name()
	m, err := a.Q.Get(ctx)
	if err != nil {
		return "", err
	}
	say(a.Console, "  %s: p2获取的数据是%s (from %s); q.put(9527)", me, m.Text, m.From)
	return m.Text, a.Q.Put(ctx, talkMsg{From: me, Text: "9527"})
})

func init() {
	add(Demo{
		Name:  "queue-talk",
		Title: "Two children talk through one Queue: one puts, the other gets and prints; then a reply on the same queue",
		Intro: "The seeds' IPC机制: processes do not share memory, so two children talk through a queue both were " +
			"given as an argument. First one child puts a few messages and the other gets and prints each, in " +
			"the order they were put, until the last. Then the seed's exchange: task1 puts x = 100, task2 gets it, " +
			"prints p2获取的数据是100 and puts 9527, and task1 gets 9527. task1 sleeps between its put and its get " +
			"(the seed's 3 s, here 300 ms): without the sleep it could get its own 100 back, since both read one " +
			"queue. The sleep is a guess at how long task2 needs; for a conversation, give each direction its own " +
			"queue, or use a Pipe (demo pipe).",
		Run: stage(runQueueTalk),
	})
}

func runQueueTalk(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. p1 puts, p2 gets and prints, through one Queue")
	q, err := mproc.NewQueue[talkMsg](0)
	if err != nil {
		return err
	}
	lines := []string{"你好 (hello)", "x = 100", "进程之间数据是相互隔离的 (our memory is separate)", "再见 (bye)"}
	l, err := talkListener.Start(ctx, talkArg{Console: con.path, Q: q}, mproc.WithName("p2"))
	if err != nil {
		return err
	}
	*started = append(*started, l.Process)
	t, err := talkTalker.Start(ctx, talkArg{Console: con.path, Q: q, Lines: lines}, mproc.WithName("p1"))
	if err != nil {
		return err
	}
	*started = append(*started, t.Process)
	if _, err := t.Wait(ctx); err != nil {
		return err
	}
	heard, err := l.Wait(ctx)
	if err != nil {
		return err
	}
	if strings.Join(heard, "|") != strings.Join(lines, "|") {
		return fmt.Errorf("queue-talk: p2 heard %q, p1 said %q", heard, lines)
	}
	con.Printf("main: p2 heard all %d messages, in the order p1 put them; joined %v and %v", len(heard), t, l)

	con.Printf("\n2. The seed's exchange on one queue: task1 puts 100, task2 gets it and puts 9527, task1 gets 9527")
	q2, err := mproc.NewQueue[talkMsg](10) // the seed's JoinableQueue(10)
	if err != nil {
		return err
	}
	a := talkArg{Console: con.path, Q: q2}
	p1, err := talkTask1.Start(ctx, a, mproc.WithName("p1"))
	if err != nil {
		return err
	}
	*started = append(*started, p1.Process)
	p2, err := talkTask2.Start(ctx, a, mproc.WithName("p2"))
	if err != nil {
		return err
	}
	*started = append(*started, p2.Process)
	got2, err := p2.Wait(ctx)
	if err != nil {
		return err
	}
	r, err := p1.Wait(ctx)
	if err != nil {
		return err
	}
	if got2 != "100" || r.Got != "9527" {
		return fmt.Errorf("queue-talk: task2 got %q and task1 got %q; want 100 and 9527", got2, r.Got)
	}
	if r.Early == 0 {
		con.Printf("main: task2 got 100 and task1 got 9527: task1's sleep gave task2 the time to take the 100 first.\n" +
			"      Without it, task1 could get its own 100 back. Two queues, or a Pipe, need no such guess.")
	} else {
		con.Printf("main: task2 got 100 and task1 got 9527, but task1's sleep was %d time(s) too short on this busy\n"+
			"      machine and it got its own 100 back: the sleep is a guess. Two queues, or a Pipe, need none.", r.Early)
	}
	return nil
}
