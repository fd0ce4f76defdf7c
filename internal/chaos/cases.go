package chaos

import (
	"fmt"
	"time"
)

// Cases lists every case, in the order Run runs them.
func Cases() []Case {
	return []Case{
		{Name: "map-worker-killed", Timeout: time.Minute, Trial: mapKillTrial(0),
			Doc: "a worker SIGKILLed in the middle of Map: Map fails with *WorkerLostError (pid, signal 9), no hang; the worker is replaced"},
		{Name: "map-worker-killed-retry", Timeout: time.Minute, Trial: mapKillTrial(1),
			Doc: "the same with WithRetries(1): Map returns every result right"},
		{Name: "lock-holder-killed", Timeout: 30 * time.Second, Trial: lockHolderTrial,
			Doc: "a Lock holder SIGKILLed: the next LockContext has the lock within 100 ms, with ErrOwnerDead"},
		{Name: "parent-killed", Timeout: time.Minute, Trial: parentKilledTrial,
			Doc: "a process running a pool, a daemon and a manager SIGKILLed: every descendant gone within 1 s"},
		{Name: "producer-killed-mid-put", Timeout: time.Minute, Trial: producerKilledTrial,
			Doc: "one of two producers SIGKILLed in Put: every item whole, every completed Put exactly once, in order"},
		{Name: "manager-killed", Timeout: time.Minute, Trial: managerKilledTrial,
			Doc: "a manager SIGKILLed under 6 waiting calls: each returns an error (ErrGone) within 5 s"},
		{Name: "worker-over-max-memory", Timeout: time.Minute, Trial: maxMemoryTrial,
			Doc: "a task takes its worker past WithMaxMemory: it succeeds or fails, the worker is retired within 5 s and replaced"},
		{Name: "start-join-cycles", Timeout: 3 * time.Minute, Trial: cyclesTrial,
			Doc: "start/join cycles, many at once: all succeed; no zombie; descriptors, goroutines, /dev/shm back to where they were"},
	}
}

// Select returns the cases named, in the order given; no names, all.
func Select(names []string) ([]Case, error) {
	all := Cases()
	if len(names) == 0 {
		return all, nil
	}
	byName := map[string]Case{}
	for _, c := range all {
		byName[c.Name] = c
	}
	var out []Case
	for _, n := range names {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no case %q (cases: %s)", n, Names())
		}
		out = append(out, c)
	}
	return out, nil
}

// Names lists the cases' names.
func Names() []string {
	var names []string
	for _, c := range Cases() {
		names = append(names, c.Name)
	}
	return names
}
