package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestWriteChart(t *testing.T) {
	t.Parallel()
	rows := []Row{
		{Go: Result{Name: "queue_spsc_small_msgs"}, Ratio: 52.7, HasRatio: true},   // goal 30: met
		{Go: Result{Name: "process_start_join"}, Ratio: 1.32, HasRatio: true},      // goal 1.5: not
		{Go: Result{Name: "process_start_join_cold"}, Ratio: 25.3, HasRatio: true}, // no goal
		{Go: Result{Name: "pool_map_cpu_speedup"}},                                 // no ratio: left out
		{Go: Result{Name: "event_pingpong_roundtrip"}, Ratio: 0.5, HasRatio: true}, // worse than CPython
		{Go: Result{Name: "lock_uncontended_acquire_release"}, Ratio: 613, HasRatio: true},
	}
	var out bytes.Buffer
	if err := WriteChart(&out, rows); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML, with a bar per compared row and a goal mark per row
	// that has a goal.
	bars, goals := map[string]string{}, 0
	d := xml.NewDecoder(bytes.NewReader(out.Bytes()))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out.String())
		}
		if se, ok := tok.(xml.StartElement); ok {
			attrs := map[string]string{}
			for _, a := range se.Attr {
				attrs[a.Name.Local] = a.Value
			}
			switch attrs["class"] {
			case "ratio":
				var title string
				if err := d.DecodeElement(&struct {
					Title *string `xml:"title"`
				}{&title}, &se); err != nil {
					t.Fatal(err)
				}
				bars[strings.Split(title, ":")[0]] = attrs["fill"]
			case "goal":
				goals++
			}
		}
	}
	want := map[string]string{
		"queue_spsc_small_msgs":            "#2e7d32",
		"process_start_join":               "#ef6c00",
		"process_start_join_cold":          "#1565c0",
		"event_pingpong_roundtrip":         "#ef6c00",
		"lock_uncontended_acquire_release": "#2e7d32",
	}
	if len(bars) != len(want) {
		t.Errorf("bars %v, want %v", bars, want)
	}
	for name, color := range want {
		if bars[name] != color {
			t.Errorf("%s's bar is %q, want %q", name, bars[name], color)
		}
	}
	if goals != 4 {
		t.Errorf("%d goal marks, want 4", goals)
	}
	if !strings.Contains(out.String(), "0.5x") || !strings.Contains(out.String(), "1000x") {
		t.Errorf("the axis does not run from below 0.5x to 1000x:\n%s", out.String())
	}
}

func TestWriteChartNoRatios(t *testing.T) {
	t.Parallel()
	err := WriteChart(io.Discard, []Row{{Go: Result{Name: "x"}}})
	if !errors.Is(err, ErrNoRatios) {
		t.Errorf("no ratios: %v, want ErrNoRatios", err)
	}
}
