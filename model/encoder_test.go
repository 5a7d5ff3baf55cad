package model

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestEncoderNumeric(t *testing.T) {
	t.Parallel()
	cols := []Column{
		build("age", false, "1", "2", "3", "6", "100"),         // ref rows 0..3; row 4 outside
		build("const", false, "0.1", "0.1", "0.1", "0.1", "5"), // constant on ref
		build("gap", false, "2", "", "4", "NA", "7"),           // missing in ref
		build("late", false, "1", "3", "1", "3", ""),           // missing only outside ref
		build("none", false, "", "", "", "", "5"),              // no ref value
	}
	ref := []int{0, 1, 2, 3}
	e, err := FitEncoder(cols, ref, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// age on ref: mean = 12/4 = 3; deviations -2,-1,0,3; population
	// variance = (4+1+0+9)/4 = 3.5; sd = √3.5.
	// const: no spread on ref → z = 0 on every row (mean 0.1, scale 1 reported).
	// gap: ref values 2, 4: mean 3, sd 1; has missing → indicator.
	// late: ref values 1,3,1,3: mean 2, sd 1; row 4 missing → indicator.
	// none: no ref value → z = 0 on every row (mean 0, scale 1); has missing → indicator.
	wantNames := []string{"age", "const", "gap", "gap:missing", "late", "late:missing", "none", "none:missing"}
	if got := e.FeatureNames(); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("FeatureNames = %q, want %q", got, wantNames)
	}
	s := math.Sqrt(3.5)
	want := [][]float64{
		{-2 / s, 0, -1, 0, -1, 0, 0, 1},
		{-1 / s, 0, 0, 1, 1, 0, 0, 1},
		{0, 0, 1, 0, -1, 0, 0, 1},
		{3 / s, 0, 0, 1, 1, 0, 0, 1},
		{97 / s, 0, 4, 0, 0, 1, 0, 0},
	}
	m := e.Encode(cols, []int{0, 1, 2, 3, 4})
	if m.N != 5 || m.P != 8 || m.Q != 0 {
		t.Fatalf("shape N=%d P=%d Q=%d, want 5 8 0", m.N, m.P, m.Q)
	}
	for i, row := range want {
		for p, w := range row {
			if got := m.Num[i*m.P+p]; math.Abs(got-w) > 1e-12 {
				t.Errorf("row %d feature %s = %v, want %v", i, wantNames[p], got, w)
			}
		}
	}
	if mean, scale, ind, err := e.Standardisation(0); err != nil || mean != 3 || math.Abs(scale-s) > 1e-15 || ind {
		t.Errorf("Standardisation(0) = %v %v %v %v", mean, scale, ind, err)
	}
	if mean, scale, _, _ := e.Standardisation(1); mean != 0.1 || scale != 1 {
		t.Errorf("constant column: mean %v scale %v, want 0.1 1", mean, scale)
	}
	// Row order of Encode follows rows.
	m2 := e.Encode(cols, []int{4, 0})
	if m2.Num[0] != m.Num[4*m.P] || m2.Num[m2.P] != m.Num[0] {
		t.Errorf("Encode does not follow the row order")
	}
}

func TestEncoderNoIndicatorWithoutMissing(t *testing.T) {
	t.Parallel()
	cols := []Column{build("x", false, "1", "2", "3")}
	e, err := FitEncoder(cols, []int{0, 1}, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.FeatureNames(); !reflect.DeepEqual(got, []string{"x"}) {
		t.Errorf("FeatureNames = %q, want [x]", got)
	}
	if p, card := e.Shape(); p != 1 || len(card) != 0 {
		t.Errorf("Shape = %d %v, want 1 []", p, card)
	}
}

func TestEncoderText(t *testing.T) {
	t.Parallel()
	// Levels in first-seen order: a b c d e. Counts on the reference rows
	// 0..7: a 2 (rows 0, 5), b 3 (rows 1, 3, 6), c 2 (rows 2, 4), d 1
	// (row 7); e occurs only outside the reference. With MaxLevels 2 the
	// kept levels are b (most frequent), then a (tied with c, but seen
	// first).
	vals := []string{"a", "b", "c", "b", "c", "a", "b", "d", "e", "", "c", "b"}
	cols := []Column{build("col", false, vals...)}
	ref := []int{0, 1, 2, 3, 4, 5, 6, 7}
	e, err := FitEncoder(cols, ref, EncoderOptions{MaxLevels: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"col=b", "col=a", "col=(other)", "col=(missing)"}
	if got := e.FeatureNames(); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("FeatureNames = %q, want %q", got, wantNames)
	}
	all := make([]int, len(vals))
	for i := range all {
		all[i] = i
	}
	m := e.Encode(cols, all)
	if m.P != 0 || m.Q != 1 || !reflect.DeepEqual(m.Card, []int{4}) {
		t.Fatalf("shape P=%d Q=%d Card=%v, want 0 1 [4]", m.P, m.Q, m.Card)
	}
	// a→1, b→0, c→other 2, d→other 2, e (not in ref)→other 2, missing→3.
	wantCodes := []int32{1, 0, 2, 0, 2, 1, 0, 2, 2, 3, 2, 0}
	if !reflect.DeepEqual(m.Cat, wantCodes) {
		t.Errorf("codes = %v, want %v", m.Cat, wantCodes)
	}

	// Default MaxLevels keeps every level present in the reference, most
	// frequent first (b 3; a 2, c 2 in first-seen order; d 1); e is never
	// in the reference and so is "other".
	e, err = FitEncoder(cols, ref, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := e.KeptLevels(0)
	if !reflect.DeepEqual(kept, []string{"b", "a", "c", "d"}) {
		t.Errorf("kept levels = %q, want [b a c d]", kept)
	}
	m = e.Encode(cols, all)
	wantCodes = []int32{1, 0, 2, 0, 2, 1, 0, 3, 4, 5, 2, 0}
	if !reflect.DeepEqual(m.Cat, wantCodes) || m.Card[0] != 6 {
		t.Errorf("codes = %v card %v, want %v card 6", m.Cat, m.Card, wantCodes)
	}
}

func TestEncoderUnseenLevelOtherTable(t *testing.T) {
	t.Parallel()
	// Fit on one table, encode another whose level list differs: levels are
	// matched by text, unseen ones go to "other".
	fit := []Column{build("c", false, "x", "y", "x")}
	e, err := FitEncoder(fit, []int{0, 1, 2}, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := []Column{build("c", false, "z", "y", "", "x")}
	m := e.Encode(other, []int{0, 1, 2, 3})
	// kept: x (2) code 0, y (1) code 1; other 2; missing 3.
	if want := []int32{2, 1, 3, 0}; !reflect.DeepEqual(m.Cat, want) {
		t.Errorf("codes = %v, want %v", m.Cat, want)
	}
}

func TestEncoderMixedLayout(t *testing.T) {
	t.Parallel()
	cols := []Column{
		build("t1", false, "u", "v", "u"),
		build("n1", false, "1", "", "3"),
		build("t2", false, "p", "p", "q"),
		build("n2", false, "5", "6", "7"),
	}
	e, err := FitEncoder(cols, []int{0, 1, 2}, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"n1", "n1:missing", "n2", "t1=u", "t1=v", "t1=(other)", "t1=(missing)", "t2=p", "t2=q", "t2=(other)", "t2=(missing)"}
	if got := e.FeatureNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("FeatureNames = %q, want %q", got, want)
	}
	m := e.Encode(cols, []int{0, 1, 2})
	if m.Width() != len(want) || m.Expand().RawMatrix().Cols != len(want) {
		t.Errorf("width %d, want %d", m.Width(), len(want))
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if want := []int32{0, 0, 1, 0, 0, 1}; !reflect.DeepEqual(m.Cat, want) {
		t.Errorf("codes = %v, want %v", m.Cat, want)
	}
}

func TestEncoderErrors(t *testing.T) {
	t.Parallel()
	a := build("a", false, "1", "2")
	b := build("b", false, "1", "2", "3")
	for _, tc := range []struct {
		cols []Column
		ref  []int
		opt  EncoderOptions
		msg  string
	}{
		{[]Column{a, b}, []int{0}, EncoderOptions{}, "rows"},
		{[]Column{a}, []int{2}, EncoderOptions{}, "out of range"},
		{[]Column{a}, []int{-1}, EncoderOptions{}, "out of range"},
		{[]Column{a}, []int{0}, EncoderOptions{MaxLevels: -1}, "levels"},
		{[]Column{{Name: "inf", Numeric: true, Num: []float64{math.Inf(1)}}}, []int{0}, EncoderOptions{}, "infinite"},
		{[]Column{{Name: "bad", Codes: []int32{3}, Levels: []string{"x"}}}, []int{0}, EncoderOptions{}, "code"},
	} {
		_, err := FitEncoder(tc.cols, tc.ref, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("FitEncoder(%v): error %v, want one mentioning %q", tc.ref, err, tc.msg)
		}
	}
	e, err := FitEncoder([]Column{a}, []int{0, 1}, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Check([]Column{build("a", false, "x")}); err == nil {
		t.Error("Check accepted a text column where a numeric one was fitted")
	}
	if err := e.Check([]Column{a, a}); err == nil {
		t.Error("Check accepted the wrong number of columns")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Encode with an out-of-range row did not panic")
			}
		}()
		e.Encode([]Column{a}, []int{5})
	}()
}
