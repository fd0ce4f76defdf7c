package chaos

import "time"

// Result counts the runs of one case.
type Result struct {
	Case     string        `json:"case"`
	Runs     int           `json:"runs"`
	Failures int           `json:"failures"`
	Worst    time.Duration `json:"worst_ns"`        // the longest measured duration, failed runs included
	Kills    int           `json:"kills,omitempty"` // random SIGKILLs, in the soak's pool
	Errors   []string      `json:"errors,omitempty"`
}

// maxErrors is how many distinct failure messages a Result keeps.
const maxErrors = 5

// add counts one run.
func (r *Result) add(took time.Duration, err error) {
	r.Runs++
	r.Worst = max(r.Worst, took)
	if err == nil {
		return
	}
	r.Failures++
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, err.Error())
	}
}
