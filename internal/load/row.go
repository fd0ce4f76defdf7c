package load

// Row is one named figure of a Result, in the shape of the benchmarks' JSON
// lines: name, unit, value and the count it was measured over.
type Row struct {
	Name  string
	Unit  string
	Value float64
	N     int
}
