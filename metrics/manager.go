package metrics

import (
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"mproc/manager"
)

var (
	managerUp  = desc("manager_up", "1 while the manager's server process runs.", "manager")
	managerRSS = desc("manager_resident_bytes", "The manager's server process's resident memory (VmRSS).", "manager")
)

// Manager returns a collector of a manager's server process: whether it
// runs, and its memory. Its objects' sizes come with ManagerQueue.
func Manager(name string, m *manager.Manager) prometheus.Collector { return managerCollector{name, m} }

type managerCollector struct {
	name string
	m    *manager.Manager
}

func (c managerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- managerUp
	ch <- managerRSS
}

func (c managerCollector) Collect(ch chan<- prometheus.Metric) {
	up := 0.0
	p := c.m.Process()
	if alive, err := p.IsAlive(); err == nil && alive {
		up = 1
		if rss, ok := residentBytes(p.Pid()); ok {
			ch <- prometheus.MustNewConstMetric(managerRSS, prometheus.GaugeValue, float64(rss), c.name)
		}
	}
	ch <- prometheus.MustNewConstMetric(managerUp, prometheus.GaugeValue, up, c.name)
}

// residentBytes is a process's VmRSS, from /proc/PID/status.
func residentBytes(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err == nil
			}
		}
	}
	return 0, false
}
