package model

// Numbers: what each awkward cell, column and reference becomes, and that
// no NaN or infinity reaches the encoder's output, the logistic regression
// or the k-NN. docs/RELIABILITY.md, "Numbers", lists these cases.

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// allFinite fails unless every value is finite.
func allFinite(t *testing.T, what string, xs []float64) {
	t.Helper()
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("%s[%d] = %v, want a finite value", what, i, x)
		}
	}
}

// TestNumberCells pins what each cell text is in a column whose other
// cells are numbers: a number (its value), missing, or text.
func TestNumberCells(t *testing.T) {
	t.Parallel()
	const (
		number = iota
		missing
		text
	)
	for _, tc := range []struct {
		cell string
		kind int
		val  float64 // for number
		inf  bool    // counted in NonFinite
	}{
		{"NaN", missing, 0, false},
		{"nan", missing, 0, false},
		{"NAN", missing, 0, false},
		{"+NaN", text, 0, false}, // not in the missing list; ParseFloat refuses a signed NaN
		{"-nan", text, 0, false},
		{"Inf", missing, 0, true},
		{"+Inf", missing, 0, true},
		{"-Inf", missing, 0, true},
		{"inf", missing, 0, true},
		{"Infinity", missing, 0, true},
		{"-infinity", missing, 0, true},
		{"1e400", missing, 0, true}, // overflow
		{"-1e400", missing, 0, true},
		{"1e-400", number, 0, false}, // underflow: 0
		{"4e-320", number, 4e-320, false},
		{"-0", number, 0, false},
		{"+5", number, 5, false},
		{".5", number, 0.5, false},
		{"5.", number, 5, false},
		{"1E+05", number, 1e5, false},
		{"1.7976931348623157e308", number, math.MaxFloat64, false},
		{"0x1p-2", text, 0, false}, // hexadecimal float: ParseFloat accepts it, fairflip does not
		{"0X1P-2", text, 0, false},
		{"0x1_0p0", text, 0, false},
		{"0x10", text, 0, false},
		{"1_000", text, 0, false}, // digit separators: ParseFloat accepts it, fairflip does not
		{"1,5", text, 0, false},
	} {
		for _, mode := range []string{"dictionary", "continuous", "bytes"} {
			// The continuous mode first adds more distinct numbers than
			// the builder keeps a dictionary for.
			var pre []string
			if mode == "continuous" {
				for i := 0; i <= numOnlyLevels; i++ {
					pre = append(pre, fmt.Sprint(i+10))
				}
			}
			vals := append(pre, "1", tc.cell, "2")
			var c Column
			if mode == "bytes" {
				c = buildBytes("x", false, vals...)
			} else {
				c = build("x", false, vals...)
			}
			at := len(pre) + 1
			name := fmt.Sprintf("%q (%s)", tc.cell, mode)
			switch tc.kind {
			case text:
				if c.Numeric {
					t.Errorf("%s: numeric column, want text", name)
				} else if c.Levels[c.Codes[at]] != tc.cell {
					t.Errorf("%s: level %q, want the cell as written", name, c.Levels[c.Codes[at]])
				}
				continue
			case missing:
				if !c.Numeric || !math.IsNaN(c.Num[at]) {
					t.Errorf("%s: numeric %v, value %v; want a numeric column with the cell missing", name, c.Numeric, c.Num)
				}
			case number:
				if !c.Numeric || c.Num[at] != tc.val {
					t.Errorf("%s: numeric %v; want the number %v", name, c.Numeric, tc.val)
				}
			}
			want := 0
			if tc.inf {
				want = 1
			}
			if c.NonFinite != want {
				t.Errorf("%s: NonFinite = %d, want %d", name, c.NonFinite, want)
			}
			for i, x := range c.Num {
				if math.IsInf(x, 0) {
					t.Errorf("%s: Num[%d] = %v", name, i, x)
				}
			}
		}
	}
	// -0 is the number zero, with its sign (it encodes as 0 all the same).
	if c := build("x", false, "-0", "1"); !c.Numeric || !math.Signbit(c.Num[0]) {
		t.Errorf("-0: %+v", c)
	}
}

// TestInfinityThenText: a continuous column with an infinity that later
// turns out to be text keeps the infinity as a level ("+Inf"), not as a
// missing cell, and counts nothing as non-finite.
func TestInfinityThenText(t *testing.T) {
	t.Parallel()
	var vals []string
	for i := 0; i <= numOnlyLevels; i++ {
		vals = append(vals, fmt.Sprint(i))
	}
	vals = append(vals, "-Infinity", "", "word")
	c := build("x", false, vals...)
	if c.Numeric || c.NonFinite != 0 {
		t.Fatalf("numeric %v NonFinite %d, want a text column", c.Numeric, c.NonFinite)
	}
	n := len(vals)
	if c.Levels[c.Codes[n-3]] != "-Inf" || c.Codes[n-2] != -1 || c.Levels[c.Codes[n-1]] != "word" {
		t.Errorf("last codes %v", c.Codes[n-3:])
	}
}

// TestEncoderNumbersFinite: whatever the column, the encoded features are
// finite, and the awkward columns encode as documented.
func TestEncoderNumbersFinite(t *testing.T) {
	t.Parallel()
	cols := []Column{
		build("inf", false, "1", "Inf", "3", "-1e400", "5", "7"),             // 0: Inf, 1e400 missing → indicator
		build("const", false, "4", "4", "4", "4", "4", "-3"),                 // 2: constant on the reference
		build("ctext", false, "a", "a", "a", "a", "a", "b"),                  // text, one level on the reference
		build("none", false, "", "NA", "", "?", "NaN", ""),                   // 3: all missing
		build("wide", false, "1e300", "1e-300", "-1e300", "0", "2e300", "1"), // 5: extreme magnitudes
		build("max", false, "1.7e308", "-1.7e308", "1.7e308", "-1.7e308", "0", "0"),
		build("tiny", false, "1e-310", "2e-310", "3e-310", "4e-310", "5e-310", "1e300"), // candidate far outside
	}
	ref := []int{0, 1, 2, 3, 4}
	e, err := FitEncoder(cols, ref, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := e.Encode(cols, []int{0, 1, 2, 3, 4, 5})
	allFinite(t, "Num", m.Num)
	names := e.FeatureNames()
	feat := func(name string) []float64 {
		for p, n := range names {
			if n == name {
				v := make([]float64, m.N)
				for i := range v {
					v[i] = m.Num[i*m.P+p]
				}
				return v
			}
		}
		t.Fatalf("no feature %q in %q", name, names)
		return nil
	}
	// inf: reference values 1, 3, 5 (mean 3, sd √(8/3)); Inf and -1e400 missing.
	if got := feat("inf:missing"); fmt.Sprint(got) != "[0 1 0 1 0 0]" {
		t.Errorf("inf:missing = %v", got)
	}
	if got, want := feat("inf")[5], 4/math.Sqrt(8.0/3); math.Abs(got-want) > 1e-12 {
		t.Errorf("inf row 5 = %v, want %v", got, want)
	}
	// const: no spread on the reference: 0 on every row, the -3 outside it too.
	if got := feat("const"); fmt.Sprint(got) != "[0 0 0 0 0 0]" {
		t.Errorf("const = %v", got)
	}
	// none: all missing: z = 0, indicator 1, on every row.
	if got := feat("none"); fmt.Sprint(got) != "[0 0 0 0 0 0]" {
		t.Errorf("none = %v", got)
	}
	if got := feat("none:missing"); fmt.Sprint(got) != "[1 1 1 1 1 1]" {
		t.Errorf("none:missing = %v", got)
	}
	// wide: reference 1e300, 1e-300, -1e300, 0, 2e300: mean 4e299,
	// deviations (0.6, −0.4, −1.4, −0.4, 1.6)e300, variance 1.04e600/1.
	wide := feat("wide")
	mean, scale, _, _ := e.Standardisation(4)
	if math.Abs(mean/4e299-1) > 1e-12 || math.Abs(scale/(math.Sqrt(1.04)*1e300)-1) > 1e-12 {
		t.Errorf("wide: mean %v scale %v, want 4e299 %v", mean, scale, math.Sqrt(1.04)*1e300)
	}
	for i, x := range []float64{0.6, -0.4, -1.4, -0.4, 1.6} {
		if want := x / math.Sqrt(1.04); math.Abs(wide[i]-want) > 1e-12 {
			t.Errorf("wide[%d] = %v, want %v", i, wide[i], want)
		}
	}
	// max: ±1.7e308 (their sum and squares overflow without rescaling).
	if got := feat("max"); math.Abs(got[0]-math.Sqrt(5.0/4)) > 1e-12 || math.Abs(got[1]+math.Sqrt(5.0/4)) > 1e-12 || got[4] != 0 {
		t.Errorf("max = %v", got)
	}
	// tiny: reference 1..5 × 1e-310 (subnormal: the squares underflow
	// without rescaling) standardises as 1..5 does; row 5 is 1e300, far
	// outside: clamped to MaxZ.
	tiny := feat("tiny")
	for i := 0; i < 5; i++ {
		if want := float64(i-2) / math.Sqrt2; math.Abs(tiny[i]-want) > 1e-9 {
			t.Errorf("tiny[%d] = %v, want %v", i, tiny[i], want)
		}
	}
	if tiny[5] != MaxZ {
		t.Errorf("tiny[5] = %v, want MaxZ", tiny[5])
	}
	// ctext: one kept level; "b" is "other".
	if lv, _ := e.KeptLevels(2); len(lv) != 1 || lv[0] != "a" || m.Cat[5*m.Q] != 1 {
		t.Errorf("ctext: kept %q, row 5 code %d", lv, m.Cat[5*m.Q])
	}

	// The k-NN and the logistic regression on these features stay finite.
	y := []bool{true, false, true, false, true}
	refM := e.Encode(cols, ref)
	cand := e.Encode(cols, []int{5, 0})
	for _, k := range []int{1, 2} {
		nb, err := NewKNN(refM).Query(cand, k, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range nb {
			for _, x := range l {
				if math.IsNaN(x.Dist) || math.IsInf(x.Dist, 0) {
					t.Fatalf("k=%d: distance %v", k, x.Dist)
				}
			}
		}
	}
	s, lr, err := RBProb(refM, y, cand, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	allFinite(t, "rb-prob", s.Primary)
	allFinite(t, "W", lr.W)
	if !lr.Converged {
		t.Errorf("not converged: %+v", lr)
	}
	for _, f := range []func(*Matrix, []bool, *Matrix, int, int) (*Scores, error){RBLabel, RBDist} {
		s, err := f(refM, y, cand, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		allFinite(t, "primary", s.Primary)
		allFinite(t, "secondary", s.Secondary)
	}
}

// TestEncoderOrdinaryUnitOne: columns within 2^±400 are standardised by
// the plain formula, bit for bit.
func TestEncoderOrdinaryUnitOne(t *testing.T) {
	t.Parallel()
	x := []float64{1e-100, 3e-100, 7e-100, 1e100, -2e100, 0.1, 39, 1e5}
	ref := []int{0, 1, 2, 3, 4, 5, 6, 7}
	mean, scale, unit := meanScale(x, ref)
	var sum float64
	for _, v := range x {
		sum += v
	}
	wantMean := sum / 8
	var ss, comp float64
	for _, v := range x {
		d := v - wantMean
		ss += d * d
		comp += d
	}
	wantScale := math.Sqrt((ss - comp*comp/8) / 8)
	if unit != 1 || mean != wantMean || scale != wantScale {
		t.Errorf("meanScale = %v %v %v, want %v %v 1", mean, scale, unit, wantMean, wantScale)
	}
}

// TestEncoderRefusesInfinity: a Column built by hand with an infinity is
// refused (ColumnBuilder never makes one).
func TestEncoderRefusesInfinity(t *testing.T) {
	t.Parallel()
	cols := []Column{{Name: "x", Numeric: true, Num: []float64{1, math.Inf(-1)}}}
	if _, err := FitEncoder(cols, []int{0}, EncoderOptions{}); err == nil || !strings.Contains(err.Error(), "infinite") {
		t.Errorf("err = %v", err)
	}
}

// separable returns n rows of one numeric feature, positive iff x > 0,
// with a gap of 2 around 0.
func separable(n int) (*Matrix, []bool) {
	m := &Matrix{N: n, P: 1, Num: make([]float64, n)}
	y := make([]bool, n)
	for i := range y {
		x := 1 + float64(i%7)/3
		if i%2 == 0 {
			x = -x
		}
		m.Num[i] = x
		y[i] = x > 0
	}
	return m, y
}

// TestSeparableConverges: on perfectly separable data the L2 penalty keeps
// the weights finite and the fit converges; with an iteration cap too
// small it stops with Converged = false and finite scores.
func TestSeparableConverges(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 10, 1000, 200000} {
		x, y := separable(n)
		for _, dense := range []bool{true, false} {
			opt := LogRegOptions{}
			if !dense {
				opt.maxDense = -1
			}
			m, err := FitLogReg(x, y, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Converged || m.Iter >= 1000 {
				t.Errorf("n=%d dense=%v: converged %v after %d iterations", n, dense, m.Converged, m.Iter)
			}
			if (m.chol != nil) != dense {
				t.Errorf("n=%d dense=%v: the fit took the other path", n, dense)
			}
			allFinite(t, "W", append(m.W, m.B, m.GradNorm, m.Objective))
			// ‖w‖² ≤ 2·f(0) = 2·n·log 2 bounds the weight.
			if w := m.W[0]; !(w > 0) || w*w > 2*float64(n)*math.Ln2 {
				t.Errorf("n=%d: w = %v", n, w)
			}
			p, _ := m.Probs(x)
			allFinite(t, "p", p)
			for i, pi := range p {
				if (pi > 0.5) != y[i] {
					t.Fatalf("n=%d: row %d p=%v, label %v", n, i, pi, y[i])
				}
			}
		}
	}
	x, y := separable(1000)
	m, err := FitLogReg(x, y, LogRegOptions{MaxIter: 1, C: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if m.Converged || m.Iter != 1 {
		t.Errorf("MaxIter 1: converged %v iter %d", m.Converged, m.Iter)
	}
	allFinite(t, "W", append(m.W, m.B))
	p, _ := m.Probs(x)
	allFinite(t, "p", p)
}

// TestSingleClassReference: every reference label the same.
func TestSingleClassReference(t *testing.T) {
	t.Parallel()
	ref, _ := lineRef()
	cand := lineCand()
	for _, positive := range []bool{false, true} {
		y := make([]bool, ref.N)
		for i := range y {
			y[i] = positive
		}
		want := 0.0
		if positive {
			want = 1
		}
		s, lr, err := RBProb(ref, y, cand, LogRegOptions{})
		if err != nil || lr != nil {
			t.Fatalf("RBProb: %v, model %v", err, lr)
		}
		for i := range s.Primary {
			if s.Primary[i] != want || s.Secondary[i] != want || s.Positive[i] != positive {
				t.Errorf("RBProb positive=%v row %d: %v %v %v", positive, i, s.Primary[i], s.Secondary[i], s.Positive[i])
			}
		}
		sl, err := RBLabel(ref, y, cand, 3, 1)
		if err != nil {
			t.Fatal(err)
		}
		sd, errD := RBDist(ref, y, cand, 3, 1)
		for i := range sl.Primary {
			if sl.Primary[i] != 3*want || sl.Positive[i] != positive {
				t.Errorf("RBLabel positive=%v row %d: %v %v", positive, i, sl.Primary[i], sl.Positive[i])
			}
			if !positive && sl.Secondary[i] != 0 {
				t.Errorf("RBLabel all negative row %d: secondary %v", i, sl.Secondary[i])
			}
		}
		if positive {
			if errD != nil {
				t.Fatal(errD)
			}
			// The distance to the nearest positives is the distance to
			// the nearest rows: RB-label's secondary score.
			for i := range sd.Primary {
				if sd.Primary[i] != sl.Secondary[i] || sd.Secondary[i] != 3 || !sd.Positive[i] {
					t.Errorf("RBDist all positive row %d: %v %v %v", i, sd.Primary[i], sd.Secondary[i], sd.Positive[i])
				}
			}
		} else {
			// No positive row: the distance to them is undefined, and
			// every candidate scores 0, as RB-label's candidates do.
			if errD != nil {
				t.Fatal(errD)
			}
			for i := range sd.Primary {
				if sd.Primary[i] != 0 || sd.Secondary[i] != 0 || sd.Positive[i] {
					t.Errorf("RBDist all negative row %d: %v %v %v", i, sd.Primary[i], sd.Secondary[i], sd.Positive[i])
				}
			}
		}
	}
}

// TestSingleReferenceRow: one reference row is a single class; k > 1
// searches it whole, as k = 1 does.
func TestSingleReferenceRow(t *testing.T) {
	t.Parallel()
	ref := &Matrix{N: 1, P: 1, Num: []float64{0.5}}
	cand := &Matrix{N: 2, P: 1, Num: []float64{0, 9}}
	s, _, err := RBProb(ref, []bool{true}, cand, LogRegOptions{})
	if err != nil || s.Primary[0] != 1 || s.Primary[1] != 1 {
		t.Errorf("RBProb: %v %v", s, err)
	}
	for _, k := range []int{1, 2, 10} {
		if s, err := RBLabel(ref, []bool{true}, cand, k, 1); err != nil || s.Primary[0] != 1 || s.Secondary[0] != -0.5 || s.Secondary[1] != -8.5 || !s.Positive[0] {
			t.Errorf("RBLabel k=%d: %+v %v", k, s, err)
		}
	}
	// A single candidate.
	s, _, err = RBProb(ref, []bool{false}, &Matrix{N: 1, P: 1, Num: []float64{3}}, LogRegOptions{})
	if err != nil || len(s.Primary) != 1 || s.Primary[0] != 0 || s.Positive[0] {
		t.Errorf("RBProb one candidate: %+v %v", s, err)
	}
}
