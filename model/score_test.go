package model

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// lineRef is a 1-D reference set (one numeric feature, used as is):
//
//	index  0  1  2  3  4  5   6   7
//	x      0  1  2  3  4  10  11  12
//	label  −  +  +  +  −  +   −   −
//
// positives x = 1, 2, 3, 10; negatives x = 0, 4, 11, 12.
func lineRef() (*Matrix, []bool) {
	ref := &Matrix{N: 8, P: 1, Num: []float64{0, 1, 2, 3, 4, 10, 11, 12}}
	y := []bool{false, true, true, true, false, true, false, false}
	return ref, y
}

// lineCand are the candidates of the hand computation below.
func lineCand() *Matrix {
	return &Matrix{N: 5, P: 1, Num: []float64{1.5, 11.5, 3.5, 6, 8}}
}

// Hand computation, k = 3 (distances |x − c|):
//
//	c = 1.5:  all: 1.5 .5 .5 1.5 2.5 8.5 9.5 10.5 → nearest idx 1(+) 2(+) and,
//	          of the tie at 1.5 between idx 0(−) and idx 3(+), the lower
//	          index 0(−): count 2 (> 1.5: positive).
//	          positives .5 .5 1.5 8.5 → mean of 3 = 2.5/3;
//	          negatives 1.5 2.5 9.5 10.5 → mean of 3 = 13.5/3.
//	c = 11.5: nearest idx 6(−) 7(−) 5(+) (.5 .5 1.5): count 1.
//	          positives 10.5 9.5 8.5 1.5 → 1.5+8.5+9.5 = 19.5/3;
//	          negatives 11.5 7.5 .5 .5 → .5+.5+7.5 = 8.5/3.
//	c = 3.5:  nearest idx 3(+) 4(−) (.5 .5), then idx 2(+) (1.5): count 2.
//	          positives 2.5 1.5 .5 6.5 → 4.5/3; negatives 3.5 .5 7.5 8.5 → 11.5/3.
//	c = 6:    all: 6 5 4 3 2 4 5 6 → idx 4(−) 2, idx 3(+) 3, tie at 4
//	          between idx 2(+) and 5(+) → 2: count 2.
//	          positives 5 4 3 4 → 3+4+4 = 11/3; negatives 6 2 5 6 → 2+5+6 = 13/3.
//	c = 8:    all: 8 7 6 5 4 2 3 4 → idx 5(+) 2, idx 6(−) 3, tie at 4
//	          between idx 4(−) and 7(−) → 4: count 1.
//	          positives 7 6 5 2 → 2+5+6 = 13/3; negatives 8 4 3 4 → 3+4+4 = 11/3.
var (
	lineCount   = []float64{2, 1, 2, 2, 1}
	lineMeanPos = []float64{2.5 / 3, 19.5 / 3, 4.5 / 3, 11.0 / 3, 13.0 / 3}
	lineMeanNeg = []float64{13.5 / 3, 8.5 / 3, 11.5 / 3, 13.0 / 3, 11.0 / 3}
)

func closeSlices(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func neg(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = -v
	}
	return y
}

func TestRBLabelHand(t *testing.T) {
	t.Parallel()
	ref, y := lineRef()
	for _, workers := range []int{1, 3} {
		s, err := RBLabel(ref, y, lineCand(), 3, workers)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Primary, lineCount) {
			t.Errorf("Primary = %v, want %v", s.Primary, lineCount)
		}
		if want := neg(lineMeanPos); !closeSlices(s.Secondary, want, 1e-12) {
			t.Errorf("Secondary = %v, want %v", s.Secondary, want)
		}
		if want := []bool{true, false, true, true, false}; !reflect.DeepEqual(s.Positive, want) {
			t.Errorf("Positive = %v, want %v", s.Positive, want)
		}
	}
	// k = 2 at c = 3.5: idx 3(+) and 4(−): count 1, not more than half.
	s, err := RBLabel(ref, y, &Matrix{N: 1, P: 1, Num: []float64{3.5}}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Primary[0] != 1 || s.Positive[0] {
		t.Errorf("k=2: count %v positive %v, want 1 false", s.Primary[0], s.Positive[0])
	}
}

func TestRBDistHand(t *testing.T) {
	t.Parallel()
	ref, y := lineRef()
	for _, workers := range []int{1, 3} {
		s, err := RBDist(ref, y, lineCand(), 3, workers)
		if err != nil {
			t.Fatal(err)
		}
		if want := neg(lineMeanPos); !closeSlices(s.Primary, want, 1e-12) {
			t.Errorf("Primary = %v, want %v", s.Primary, want)
		}
		if !reflect.DeepEqual(s.Secondary, lineCount) {
			t.Errorf("Secondary = %v, want %v", s.Secondary, lineCount)
		}
		want := make([]bool, len(lineMeanPos))
		for i := range want {
			want[i] = lineMeanPos[i] < lineMeanNeg[i]
		}
		// Spelled out: 2.5 < 13.5, 19.5 > 8.5, 4.5 < 11.5, 11 < 13, 13 > 11.
		if !reflect.DeepEqual(want, []bool{true, false, true, true, false}) {
			t.Fatal("bad hand computation")
		}
		if !reflect.DeepEqual(s.Positive, want) {
			t.Errorf("Positive = %v, want %v", s.Positive, want)
		}
	}
}

func TestScorersCategorical(t *testing.T) {
	t.Parallel()
	// One text feature, no numeric: distance √2 between different codes.
	// Reference codes 0(+) 0(+) 1(−) 1(−) 2(+); candidate code 1.
	// k=2 nearest: idx 2, 3 (both −, distance 0) → count 0.
	// nearest positives: all at √2 → mean √2; negatives at 0 → mean 0.
	ref := &Matrix{N: 5, Q: 1, Card: []int{3}, Cat: []int32{0, 0, 1, 1, 2}}
	y := []bool{true, true, false, false, true}
	cand := &Matrix{N: 1, Q: 1, Card: []int{3}, Cat: []int32{1}}
	s, err := RBDist(ref, y, cand, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.Primary[0]+math.Sqrt2) > 1e-15 || s.Secondary[0] != 0 || s.Positive[0] {
		t.Errorf("RBDist = %+v", s)
	}
}

func TestScorerErrors(t *testing.T) {
	t.Parallel()
	ref, y := lineRef() // 8 rows, 4 positive, 4 negative
	cand := lineCand()
	check := func(name string, err error, msg string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want one containing %q", name, err, msg)
		}
	}
	_, err := RBLabel(ref, y, cand, 0, 1)
	check("RBLabel k=0", err, "at least 1")
	_, err = RBDist(ref, y, cand, -1, 1)
	check("RBDist k=-1", err, "at least 1")
	_, err = RBLabel(ref, y[:3], cand, 1, 1)
	check("labels", err, "3 labels for 8 reference rows")
	_, _, err = RBProb(ref, y, &Matrix{N: 1, P: 2, Num: []float64{1, 2}}, LogRegOptions{})
	check("RBProb shape", err, "features")
	_, err = RBLabel(&Matrix{P: 1}, nil, cand, 1, 1)
	check("no reference", err, "no reference rows")
}

// TestKNNFewerRowsThanK: a reference with fewer rows (positive rows,
// negative rows) than k is searched whole, by hand on lineRef: the k
// asked beyond the rows there are changes nothing.
func TestKNNFewerRowsThanK(t *testing.T) {
	t.Parallel()
	ref, y := lineRef() // x 0 1 2 3 4 10 11 12; positive at 1 2 3 10
	cand := lineCand()  // 1.5 11.5 3.5 6 8
	// RB-label, k = 9 > 8 rows: the count is over every row, 4 for every
	// candidate, not more than half of 8; the tie-break is the mean
	// distance to all 4 positive rows.
	posX := []float64{1, 2, 3, 10}
	meanTo := func(c float64, xs []float64) float64 {
		var s float64
		for _, x := range xs {
			s += math.Abs(c - x)
		}
		return s / float64(len(xs))
	}
	for _, k := range []int{9, 100} {
		s, err := RBLabel(ref, y, cand, k, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < cand.N; i++ {
			c := cand.Num[i]
			if s.Primary[i] != 4 || s.Positive[i] || math.Abs(s.Secondary[i]+meanTo(c, posX)) > 1e-12 {
				t.Errorf("RBLabel k=%d candidate %v: %v %v %v", k, c, s.Primary[i], s.Secondary[i], s.Positive[i])
			}
		}
	}
	// RB-label, k = 5: 5 of 8 rows, but only 4 positive for the tie-break.
	s, err := RBLabel(ref, y, cand, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	// c = 1.5: nearest five 1 2 0 3 4 → positive 1 2 3: count 3 > 2.5.
	if s.Primary[0] != 3 || !s.Positive[0] || math.Abs(s.Secondary[0]+meanTo(1.5, posX)) > 1e-12 {
		t.Errorf("RBLabel k=5 candidate 1.5: %v %v %v", s.Primary[0], s.Secondary[0], s.Positive[0])
	}
	// RB-dist with 5 positive and 3 negative rows, k = 4: the mean over
	// the 4 nearest positives, and over all 3 negatives.
	y5 := []bool{false, true, true, true, true, true, false, false} // x 1 2 3 4 10 positive; 0 11 12 negative
	d, err := RBDist(ref, y5, cand, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	// c = 8: positives at 7 6 5 4 2 → 4 nearest 2 4 5 6 = 17/4; negatives 8 3 4 → 15/3 = 5.
	if i := 4; math.Abs(d.Primary[i]+17.0/4) > 1e-12 || !d.Positive[i] {
		t.Errorf("RBDist k=4 candidate 8: %v %v", d.Primary[i], d.Positive[i])
	}
	// One positive row, k = 2: the distance to it.
	y1 := []bool{true, false, false, false, false, false, false, false}
	d, err = RBDist(ref, y1, cand, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cand.N; i++ {
		if c := cand.Num[i]; d.Primary[i] != -c {
			t.Errorf("RBDist one positive, candidate %v: %v, want %v", c, d.Primary[i], -c)
		}
	}
}

func TestRBProb(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 16))
	ref := randMatrix(rng, 200, 2, []int{3}, false)
	y := noisyLabels(rng, ref, 1.5)
	cand := randMatrix(rng, 30, 2, []int{3}, false)
	opt := LogRegOptions{C: 0.7}
	s, m, err := RBProb(ref, y, cand, opt)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := FitLogReg(ref, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Error("RBProb's model differs from FitLogReg's")
	}
	for i := 0; i < cand.N; i++ {
		p := m2.Prob(cand, i)
		if s.Primary[i] != p || s.Secondary[i] != p || s.Positive[i] != (p > 0.5) {
			t.Errorf("row %d: %v %v %v, want %v %v %v", i, s.Primary[i], s.Secondary[i], s.Positive[i], p, p, p > 0.5)
		}
	}
}
