package model

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// IsMissing reports whether a (already trimmed) cell value means "missing":
// "", "?", and case-insensitively "NA", "N/A", "NaN", "null", "None".
func IsMissing(v string) bool {
	switch len(v) {
	case 0:
		return true
	case 1:
		return v == "?"
	case 2:
		return strings.EqualFold(v, "NA")
	case 3:
		return strings.EqualFold(v, "N/A") || strings.EqualFold(v, "NaN")
	case 4:
		return strings.EqualFold(v, "null") || strings.EqualFold(v, "None")
	}
	return false
}

// isMissingBytes is IsMissing for a byte slice; the string conversions below
// do not allocate.
func isMissingBytes(b []byte) bool {
	if len(b) > 4 {
		return false
	}
	return IsMissing(string(b))
}

// Column is one feature column of the table, all rows (n), in row order.
type Column struct {
	Name    string
	Numeric bool      // true: Num holds the values, NaN = missing
	Num     []float64 // len n when Numeric: finite values, NaN = missing
	Codes   []int32   // len n when !Numeric: index into Levels, -1 = missing
	Levels  []string  // distinct non-missing text values, in first-seen order

	// NonFinite is the number of cells of a numeric column that were
	// written as a number but are not finite ("Inf", "-Infinity", "1e400"):
	// they are missing (NaN) in Num. See ColumnBuilder.
	NonFinite int
}

// numKind is what the text of a cell is as a number.
type numKind int

const (
	notNumber numKind = iota // text
	finite                   // a finite float64
	nonFinite                // ±Inf or beyond the float64 range: missing in a numeric column
)

// parseNumber reads s (trimmed, not missing) as a plain decimal number:
// an optional sign, digits with an optional point, an optional exponent
// ("12", "-0", "+.5", "1e-3"), or an infinity ("Inf", "-Infinity", any
// case). It returns the value (±Inf for an infinity or for a number beyond
// the float64 range, such as "1e400"; a number too small, such as
// "1e-400", is 0) and its kind.
//
// strconv.ParseFloat also accepts hexadecimal floats ("0x1p-2") and
// underscores between digits ("1_000"); they are not numbers here: such
// a cell is text, as it is for pandas' read_csv and R's read.csv.
func parseNumber(s string) (float64, numKind) {
	if strings.ContainsAny(s, "xX_") {
		return 0, notNumber
	}
	x, err := strconv.ParseFloat(s, 64)
	switch {
	case math.IsInf(x, 0) || math.IsNaN(x):
		// "Inf", "Infinity" (err nil) or an overflow (ErrRange); NaN
		// cannot come here ("NaN" is missing) but would be missing too.
		return x, nonFinite
	case err != nil:
		return 0, notNumber
	}
	return x, finite
}

// Len returns the number of rows of the column.
func (c *Column) Len() int {
	if c.Numeric {
		return len(c.Num)
	}
	return len(c.Codes)
}

// ColumnBuilder accumulates the cells of one column, one Add per row.
//
// A column is numeric if every non-missing value is a number (see
// parseNumber: plain decimal text, or an infinity) and it was not forced
// categorical. Otherwise it is categorical (text), coded by first-seen
// order. In a numeric column, a value that is not finite ("Inf", "-inf",
// "Infinity", or beyond the float64 range such as "1e400") is missing, like
// "NaN", and counted in Column.NonFinite, so that one such cell neither
// turns a numeric column into text nor lets an infinity reach the encoder;
// in a text column it is a level like any other. Hexadecimal floats
// ("0x1p-2") and digits with underscores ("1_000") are text. "-0" is the
// number 0.
//
// The builder keeps, in parallel, a text code per row (a map from distinct
// text to code) and, while the column is still all-numeric, a float64 per
// row. Each distinct text is parsed once; repeated values cost one map
// look-up and no allocation.
type ColumnBuilder struct {
	name    string
	force   bool
	numeric bool // every non-missing value so far is a finite number

	codes  []int32
	num    []float64 // per row, only while numeric; ±Inf for a non-finite number
	levels []string
	lvNum  []float64 // parsed value of each level, only while numeric
	index  map[string]int32

	infs int // non-finite numbers added (±Inf in num until Build)

	// numOnly is set once a numeric column has more than numOnlyLevels
	// distinct values (a continuous column such as a weight or an income):
	// from then on cells are parsed directly and no codes or dictionary are
	// kept, which a million distinct values would make slow and large. Should
	// a text value follow, the column becomes text with the numbers' shortest
	// text forms as levels (so "1" and "1.0" are then one level, and an
	// infinity is "+Inf" or "-Inf").
	numOnly bool
}

// numOnlyLevels is the number of distinct values after which a numeric
// column stops keeping a dictionary.
const numOnlyLevels = 4096

// grow makes room for one more element, doubling the capacity (append grows
// large slices by only 1.25×, copying a million-row column many times).
func grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	n := make([]T, len(s), max(2*cap(s), 1024))
	copy(n, s)
	return n
}

// NewColumnBuilder returns an empty builder for the column called name. If
// forceCategorical is set the column is built as text whatever its values.
func NewColumnBuilder(name string, forceCategorical bool) *ColumnBuilder {
	return &ColumnBuilder{
		name:    name,
		force:   forceCategorical,
		numeric: !forceCategorical,
		index:   make(map[string]int32),
	}
}

// Reserve makes room for n cells in all, so that a builder told the row
// count in advance (or an estimate of it) does not copy its slices as it
// grows. It changes nothing else.
func (b *ColumnBuilder) Reserve(n int) {
	if !b.numOnly && cap(b.codes) < n {
		b.codes = slices.Grow(b.codes, n-len(b.codes))
	}
	if b.numeric && cap(b.num) < n {
		b.num = slices.Grow(b.num, n-len(b.num))
	}
}

// Add appends one cell; v must already be trimmed.
func (b *ColumnBuilder) Add(v string) {
	if IsMissing(v) {
		b.addMissing()
		return
	}
	if b.numOnly {
		b.addNumber(v)
		return
	}
	code, ok := b.index[v]
	if !ok {
		code = b.newLevel(strings.Clone(v))
	}
	b.addCode(code)
}

// addNumber adds a cell of a column in numOnly mode.
func (b *ColumnBuilder) addNumber(v string) {
	x, kind := parseNumber(v)
	if kind != notNumber {
		if kind == nonFinite {
			x = math.Copysign(math.Inf(1), x)
			b.infs++
		}
		b.num = append(grow(b.num), x)
		return
	}
	// A text value: rebuild codes and levels from the numbers, then go on as text.
	b.numOnly = false
	b.codes = make([]int32, 0, cap(b.num))
	b.levels, b.lvNum = nil, nil
	b.index = make(map[string]int32)
	for _, y := range b.num {
		if math.IsNaN(y) {
			b.codes = append(b.codes, -1)
			continue
		}
		t := strconv.FormatFloat(y, 'g', -1, 64)
		code, ok := b.index[t]
		if !ok {
			code = int32(len(b.levels))
			b.levels = append(b.levels, t)
			b.index[t] = code
		}
		b.codes = append(b.codes, code)
	}
	b.numeric = false
	b.num = nil
	b.infs = 0
	b.Add(strings.Clone(v))
}

// AddBytes is Add for a byte slice, for callers that reuse a read buffer.
// A value already seen costs no allocation; v is not retained.
func (b *ColumnBuilder) AddBytes(v []byte) {
	if isMissingBytes(v) {
		b.addMissing()
		return
	}
	if b.numOnly {
		b.addNumber(string(v))
		return
	}
	code, ok := b.index[string(v)] // no allocation: compiler optimisation
	if !ok {
		code = b.newLevel(string(v))
	}
	b.addCode(code)
}

func (b *ColumnBuilder) addMissing() {
	if b.numOnly {
		b.num = append(grow(b.num), math.NaN())
		return
	}
	b.codes = append(grow(b.codes), -1)
	if b.numeric {
		b.num = append(grow(b.num), math.NaN())
	}
}

func (b *ColumnBuilder) addCode(code int32) {
	b.codes = append(grow(b.codes), code)
	if b.numeric {
		x := b.lvNum[code]
		if math.IsInf(x, 0) {
			b.infs++
		}
		b.num = append(grow(b.num), x)
		if len(b.levels) > numOnlyLevels {
			// A continuous column: drop the dictionary and the codes.
			b.numOnly = true
			b.codes, b.levels, b.lvNum, b.index = nil, nil, nil, nil
		}
	}
}

// newLevel registers a new distinct value s (owned by the builder) and
// returns its code. It parses s while the column is still numeric.
func (b *ColumnBuilder) newLevel(s string) int32 {
	if len(b.levels) >= math.MaxInt32 {
		panic("model: more than 2^31-1 distinct values in column " + b.name)
	}
	code := int32(len(b.levels))
	b.levels = append(b.levels, s)
	b.index[s] = code
	if b.numeric {
		x, kind := parseNumber(s)
		switch kind {
		case notNumber:
			// The column is text from now on.
			b.numeric = false
			b.num, b.lvNum = nil, nil
			b.infs = 0
		case nonFinite:
			b.lvNum = append(b.lvNum, math.Copysign(math.Inf(1), x))
		default:
			b.lvNum = append(b.lvNum, x)
		}
	}
	return code
}

// Len returns the number of cells added so far.
func (b *ColumnBuilder) Len() int {
	if b.numOnly {
		return len(b.num)
	}
	return len(b.codes)
}

// Distinct returns the number of distinct non-missing values seen so far
// (distinct as text: "1" and "1.0" are two values). For a numeric column
// with more than 4096 distinct values it stops counting and returns the
// count at which it stopped.
func (b *ColumnBuilder) Distinct() int {
	if b.numOnly {
		return numOnlyLevels + 1
	}
	return len(b.levels)
}

// Numeric reports whether the column would currently be built as numeric.
func (b *ColumnBuilder) Numeric() bool { return b.numeric }

// Build returns the column. It does not copy: the returned slices are the
// builder's, with their capacity clipped so that further Adds reallocate
// rather than modify them. The non-finite numbers of a numeric column
// become NaN (missing) in Num and are counted in NonFinite.
func (b *ColumnBuilder) Build() Column {
	c := Column{Name: b.name}
	if b.numeric {
		if b.infs > 0 {
			for i, x := range b.num {
				if math.IsInf(x, 0) {
					b.num[i] = math.NaN()
				}
			}
		}
		b.num = b.num[:len(b.num):len(b.num)]
		c.Numeric = true
		c.Num = b.num
		c.NonFinite = b.infs
		if c.Num == nil {
			c.Num = []float64{}
		}
		return c
	}
	b.codes = b.codes[:len(b.codes):len(b.codes)]
	b.levels = b.levels[:len(b.levels):len(b.levels)]
	c.Codes, c.Levels = b.codes, b.levels
	if c.Codes == nil {
		c.Codes = []int32{}
	}
	return c
}

// CellNumber tells what the (trimmed, not missing) text of a cell is as a
// number, as ColumnBuilder reads it: not a number (text), a finite number
// (x), or a number that is not finite (an infinity, or beyond the float64
// range), which a numeric column reads as missing.
func CellNumber(s string) (x float64, number, isFinite bool) {
	x, k := parseNumber(s)
	return x, k != notNumber, k == finite
}
