package chaos

// mapItem is one argument of a Map. The worker that takes item Target
// writes its pid to Dir/pid, then holds the item until Dir/go exists: the
// parent then knows which worker to kill, and that it is in the middle of a
// task. Files, because shared objects can't travel in pool tasks (nor, for
// now, through the pool's initializer).
type mapItem struct {
	X, Target int
	Dir       string
}
