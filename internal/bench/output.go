package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Round3 rounds v to 3 decimals as python_ref.py's round(value, 3) does:
// correctly rounded from the exact binary value.
func Round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	if err != nil { // out of range cannot happen for a finite v; keep v
		return v
	}
	return r
}

// PyFloat formats f as Python's repr(float), which json.dumps prints:
// shortest round-trip digits, fixed notation with at least one decimal
// ("1.0", "412.345") for decimal exponents from -5 to 15, else "1e+16",
// "1.5e-05".
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// JSONLine is r as python_ref.py's emit prints it: one JSON object with the
// keys name, unit, value (rounded to 3 decimals) and n, in that order and
// with json.dumps' separators. A row held against a limit adds "limit" and
// "limit_fraction".
func (r Result) JSONLine() string {
	line := fmt.Sprintf(`{"name": %s, "unit": %s, "value": %s, "n": %d`,
		jsonString(r.Name), jsonString(r.Unit), PyFloat(Round3(r.Value)), r.N)
	if r.Limit != "" {
		line += fmt.Sprintf(`, "limit": %s, "limit_fraction": %s`, jsonString(r.Limit), PyFloat(Round3(r.LimitFraction)))
	}
	return line + "}"
}

// jsonString quotes s as json.dumps does by default (ensure_ascii: anything
// outside ASCII as \uXXXX escapes).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r == 0x7f || r >= utf8.RuneSelf:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseLine reads one python_ref.py output line.
func ParseLine(line string) (Result, error) {
	var raw struct {
		Name  *string  `json:"name"`
		Unit  *string  `json:"unit"`
		Value *float64 `json:"value"`
		N     *float64 `json:"n"`
		Limit *string  `json:"limit"`
		Frac  *float64 `json:"limit_fraction"`
	}
	d := json.NewDecoder(strings.NewReader(line))
	if err := d.Decode(&raw); err != nil {
		return Result{}, fmt.Errorf("not a result line: %w", err)
	}
	if d.More() {
		return Result{}, errors.New("not a result line: trailing data")
	}
	if raw.Name == nil || raw.Unit == nil || raw.Value == nil || raw.N == nil {
		return Result{}, errors.New(`not a result line: want the keys "name", "unit", "value" and "n"`)
	}
	r := Result{Name: *raw.Name, Unit: *raw.Unit, Value: *raw.Value, N: int(*raw.N)}
	if raw.Limit != nil && raw.Frac != nil {
		r.Limit, r.LimitFraction = *raw.Limit, *raw.Frac
	}
	return r, nil
}

// Ratio is how many times better Go is than Python: go/python for a rate
// (higher is better), python/go for a cost. ok is false when either value is
// not a positive finite number.
func Ratio(goValue, pyValue float64, higherBetter bool) (ratio float64, ok bool) {
	valid := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	if !valid(goValue) || !valid(pyValue) {
		return 0, false
	}
	if higherBetter {
		return goValue / pyValue, true
	}
	return pyValue / goValue, true
}

// Row is one Go result and, when it has a comparison, the CPython result
// it is measured against.
type Row struct {
	Go       Result
	Compared string  // the CPython result name it is compared with; "" for none
	Python   *Result // that result, when Python reported it
	Ratio    float64 // valid when HasRatio
	HasRatio bool
}

// Compare pairs each Go result with its CPython counterpart, by the
// comparison table.
func Compare(goResults, pyResults []Result) []Row {
	cmp := map[string]Comparison{}
	for _, c := range Comparisons() {
		cmp[c.Go] = c
	}
	py := map[string]Result{}
	for _, r := range pyResults {
		py[r.Name] = r
	}
	rows := make([]Row, 0, len(goResults))
	for _, g := range goResults {
		row := Row{Go: g}
		if c, ok := cmp[g.Name]; ok {
			row.Compared = c.Python
			if p, ok := py[c.Python]; ok {
				row.Python = &p
				row.Ratio, row.HasRatio = Ratio(g.Value, p.Value, c.HigherBetter)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// RatioResults turns the rows with a ratio into result lines named
// "ratio:<go name>" in the unit "x", with the Go result's n.
func RatioResults(rows []Row) []Result {
	var out []Result
	for _, r := range rows {
		if r.HasRatio {
			out = append(out, Result{Name: "ratio:" + r.Go.Name, Unit: "x", Value: r.Ratio, N: r.Go.N})
		}
	}
	return out
}

// FormatValue prints a value for the table: rounded to 3 decimals, without
// trailing zeros.
func FormatValue(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// WriteTable prints rows as an aligned table: name, unit and the Go value,
// and with withPython also the CPython value and the ratio ("1.62x": how
// many times better Go is). otherPython lists CPython results that no Go
// result is compared with; they are listed under the table.
func WriteTable(w io.Writer, rows []Row, withPython bool, otherPython []Result) error {
	header := []string{"name", "unit", "go"}
	if withPython {
		header = append(header, "python", "ratio")
	}
	withLimit := slices.ContainsFunc(rows, func(r Row) bool { return r.Go.Limit != "" })
	if withLimit {
		header = append(header, "of limit")
	}
	table := [][]string{header}
	for _, r := range rows {
		line := []string{r.Go.Name, r.Go.Unit, FormatValue(r.Go.Value)}
		if withPython {
			py, ratio := "-", "-"
			if r.Python != nil {
				py = FormatValue(r.Python.Value)
			}
			if r.HasRatio {
				ratio = fmt.Sprintf("%.2fx", r.Ratio)
			}
			line = append(line, py, ratio)
		}
		if withLimit {
			frac := "-"
			if r.Go.Limit != "" {
				frac = fmt.Sprintf("%.2f", r.Go.LimitFraction)
			}
			line = append(line, frac)
		}
		table = append(table, line)
	}
	var b bytes.Buffer
	writeAligned(&b, table, 2) // name and unit left, numbers right
	if withLimit {
		b.WriteString("\nof limit: the row over what it is held against in this run: the machine's limit (1.0 is the limit; see the limit_ rows), or for a portable_ row its linux_ row (1.0 is as fast as Linux)\n")
	}
	if withPython {
		b.WriteString("\nratio: how many times better Go is than CPython (>1: Go wins); go/python for rates, python/go for times and sizes\n")
		var pairs []string
		alone := 0
		for _, r := range rows {
			switch {
			case r.Compared == "":
				alone++
			case r.Python == nil:
				pairs = append(pairs, r.Go.Name+" vs "+r.Compared+" (missing from CPython's output)")
			default:
				pairs = append(pairs, r.Go.Name+" vs "+r.Compared)
			}
		}
		if len(pairs) > 0 {
			b.WriteString("compared: " + strings.Join(pairs, "; ") + "\n")
		}
		if alone > 0 {
			// The servers groups are many rows, CPython's among them,
			// with their own ratio rows ("x").
			fmt.Fprintf(&b, "%d rows have no python_ref.py counterpart (the limits, and the servers groups, which measure CPython's servers in their own rows)\n", alone)
		}
		if len(otherPython) > 0 {
			var other []string
			for _, p := range otherPython {
				other = append(other, fmt.Sprintf("%s %s %s", p.Name, FormatValue(p.Value), p.Unit))
			}
			b.WriteString("other CPython results: " + strings.Join(other, "; ") + "\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeAligned writes cells in columns two spaces apart: the first left
// columns flush left, the rest flush right.
func writeAligned(b *bytes.Buffer, table [][]string, left int) {
	var width []int
	for _, line := range table {
		for i, c := range line {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, line := range table {
		var s strings.Builder
		for i, c := range line {
			if i > 0 {
				s.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i < left {
				s.WriteString(c + pad)
			} else {
				s.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(s.String(), " ") + "\n")
	}
}
