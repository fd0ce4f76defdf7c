package mproc

import (
	"testing"
	"time"
)

func TestDurHistBuckets(t *testing.T) {
	t.Parallel()
	prev := -1
	for d := time.Duration(0); d < 1<<40; d = d*9/8 + 1 {
		b := histBucket(d)
		if b < prev || b >= histBuckets {
			t.Fatalf("bucket of %v is %d, after %d (of %d)", d, b, prev, histBuckets)
		}
		prev = b
		if mid := histMid(b); absDur(mid-d) > d/8 {
			t.Fatalf("%v falls in bucket %d, whose middle %v is more than 12.5%% away", d, b, mid)
		}
	}
	if b := histBucket(1<<63 - 1); b != histBuckets-1 {
		t.Errorf("the longest duration's bucket is %d, want the last, %d", b, histBuckets-1)
	}
	if b := histBucket(-5); b != 0 {
		t.Errorf("a negative duration's bucket is %d, want 0", b)
	}
}

func TestDurHistSummary(t *testing.T) {
	t.Parallel()
	var h durHist
	if s := h.summary(); s != (Percentiles{}) || s.text() != "none" {
		t.Errorf("empty: %+v %q", s, s.text())
	}
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	s := h.summary()
	if s.Count != 1000 || s.Max != time.Millisecond || s.Mean != 500500*time.Nanosecond {
		t.Errorf("count %d max %v mean %v, want 1000, 1ms, 500.5µs", s.Count, s.Max, s.Mean)
	}
	for _, c := range []struct {
		got, want time.Duration
	}{{s.P50, 500 * time.Microsecond}, {s.P90, 900 * time.Microsecond}, {s.P99, 990 * time.Microsecond}} {
		if absDur(c.got-c.want) > c.want/8 {
			t.Errorf("percentile %v, want %v within 12.5%%", c.got, c.want)
		}
	}
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }

func TestRoundDur(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want time.Duration }{
		{0, 0}, {7, 7}, {999, 999}, {1234, 1230}, {6001234567, 6 * time.Second}, {2366280000, 2370 * time.Millisecond},
		{7866320, 7870 * time.Microsecond}, {59256000, 59300 * time.Microsecond},
	} {
		if got := roundDur(c.in); got != c.want {
			t.Errorf("roundDur(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
