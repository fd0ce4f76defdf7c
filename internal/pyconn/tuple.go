package pyconn

// Tuple is a Python tuple. Marshal writes a Tuple as a tuple and any other
// slice as a list; Unmarshal into *any gives a Tuple for a tuple and an []any
// for a list.
type Tuple []any
