package model

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// DefaultMaxLevels is the one-hot width cap used when EncoderOptions.MaxLevels is 0.
const DefaultMaxLevels = 100

// EncoderOptions configures FitEncoder.
//
// MaxLevels caps the one-hot width of a text column: only the MaxLevels
// most frequent levels among the reference rows (ties: first-seen order)
// get their own code; every other level (including levels that never occur
// in the reference) maps to one shared "other" code. 0 means 100.
//
// HasMissing, when not nil, tells for each column whether it has a missing
// cell anywhere in the table, for columns that hold only some of the
// table's rows (a distributed fit on the reference rows): a numeric column
// then gets its missing indicator as if all rows had been given.
type EncoderOptions struct {
	MaxLevels  int
	HasMissing []bool
}

// Encoder is fitted on the reference rows (the majority) and encodes any
// rows.
//
// A numeric column becomes the feature z = (x − μ)/σ, where μ and σ are the
// mean and the population standard deviation
//
//	σ = sqrt(Σ_i (x_i − μ)² / m)
//
// over the m non-missing reference values. A column without spread on
// the reference (its non-missing reference values all equal, or none)
// encodes to z = 0 on every row: the reference gives it no scale, and
// scale 1 (scikit-learn's StandardScaler's choice) would let the column's
// raw units into the distances of rb-dist and rb-label, so that one
// candidate value off a tiny reference's constant (a capital gain of
// 5,000 against ten rows of 0) outweighs every other feature. Such a
// column cannot move a model fitted on the reference either (it is 0 on
// every reference row). Standardisation still reports μ (0 without
// values) and scale 1 for it. μ and σ are computed without overflow or underflow whatever the
// magnitudes (see meanScale), and z is clamped to [−MaxZ, MaxZ], so that a
// row far outside the reference (1e300 against a reference of small
// numbers) still gives finite distances and probabilities.
// A missing cell gets z = 0 (the reference mean). If the column has
// a missing cell in any row of the columns given to FitEncoder (not only in
// the reference rows) it also gets a 0/1 missing-indicator feature,
// immediately after its value.
//
// A text column becomes one categorical feature with codes 0..L−1 for the
// L kept levels (most frequent first), L for "other" and L+1 for "missing":
// cardinality L+2.
type Encoder struct {
	cols []encCol
	p    int   // numeric features
	card []int // cardinality of each categorical feature
}

type encCol struct {
	name    string
	numeric bool

	// numeric
	mean, scale float64
	unit        float64 // a power of two: z = (x/unit − mean/unit)/(scale/unit); 1 for most columns
	indicator   bool
	constant    bool // no spread on the reference: z = 0 on every row
	numIdx      int  // index of the value feature in Matrix.Num

	// text
	kept   []string         // kept levels, by code
	code   map[string]int32 // kept level → code
	catIdx int              // index of the feature in Matrix.Cat
}

// FitEncoder fits an Encoder on the reference rows ref (indices into the
// columns' rows) of cols. All columns must have the same number of rows;
// numeric values must be finite or NaN (missing) and text codes must lie in
// [−1, len(Levels)).
func FitEncoder(cols []Column, ref []int, opt EncoderOptions) (*Encoder, error) {
	maxLevels := opt.MaxLevels
	if maxLevels < 0 {
		return nil, fmt.Errorf("the maximum number of levels per text column must be positive, not %d", maxLevels)
	}
	if maxLevels == 0 {
		maxLevels = DefaultMaxLevels
	}
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	for _, i := range ref {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("reference row %d out of range: the columns have %d rows", i, n)
		}
	}

	e := &Encoder{cols: make([]encCol, len(cols))}
	for j := range cols {
		c := &cols[j]
		ec := &e.cols[j]
		ec.name = c.Name
		ec.numeric = c.Numeric
		if c.Numeric {
			ec.mean, ec.scale, ec.unit = meanScale(c.Num, ref)
			ec.constant = noSpread(c.Num, ref)
			ec.indicator = j < len(opt.HasMissing) && opt.HasMissing[j]
			for _, x := range c.Num {
				if math.IsNaN(x) {
					ec.indicator = true
					break
				}
			}
			ec.numIdx = e.p
			e.p++
			if ec.indicator {
				e.p++
			}
			continue
		}
		ec.kept = keptLevels(c, ref, maxLevels)
		ec.code = make(map[string]int32, len(ec.kept))
		for k, lv := range ec.kept {
			ec.code[lv] = int32(k)
		}
		ec.catIdx = len(e.card)
		e.card = append(e.card, len(ec.kept)+2)
	}
	return e, nil
}

// checkColumns validates cols and returns their common number of rows.
func checkColumns(cols []Column) (int, error) {
	n := -1
	for j := range cols {
		c := &cols[j]
		m := c.Len()
		if n < 0 {
			n = m
		} else if m != n {
			return 0, fmt.Errorf("column %q has %d rows but column %q has %d", c.Name, m, cols[0].Name, n)
		}
		if c.Numeric {
			for i, x := range c.Num {
				if math.IsInf(x, 0) {
					return 0, fmt.Errorf("column %q row %d: infinite value", c.Name, i)
				}
			}
			continue
		}
		if len(c.Levels) > math.MaxInt32 {
			return 0, fmt.Errorf("column %q has too many levels (%d)", c.Name, len(c.Levels))
		}
		for i, k := range c.Codes {
			if k < -1 || int(k) >= len(c.Levels) {
				return 0, fmt.Errorf("column %q row %d: code %d outside [-1, %d)", c.Name, i, k, len(c.Levels))
			}
		}
	}
	if n < 0 {
		n = 0
	}
	return n, nil
}

// MaxZ bounds the standardised value of a numeric feature: Encode clamps
// z to [−MaxZ, MaxZ]. The reference rows' own values are within √m of 0
// (m reference values), so only rows far outside the reference are
// clamped; squared distances and linear scores over any realistic number of
// features then stay finite.
const MaxZ = 1e100

// meanScale returns the mean and the population standard deviation of the
// non-missing x[i], i ∈ ref: (0, 1) if there are none, and (x, 1) if they
// all equal x (detected exactly, so that a constant column encodes to 0
// whatever the rounding of its mean). It uses the corrected two-pass
// algorithm for accuracy.
//
// The values must be finite. If their largest magnitude is outside
// [2^−400, 2^400], they are divided by unit, a power of two within a
// factor 2 of it, before the sums, so that neither the sum (1e308 + 1e308) nor
// the squares (1e300², 1e−300²) overflow or underflow; mean and scale are
// then unit times the scaled results, and unit is returned so that Encode
// can divide by it too. Otherwise unit is 1 and the results are bit for
// bit those of the plain computation.
func meanScale(x []float64, ref []int) (mean, scale, unit float64) {
	var sum float64
	m := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, i := range ref {
		if v := x[i]; !math.IsNaN(v) {
			sum += v
			m++
			lo = math.Min(lo, v)
			hi = math.Max(hi, v)
		}
	}
	if m == 0 {
		return 0, 1, 1
	}
	if lo == hi {
		return lo, 1, 1
	}
	unit = 1
	if big := math.Max(math.Abs(lo), math.Abs(hi)); big > 0x1p400 || big < 0x1p-400 {
		_, e := math.Frexp(big)   // big = f·2^e, f ∈ [0.5, 1)
		unit = math.Ldexp(1, e-1) // big/unit ∈ [1, 2); finite even for big near MaxFloat64
		sum = 0
		for _, i := range ref {
			if v := x[i]; !math.IsNaN(v) {
				sum += v / unit
			}
		}
	}
	mean = sum / float64(m)
	var ss, comp float64
	for _, i := range ref {
		if v := x[i]; !math.IsNaN(v) {
			d := v/unit - mean
			ss += d * d
			comp += d
		}
	}
	// Corrected two-pass algorithm (Chan, Golub & LeVeque): subtracting
	// comp²/m removes the rounding error of the mean.
	variance := (ss - comp*comp/float64(m)) / float64(m)
	if !(variance > 0) {
		return mean * unit, 1, 1
	}
	return mean * unit, math.Sqrt(variance) * unit, unit
}

// noSpread reports whether the non-missing x[i], i ∈ ref, are all equal
// (or there are none).
func noSpread(x []float64, ref []int) bool {
	first, seen := 0.0, false
	for _, i := range ref {
		v := x[i]
		switch {
		case math.IsNaN(v):
		case !seen:
			first, seen = v, true
		case v != first:
			return false
		}
	}
	return true
}

// keptLevels returns the at most maxLevels most frequent levels of the
// text column c among the reference rows (ties: first-seen order). Levels
// that do not occur in the reference rows are never kept.
func keptLevels(c *Column, ref []int, maxLevels int) []string {
	count := make([]int, len(c.Levels))
	for _, i := range ref {
		if k := c.Codes[i]; k >= 0 {
			count[k]++
		}
	}
	var order []int
	for k, n := range count {
		if n > 0 {
			order = append(order, k)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return count[order[a]] > count[order[b]] })
	if len(order) > maxLevels {
		order = order[:maxLevels]
	}
	kept := make([]string, len(order))
	for k, lv := range order {
		kept[k] = c.Levels[lv]
	}
	return kept
}

// Check reports whether cols match the columns the encoder was fitted on:
// same number of columns, same kinds (numeric or text), same number of
// rows in each and valid values. The level sets of text columns may
// differ: levels are matched by their text.
func (e *Encoder) Check(cols []Column) error {
	if len(cols) != len(e.cols) {
		return fmt.Errorf("got %d columns, the encoder was fitted on %d", len(cols), len(e.cols))
	}
	for j := range cols {
		if cols[j].Numeric != e.cols[j].numeric {
			kind := map[bool]string{true: "numeric", false: "text"}
			return fmt.Errorf("column %d (%q) is %s but was %s when the encoder was fitted",
				j, cols[j].Name, kind[cols[j].Numeric], kind[e.cols[j].numeric])
		}
	}
	_, err := checkColumns(cols)
	return err
}

// Encode returns the encoded rows (indices into the columns' rows) of
// cols, in that order. Text levels are matched to the fitted levels by
// their text; a level the encoder did not keep, including one it never
// saw, gets the "other" code. A missing numeric cell gets z = 0, and 1 in
// the column's missing indicator if it has one (an encoder fitted on
// columns without missing cells in that column has none).
//
// Encode panics if cols do not pass Check or a row index is out of range.
func (e *Encoder) Encode(cols []Column, rows []int) *Matrix {
	if err := e.Check(cols); err != nil {
		panic("model: Encode: " + err.Error())
	}
	n := 0
	if len(cols) > 0 {
		n = cols[0].Len()
	}
	q := len(e.card)
	m := &Matrix{
		N:    len(rows),
		P:    e.p,
		Q:    q,
		Num:  make([]float64, len(rows)*e.p),
		Cat:  make([]int32, len(rows)*q),
		Card: append([]int(nil), e.card...),
	}
	for _, i := range rows {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("model: Encode: row %d out of range [0, %d)", i, n))
		}
	}
	// Map each categorical column's level indices to encoder codes once.
	tables := make([][]int32, len(cols))
	for j := range cols {
		ec := &e.cols[j]
		if ec.numeric {
			continue
		}
		other := int32(len(ec.kept))
		tables[j] = make([]int32, len(cols[j].Levels))
		for k, lv := range cols[j].Levels {
			if code, ok := ec.code[lv]; ok {
				tables[j][k] = code
			} else {
				tables[j][k] = other
			}
		}
	}
	// Blocks of rows on all cores; each block writes its own rows only.
	const block = 1 << 14
	forChunks((len(rows)+block-1)/block, resolveWorkers(0), func(b int) {
		lo := b * block
		hi := min(lo+block, len(rows))
		for j := range cols {
			c := &cols[j]
			ec := &e.cols[j]
			if ec.numeric {
				mu, sc, u := ec.mean, ec.scale, ec.unit
				if u != 1 {
					mu, sc = mu/u, sc/u
				}
				for r := lo; r < hi; r++ {
					x := c.Num[rows[r]]
					dst := m.Num[r*e.p+ec.numIdx:]
					if math.IsNaN(x) {
						dst[0] = 0
						if ec.indicator {
							dst[1] = 1
						}
						continue
					}
					if ec.constant {
						dst[0] = 0
						continue
					}
					if u != 1 {
						x /= u
					}
					z := (x - mu) / sc
					dst[0] = max(-MaxZ, min(z, MaxZ))
				}
				continue
			}
			table := tables[j]
			missing := int32(len(ec.kept)) + 1
			for r := lo; r < hi; r++ {
				code := missing
				if k := c.Codes[rows[r]]; k >= 0 {
					code = table[k]
				}
				m.Cat[r*q+ec.catIdx] = code
			}
		}
	})
	return m
}

// FeatureNames returns the names of the one-hot-expanded features, in the
// order of Matrix.Expand and of the logistic-regression weights: first the
// P numeric features in Matrix.Num order ("age", and "age:missing" for a
// missing indicator), then for each categorical feature its Card codes in
// order ("race=White", …, "race=(other)", "race=(missing)").
func (e *Encoder) FeatureNames() []string {
	names := make([]string, e.p)
	var cat []string
	for _, ec := range e.cols {
		if ec.numeric {
			names[ec.numIdx] = ec.name
			if ec.indicator {
				names[ec.numIdx+1] = ec.name + ":missing"
			}
			continue
		}
		for _, lv := range ec.kept {
			cat = append(cat, ec.name+"="+lv)
		}
		cat = append(cat, ec.name+"=(other)", ec.name+"=(missing)")
	}
	return append(names, cat...)
}

// Shape returns the number of numeric features and the cardinality of each
// categorical feature of the matrices Encode returns.
func (e *Encoder) Shape() (p int, card []int) {
	return e.p, append([]int(nil), e.card...)
}

// Standardisation returns the reference mean and scale (standard deviation,
// or 1) used for column j, and whether the column has a missing indicator.
// It returns an error if column j is not numeric.
func (e *Encoder) Standardisation(j int) (mean, scale float64, indicator bool, err error) {
	if j < 0 || j >= len(e.cols) {
		return 0, 0, false, fmt.Errorf("column %d out of range [0, %d)", j, len(e.cols))
	}
	ec := &e.cols[j]
	if !ec.numeric {
		return 0, 0, false, errors.New("column " + ec.name + " is not numeric")
	}
	return ec.mean, ec.scale, ec.indicator, nil
}

// KeptLevels returns the levels of text column j that have their own code,
// by code (code L is "other", L+1 "missing"). It returns an error if
// column j is not text.
func (e *Encoder) KeptLevels(j int) ([]string, error) {
	if j < 0 || j >= len(e.cols) {
		return nil, fmt.Errorf("column %d out of range [0, %d)", j, len(e.cols))
	}
	ec := &e.cols[j]
	if ec.numeric {
		return nil, errors.New("column " + ec.name + " is not text")
	}
	return append([]string(nil), ec.kept...), nil
}
