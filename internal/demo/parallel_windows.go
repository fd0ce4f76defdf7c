package demo

import "time"

// processCPU and threadCPU are not measured here: the parallel demo runs
// child processes, and stops at the first start.
func processCPU() time.Duration { return 0 }

func threadCPU() time.Duration { return 0 }
