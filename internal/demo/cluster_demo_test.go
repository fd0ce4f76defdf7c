package demo

import (
	"strings"
	"testing"
	"time"
)

func TestClusterDemo(t *testing.T) {
	start := time.Now()
	out := run(t, "cluster")
	took := time.Since(start)
	mustContain(t, out, "[0 1 4 9 16 25 36 49 64 81 100 121]", "NATS with JetStream at nats://127.0.0.1:")
	shares := submatches(t, out, `worker \d+ ran (\d+) of the 12 tasks`)
	if len(shares) != 2 || shares[0]+shares[1] != 12 {
		t.Errorf("the workers' shares %v do not add up to 12", shares)
	}
	if strings.Count(out, "joined nats://") != 2 {
		t.Errorf("not two workers joined:\n%s", out)
	}
	if took > 10*time.Second { // the tour wants < 3 s; shared machines are slow
		t.Errorf("the demo took %v", took)
	}
}

func TestClusterLastInTour(t *testing.T) {
	all := All()
	if all[len(tourOrder)-1].Name != "cluster" {
		t.Errorf("the tour's last listed demo is %q, want cluster", all[len(tourOrder)-1].Name)
	}
}
