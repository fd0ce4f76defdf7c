package demo

import (
	"fmt"
	"regexp"
	"testing"
	"time"
)

func TestSyncAsync(t *testing.T) {
	out := run(t, "sync-async")
	// Synchronous: each Apply's result comes before the next customer.
	for i := 1; i <= syncAsyncCustomers; i++ {
		call := lineIndex(t, out, fmt.Sprintf("main: customer %d steps into the line", i))
		res := lineIndex(t, out, fmt.Sprintf("Apply returned \"customer %d served", i))
		if res != call+1 {
			t.Errorf("customer %d: Apply at line %d, its result at %d", i, call, res)
		}
	}
	m := regexp.MustCompile(`main: 3 customers one after another: (\S+),`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no time for the synchronous customers")
	}
	if d, err := time.ParseDuration(m[1]); err != nil || d < syncAsyncCustomers*syncAsyncMs*time.Millisecond {
		t.Errorf("three synchronous customers took %s, less than the sum of their business", m[1])
	}
	// Asynchronous: every Submit returned without a result, before the
	// counter opened; every callback came after it, and before the end.
	if n := len(regexp.MustCompile(`Submit returned after \S+; the result is there: false`).FindAllString(out, -1)); n != syncAsyncCustomers {
		t.Errorf("%d Submits returned before their result, want %d", n, syncAsyncCustomers)
	}
	opens := lineIndex(t, out, "main: the counter opens")
	if phone := lineIndex(t, out, "phone call"); phone > opens || lineIndex(t, out, "takes slip 3") > phone {
		t.Errorf("the main program's other business did not come between the slips and the opening")
	}
	end := lineIndex(t, out, "main: all 3 served")
	for i := 1; i <= syncAsyncCustomers; i++ {
		cb := lineIndex(t, out, fmt.Sprintf("callback: number %d is called! \"customer %d served", i, i))
		if cb < opens || cb > end {
			t.Errorf("callback %d at line %d, want between %d and %d", i, cb, opens, end)
		}
	}
}
