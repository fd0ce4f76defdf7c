package pyconn_test

import (
	"bytes"
	"fmt"

	"mproc/internal/pyconn"
)

// A message as Python's conn.send(("job", 7, {"args": [1.5, b"x"]})) makes
// it: a length-prefixed pickle, read back on the Go side.
func Example() {
	p, err := pyconn.Marshal(pyconn.Tuple{"job", 7, map[string]any{"args": []any{1.5, []byte("x")}}})
	if err != nil {
		panic(err)
	}
	var wire bytes.Buffer
	pyconn.WriteMessage(&wire, p)

	msg, err := pyconn.ReadMessage(&wire, 1<<20)
	if err != nil {
		panic(err)
	}
	var v any
	if err := pyconn.Unmarshal(msg, &v); err != nil {
		panic(err)
	}
	t := v.(pyconn.Tuple)
	fmt.Printf("%q %d %v\n", t[0], t[1], t[2].(map[any]any)["args"])

	// Typed targets convert: Python's {"a": 1, "b": 2} into a map[string]int.
	p, _ = pyconn.Marshal(map[string]int64{"a": 1, "b": 2})
	var counts map[string]int
	if err := pyconn.Unmarshal(p, &counts); err != nil {
		panic(err)
	}
	fmt.Println(counts)
	// Output:
	// "job" 7 [1.5 [120]]
	// map[a:1 b:2]
}
