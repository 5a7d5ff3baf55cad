package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

const tol = 1e-12

// same reports whether got and want are both NaN or within tol of each other.
func same(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

func checkFloat(t *testing.T, name string, got, want float64) {
	t.Helper()
	if !same(got, want) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func checkStats(t *testing.T, name string, got, want GroupStats) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("%s.N = %d, want %d", name, got.N, want.N)
	}
	checkFloat(t, name+".BaseRate", got.BaseRate, want.BaseRate)
	checkFloat(t, name+".PositiveRate", got.PositiveRate, want.PositiveRate)
	checkFloat(t, name+".TPR", got.TPR, want.TPR)
	checkFloat(t, name+".FPR", got.FPR, want.FPR)
	checkFloat(t, name+".Error", got.Error, want.Error)
}

func checkReport(t *testing.T, got, want Report) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("N = %d, want %d", got.N, want.N)
	}
	checkFloat(t, "Error", got.Error, want.Error)
	checkFloat(t, "Accuracy", got.Accuracy, want.Accuracy)
	checkFloat(t, "SP", got.SP, want.SP)
	checkFloat(t, "EqOdMean", got.EqOdMean, want.EqOdMean)
	checkFloat(t, "EqOdMax", got.EqOdMax, want.EqOdMax)
	checkFloat(t, "TPRGap", got.TPRGap, want.TPRGap)
	checkFloat(t, "FPRGap", got.FPRGap, want.FPRGap)
	checkStats(t, "Minority", got.Minority, want.Minority)
	checkStats(t, "Majority", got.Majority, want.Majority)
}

// rows builds the rows of the confusion table c, all in group g.
func rows(c Confusion, g Group) (yTrue, yPred []bool, group []Group) {
	add := func(n int, y, p bool) {
		for range n {
			yTrue = append(yTrue, y)
			yPred = append(yPred, p)
			group = append(group, g)
		}
	}
	add(c.TP, true, true)
	add(c.FP, false, true)
	add(c.TN, false, false)
	add(c.FN, true, false)
	return
}

// build concatenates the rows of several (table, group) pairs and shuffles
// them with a fixed seed, so that no result can depend on row order.
func build(parts ...struct {
	c Confusion
	g Group
}) (yTrue, yPred []bool, group []Group) {
	for _, p := range parts {
		y, q, g := rows(p.c, p.g)
		yTrue = append(yTrue, y...)
		yPred = append(yPred, q...)
		group = append(group, g...)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(yTrue), func(i, j int) {
		yTrue[i], yTrue[j] = yTrue[j], yTrue[i]
		yPred[i], yPred[j] = yPred[j], yPred[i]
		group[i], group[j] = group[j], group[i]
	})
	return
}

type part = struct {
	c Confusion
	g Group
}

func mustEvaluate(t *testing.T, yTrue, yPred []bool, group []Group) Report {
	t.Helper()
	r, err := Evaluate(yTrue, yPred, group)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return r
}

// TestHandComputed checks every metric against a hand computation.
func TestHandComputed(t *testing.T) {
	t.Parallel()
	// minority: TP=3 FP=1 TN=4 FN=2, n = 10
	//   base rate     (3+2)/10 = 1/2
	//   positive rate (3+1)/10 = 2/5
	//   TPR 3/(3+2) = 3/5, FPR 1/(1+4) = 1/5, error (1+2)/10 = 3/10
	// majority: TP=6 FP=2 TN=9 FN=1, n = 18
	//   base rate     (6+1)/18 = 7/18
	//   positive rate (6+2)/18 = 4/9
	//   TPR 6/(6+1) = 6/7, FPR 2/(2+9) = 2/11, error (2+1)/18 = 1/6
	// neither group: one FN, one TN (and, with group value 7, one TP, which
	// must also count as "neither")
	// overall: TP=3+6+1=10 FP=1+2=3 TN=4+9+1=14 FN=2+1+1=4, n = 31
	//   error (3+4)/31 = 7/31, accuracy (10+14)/31 = 24/31
	// SP       |2/5 − 4/9| = |18/45 − 20/45| = 2/45
	// TPRGap   3/5 − 6/7  = 21/35 − 30/35  = −9/35
	// FPRGap   1/5 − 2/11 = 11/55 − 10/55  = 1/55
	// EqOdMean ½(9/35 + 1/55) = ½(99/385 + 7/385) = 53/385
	// EqOdMax  max(9/35, 1/55) = 9/35
	yTrue, yPred, group := build(
		part{Confusion{TP: 3, FP: 1, TN: 4, FN: 2}, GroupMinority},
		part{Confusion{TP: 6, FP: 2, TN: 9, FN: 1}, GroupMajority},
		part{Confusion{FN: 1, TN: 1}, GroupNone},
		part{Confusion{TP: 1}, Group(7)},
	)
	got := mustEvaluate(t, yTrue, yPred, group)
	want := Report{
		N:        31,
		Error:    7.0 / 31,
		Accuracy: 24.0 / 31,
		SP:       2.0 / 45,
		EqOdMean: 53.0 / 385,
		EqOdMax:  9.0 / 35,
		TPRGap:   -9.0 / 35,
		FPRGap:   1.0 / 55,
		Minority: GroupStats{N: 10, BaseRate: 1.0 / 2, PositiveRate: 2.0 / 5, TPR: 3.0 / 5, FPR: 1.0 / 5, Error: 3.0 / 10},
		Majority: GroupStats{N: 18, BaseRate: 7.0 / 18, PositiveRate: 4.0 / 9, TPR: 6.0 / 7, FPR: 2.0 / 11, Error: 1.0 / 6},
	}
	checkReport(t, got, want)

	// The same tables through ConfusionOf and the Confusion methods.
	cases := []struct {
		g    Group
		want Confusion
	}{
		{GroupMinority, Confusion{TP: 3, FP: 1, TN: 4, FN: 2}},
		{GroupMajority, Confusion{TP: 6, FP: 2, TN: 9, FN: 1}},
		{GroupNone, Confusion{TP: 1, TN: 1, FN: 1}},
	}
	for _, tc := range cases {
		if c := ConfusionOf(yTrue, yPred, InGroup(group, tc.g)); c != tc.want {
			t.Errorf("ConfusionOf(%v) = %+v, want %+v", tc.g, c, tc.want)
		}
	}
	all := ConfusionOf(yTrue, yPred, nil)
	if want := (Confusion{TP: 10, FP: 3, TN: 14, FN: 4}); all != want {
		t.Errorf("ConfusionOf(nil) = %+v, want %+v", all, want)
	}
	if all.N() != 31 {
		t.Errorf("N() = %d, want 31", all.N())
	}
	checkFloat(t, "BaseRate()", all.BaseRate(), 14.0/31)
	checkFloat(t, "PositiveRate()", all.PositiveRate(), 13.0/31)
	checkFloat(t, "TPR()", all.TPR(), 10.0/14)
	checkFloat(t, "FPR()", all.FPR(), 3.0/17)
	checkFloat(t, "Error()", all.Error(), 7.0/31)
	checkFloat(t, "Accuracy()", all.Accuracy(), 24.0/31)
}

func nanStats(n int) GroupStats {
	nan := math.NaN()
	return GroupStats{N: n, BaseRate: nan, PositiveRate: nan, TPR: nan, FPR: nan, Error: nan}
}

func TestEmptyGroup(t *testing.T) {
	t.Parallel()
	// Only majority rows (TP=2 FP=1 TN=3 FN=1) and one row in neither group
	// (TN). Majority: base 3/7, positive 3/7, TPR 2/3, FPR 1/4, error 2/7.
	// Overall n = 8, error 2/8, accuracy 6/8. Minority empty: every group
	// metric undefined.
	yTrue, yPred, group := build(
		part{Confusion{TP: 2, FP: 1, TN: 3, FN: 1}, GroupMajority},
		part{Confusion{TN: 1}, GroupNone},
	)
	got := mustEvaluate(t, yTrue, yPred, group)
	nan := math.NaN()
	checkReport(t, got, Report{
		N: 8, Error: 2.0 / 8, Accuracy: 6.0 / 8,
		SP: nan, EqOdMean: nan, EqOdMax: nan, TPRGap: nan, FPRGap: nan,
		Minority: nanStats(0),
		Majority: GroupStats{N: 7, BaseRate: 3.0 / 7, PositiveRate: 3.0 / 7, TPR: 2.0 / 3, FPR: 1.0 / 4, Error: 2.0 / 7},
	})

	// And the other way round: only minority rows.
	yTrue, yPred, group = build(part{Confusion{TP: 1, TN: 1}, GroupMinority})
	got = mustEvaluate(t, yTrue, yPred, group)
	checkReport(t, got, Report{
		N: 2, Error: 0, Accuracy: 1,
		SP: nan, EqOdMean: nan, EqOdMax: nan, TPRGap: nan, FPRGap: nan,
		Minority: GroupStats{N: 2, BaseRate: 1.0 / 2, PositiveRate: 1.0 / 2, TPR: 1, FPR: 0, Error: 0},
		Majority: nanStats(0),
	})
}

func TestNoPositiveLabels(t *testing.T) {
	t.Parallel()
	// Minority: FP=2 TN=3, no positive true labels: base 0, positive 2/5,
	// TPR 0/0 undefined, FPR 2/5, error 2/5.
	// Majority: TP=4 FP=1 TN=4 FN=1, n = 10: base 1/2, positive 1/2,
	// TPR 4/5, FPR 1/5, error 1/5.
	// SP |2/5 − 1/2| = 1/10; FPRGap 2/5 − 1/5 = 1/5; TPRGap, EqOd undefined.
	// Overall n = 15, error (3+1)/15 = 4/15, accuracy 11/15.
	yTrue, yPred, group := build(
		part{Confusion{FP: 2, TN: 3}, GroupMinority},
		part{Confusion{TP: 4, FP: 1, TN: 4, FN: 1}, GroupMajority},
	)
	got := mustEvaluate(t, yTrue, yPred, group)
	nan := math.NaN()
	checkReport(t, got, Report{
		N: 15, Error: 4.0 / 15, Accuracy: 11.0 / 15,
		SP: 1.0 / 10, EqOdMean: nan, EqOdMax: nan, TPRGap: nan, FPRGap: 1.0 / 5,
		Minority: GroupStats{N: 5, BaseRate: 0, PositiveRate: 2.0 / 5, TPR: nan, FPR: 2.0 / 5, Error: 2.0 / 5},
		Majority: GroupStats{N: 10, BaseRate: 1.0 / 2, PositiveRate: 1.0 / 2, TPR: 4.0 / 5, FPR: 1.0 / 5, Error: 1.0 / 5},
	})
}

func TestNoNegativeLabels(t *testing.T) {
	t.Parallel()
	// Majority has only positive true labels (TP=3 FN=1): FPR undefined,
	// TPR 3/4. Minority TP=1 FP=1 TN=1 FN=1: TPR 1/2, FPR 1/2.
	// SP |2/4 − 3/4| = 1/4, TPRGap 1/2 − 3/4 = −1/4, FPRGap and EqOd undefined.
	yTrue, yPred, group := build(
		part{Confusion{TP: 1, FP: 1, TN: 1, FN: 1}, GroupMinority},
		part{Confusion{TP: 3, FN: 1}, GroupMajority},
	)
	got := mustEvaluate(t, yTrue, yPred, group)
	nan := math.NaN()
	checkReport(t, got, Report{
		N: 8, Error: 3.0 / 8, Accuracy: 5.0 / 8,
		SP: 1.0 / 4, EqOdMean: nan, EqOdMax: nan, TPRGap: -1.0 / 4, FPRGap: nan,
		Minority: GroupStats{N: 4, BaseRate: 1.0 / 2, PositiveRate: 1.0 / 2, TPR: 1.0 / 2, FPR: 1.0 / 2, Error: 1.0 / 2},
		Majority: GroupStats{N: 4, BaseRate: 1, PositiveRate: 3.0 / 4, TPR: 3.0 / 4, FPR: nan, Error: 1.0 / 4},
	})
}

func TestEmptyInput(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	allNaN := Report{
		N: 0, Error: nan, Accuracy: nan, SP: nan, EqOdMean: nan, EqOdMax: nan,
		TPRGap: nan, FPRGap: nan, Minority: nanStats(0), Majority: nanStats(0),
	}
	for _, tc := range []struct {
		name  string
		yTrue []bool
		yPred []bool
		group []Group
	}{
		{"nil", nil, nil, nil},
		{"empty", []bool{}, []bool{}, []Group{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustEvaluate(t, tc.yTrue, tc.yPred, tc.group)
			checkReport(t, got, allNaN)
			c := ConfusionOf(tc.yTrue, tc.yPred, nil)
			if c != (Confusion{}) {
				t.Errorf("ConfusionOf = %+v, want zero", c)
			}
		})
	}
	// Only rows in neither group: overall defined, every group metric NaN.
	got := mustEvaluate(t, []bool{true, false}, []bool{true, true}, []Group{GroupNone, GroupNone})
	want := allNaN
	want.N, want.Error, want.Accuracy = 2, 1.0/2, 1.0/2
	checkReport(t, got, want)

	var c Confusion
	for name, v := range map[string]float64{
		"BaseRate": c.BaseRate(), "PositiveRate": c.PositiveRate(), "TPR": c.TPR(),
		"FPR": c.FPR(), "Error": c.Error(), "Accuracy": c.Accuracy(),
	} {
		if !math.IsNaN(v) {
			t.Errorf("Confusion{}.%s() = %v, want NaN", name, v)
		}
	}
}

func TestLengthMismatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		yTrue []bool
		yPred []bool
		group []Group
	}{
		{"pred short", []bool{true, false}, []bool{true}, []Group{1, 2}},
		{"group short", []bool{true, false}, []bool{true, false}, []Group{1}},
		{"true short", []bool{true}, []bool{true, false}, []Group{1, 2}},
		{"group long", nil, nil, []Group{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.yTrue, tc.yPred, tc.group)
			if err == nil {
				t.Fatal("Evaluate: no error")
			}
			if !errors.Is(err, ErrLengthMismatch) {
				t.Errorf("Evaluate: error %v does not wrap ErrLengthMismatch", err)
			}
		})
	}
	for _, tc := range []struct {
		name         string
		yTrue, yPred []bool
	}{
		{"pred short", []bool{true}, nil},
		{"pred long", []bool{true}, []bool{true, false}},
	} {
		t.Run("ConfusionOf "+tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("ConfusionOf with mismatched lengths did not panic")
				}
			}()
			ConfusionOf(tc.yTrue, tc.yPred, nil)
		})
	}
}

// parse turns a string of '0'/'1' into bools.
func parse(s string) []bool {
	b := make([]bool, len(s))
	for i, c := range s {
		b[i] = c == '1'
	}
	return b
}

// TestPublishedDefinitions cross-checks against the definitions of
// fairlearn and AIF360 (minority = AIF360's unprivileged group). Neither
// library can be installed here, so the expected values were computed by a
// throwaway python3 script straight from the published formulas, with the
// per-group confusion tables counted by scikit-learn 1.2.1's
// confusion_matrix, and pasted as literals:
//
//	minority: n 18, TP 8 FP 2 TN 6 FN 2; selection 10/18, TPR 0.8, FPR 0.25
//	majority: n 19, TP 5 FP 3 TN 7 FN 4; selection 8/19, TPR 5/9, FPR 0.3
//	fairlearn demographic_parity_difference          = max − min of selection rate
//	fairlearn equalized_odds_difference (worst_case) = max(TPR max−min, FPR max−min)
//	fairlearn equalized_odds_difference (mean)       = mean(TPR max−min, FPR max−min)
//	AIF360 statistical_parity_difference             = sel_unpriv − sel_priv
//	AIF360 average_abs_odds_difference               = ½(|FPR_u − FPR_p| + |TPR_u − TPR_p|)
//	AIF360 equal_opportunity_difference              = TPR_u − TPR_p
func TestPublishedDefinitions(t *testing.T) {
	t.Parallel()
	yTrue := parse("1101001110010110001101100111010011010110")
	yPred := parse("1001011010011110000101110110011001110010")
	var group []Group
	for _, c := range "1212210121122112212021121212201121212122" {
		group = append(group, Group(c-'0'))
	}
	const (
		fairlearnDPD          = 0.13450292397660824
		fairlearnEODWorstCase = 0.24444444444444446
		fairlearnEODMean      = 0.14722222222222223
		aifSPD                = 0.13450292397660824
		aifAvgAbsOdds         = 0.14722222222222223
		aifEqualOpportunity   = 0.24444444444444446
		overallError          = 0.275
	)
	r := mustEvaluate(t, yTrue, yPred, group)
	if r.N != 40 || r.Minority.N != 18 || r.Majority.N != 19 {
		t.Fatalf("N = %d, minority %d, majority %d; want 40, 18, 19", r.N, r.Minority.N, r.Majority.N)
	}
	checkFloat(t, "SP vs fairlearn demographic_parity_difference", r.SP, fairlearnDPD)
	checkFloat(t, "SP vs |AIF360 statistical_parity_difference|", r.SP, math.Abs(aifSPD))
	checkFloat(t, "signed positive-rate gap vs AIF360 statistical_parity_difference",
		r.Minority.PositiveRate-r.Majority.PositiveRate, aifSPD)
	checkFloat(t, "EqOdMax vs fairlearn equalized_odds_difference(worst_case)", r.EqOdMax, fairlearnEODWorstCase)
	checkFloat(t, "EqOdMean vs fairlearn equalized_odds_difference(mean)", r.EqOdMean, fairlearnEODMean)
	checkFloat(t, "EqOdMean vs AIF360 average_abs_odds_difference", r.EqOdMean, aifAvgAbsOdds)
	checkFloat(t, "TPRGap vs AIF360 equal_opportunity_difference", r.TPRGap, aifEqualOpportunity)
	checkFloat(t, "Error", r.Error, overallError)
}

// TestProperties checks invariants on random inputs.
func TestProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(20250821, 7))
	defined := 0 // iterations with EqOd defined, so that the test is not vacuous
	for iter := range 5000 {
		n := rng.IntN(40)
		pPos, pPred := rng.Float64(), rng.Float64()
		yTrue, yPred, group := make([]bool, n), make([]bool, n), make([]Group, n)
		for i := range n {
			yTrue[i] = rng.Float64() < pPos
			yPred[i] = rng.Float64() < pPred
			group[i] = Group(rng.IntN(4)) // 3 must count as "neither"
		}
		r, err := Evaluate(yTrue, yPred, group)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("iter %d (yTrue %v yPred %v group %v): "+format,
				append([]any{iter, yTrue, yPred, group}, args...)...)
		}
		if r.N != n {
			fail("N = %d, want %d", r.N, n)
		}
		if n == 0 {
			if !math.IsNaN(r.Error) || !math.IsNaN(r.Accuracy) {
				fail("empty input: Error %v, Accuracy %v, want NaN", r.Error, r.Accuracy)
			}
		} else if math.Abs(r.Error+r.Accuracy-1) > tol {
			fail("Error %v + Accuracy %v != 1", r.Error, r.Accuracy)
		}
		eqodUndefined := math.IsNaN(r.Minority.TPR) || math.IsNaN(r.Majority.TPR) ||
			math.IsNaN(r.Minority.FPR) || math.IsNaN(r.Majority.FPR)
		if math.IsNaN(r.EqOdMean) != eqodUndefined || math.IsNaN(r.EqOdMax) != eqodUndefined {
			fail("EqOdMean %v, EqOdMax %v: NaN-ness disagrees with the group rates %+v %+v",
				r.EqOdMean, r.EqOdMax, r.Minority, r.Majority)
		}
		if !eqodUndefined {
			defined++
			if r.EqOdMean > r.EqOdMax {
				fail("EqOdMean %v > EqOdMax %v", r.EqOdMean, r.EqOdMax)
			}
			for name, v := range map[string]float64{"EqOdMean": r.EqOdMean, "EqOdMax": r.EqOdMax} {
				if v < 0 || v > 1 {
					fail("%s = %v outside [0, 1]", name, v)
				}
			}
		}
		spUndefined := r.Minority.N == 0 || r.Majority.N == 0
		if math.IsNaN(r.SP) != spUndefined {
			fail("SP = %v with group sizes %d, %d", r.SP, r.Minority.N, r.Majority.N)
		}
		if !spUndefined && (r.SP < 0 || r.SP > 1) {
			fail("SP = %v outside [0, 1]", r.SP)
		}
		// The group figures equal those of ConfusionOf on the group's rows,
		// selected here by hand rather than with InGroup.
		for _, g := range []struct {
			g    Group
			s    GroupStats
			name string
		}{{GroupMinority, r.Minority, "Minority"}, {GroupMajority, r.Majority, "Majority"}} {
			c := ConfusionOf(yTrue, yPred, func(i int) bool { return group[i] == g.g })
			want := GroupStats{N: c.N(), BaseRate: c.BaseRate(), PositiveRate: c.PositiveRate(),
				TPR: c.TPR(), FPR: c.FPR(), Error: c.Error()}
			if g.s.N != want.N || !same(g.s.BaseRate, want.BaseRate) ||
				!same(g.s.PositiveRate, want.PositiveRate) || !same(g.s.TPR, want.TPR) ||
				!same(g.s.FPR, want.FPR) || !same(g.s.Error, want.Error) {
				fail("%s = %+v, want %+v from ConfusionOf", g.name, g.s, want)
			}
		}
		// The overall error is that of ConfusionOf on all rows.
		all := ConfusionOf(yTrue, yPred, nil)
		if !same(r.Error, all.Error()) || !same(r.Accuracy, all.Accuracy()) {
			fail("Error %v, Accuracy %v; ConfusionOf gives %v, %v", r.Error, r.Accuracy, all.Error(), all.Accuracy())
		}
		if t.Failed() {
			return
		}
	}
	if defined < 1000 {
		t.Errorf("EqOd defined in only %d of 5000 random cases", defined)
	}
}

func TestGroupString(t *testing.T) {
	t.Parallel()
	for g, want := range map[Group]string{GroupNone: "none", GroupMinority: "minority", GroupMajority: "majority", Group(5): "Group(5)"} {
		if got := g.String(); got != want {
			t.Errorf("Group(%d).String() = %q, want %q", int8(g), got, want)
		}
	}
	if GroupNone != 0 || GroupMinority != 1 || GroupMajority != 2 {
		t.Error("the numeric values of the groups must be 0, 1, 2")
	}
}
