package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteTable prints the results as a Markdown table, then each failure's
// messages.
func WriteTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| case | runs | failures | worst time |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, r := range results {
		fmt.Fprintf(w, "| `%s` | %d | %d | %v |\n", r.Case, r.Runs, r.Failures, roundDuration(r.Worst))
	}
	for _, r := range results {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "\n%s: %s\n", r.Case, e)
		}
	}
}

// WriteJSON prints one JSON object per result, a line each.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// roundDuration keeps three significant figures or so.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
