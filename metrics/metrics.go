package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Group is the group of a row. The numeric values are fixed: other packages
// store groups as 0, 1 and 2.
//
// Rows in neither group (GroupNone) count for the overall figures of a
// [Report] (N, Error, Accuracy) but not for the group metrics. Any value
// other than GroupMinority and GroupMajority is treated as GroupNone.
type Group int8

const (
	GroupNone     Group = 0 // in neither group
	GroupMinority Group = 1 // the minority (AIF360's unprivileged group)
	GroupMajority Group = 2 // the majority (AIF360's privileged group)
)

// String returns "none", "minority", "majority", or "Group(v)" for any other
// value v.
func (g Group) String() string {
	switch g {
	case GroupNone:
		return "none"
	case GroupMinority:
		return "minority"
	case GroupMajority:
		return "majority"
	}
	return fmt.Sprintf("Group(%d)", int8(g))
}

// ErrLengthMismatch is returned (wrapped) by [Evaluate] when its slices
// differ in length. Test with errors.Is.
var ErrLengthMismatch = errors.New("metrics: length mismatch")

// Confusion is the confusion table of one set of rows: the number of true
// positives (y = 1, ŷ = 1), false positives (y = 0, ŷ = 1), true negatives
// (y = 0, ŷ = 0) and false negatives (y = 1, ŷ = 0), where y is the true
// label and ŷ the prediction.
//
// Every rate method returns NaN when its denominator is zero.
type Confusion struct{ TP, FP, TN, FN int }

// ratio returns num/den, or NaN when den = 0.
func ratio(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

// N returns the number of rows, N = TP + FP + TN + FN.
func (c Confusion) N() int { return c.TP + c.FP + c.TN + c.FN }

// BaseRate returns the share of positive true labels,
//
//	P(y=1) = (TP + FN) / N,
//
// NaN when N = 0.
func (c Confusion) BaseRate() float64 { return ratio(c.TP+c.FN, c.N()) }

// PositiveRate returns the share of positive predictions (fairlearn's
// selection rate),
//
//	P(ŷ=1) = (TP + FP) / N,
//
// NaN when N = 0.
func (c Confusion) PositiveRate() float64 { return ratio(c.TP+c.FP, c.N()) }

// TPR returns the true positive rate (recall),
//
//	P(ŷ=1 | y=1) = TP / (TP + FN),
//
// NaN when TP + FN = 0.
func (c Confusion) TPR() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR returns the false positive rate,
//
//	P(ŷ=1 | y=0) = FP / (FP + TN),
//
// NaN when FP + TN = 0.
func (c Confusion) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// Error returns the misclassification rate,
//
//	P(ŷ≠y) = (FP + FN) / N,
//
// NaN when N = 0.
func (c Confusion) Error() float64 { return ratio(c.FP+c.FN, c.N()) }

// Accuracy returns the share of correct predictions,
//
//	P(ŷ=y) = (TP + TN) / N,
//
// NaN when N = 0. Error() + Accuracy() = 1 up to rounding when N > 0.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.N()) }

// Add returns the cell-wise sum of c and d: the confusion table of the union
// of two disjoint sets of rows.
func (c Confusion) Add(d Confusion) Confusion {
	return Confusion{TP: c.TP + d.TP, FP: c.FP + d.FP, TN: c.TN + d.TN, FN: c.FN + d.FN}
}

// Stats returns the group figures of the rows c counts: N and the rates of
// the methods of the same names (NaN where undefined).
func (c Confusion) Stats() GroupStats {
	return GroupStats{
		N:            c.N(),
		BaseRate:     c.BaseRate(),
		PositiveRate: c.PositiveRate(),
		TPR:          c.TPR(),
		FPR:          c.FPR(),
		Error:        c.Error(),
	}
}

// count adds one row with true label y and prediction p to c.
func (c *Confusion) count(y, p bool) {
	switch {
	case y && p:
		c.TP++
	case !y && p:
		c.FP++
	case !y && !p:
		c.TN++
	default:
		c.FN++
	}
}

// ConfusionOf counts the confusion table of the rows i of yTrue and yPred
// for which keep(i) is true; keep nil keeps every row. keep is called once
// for each i in [0, len(yTrue)), in increasing order.
//
// ConfusionOf panics if yTrue and yPred differ in length (a programmer
// error; [Evaluate] returns an error instead). Empty input gives the zero
// Confusion.
func ConfusionOf(yTrue, yPred []bool, keep func(i int) bool) Confusion {
	if len(yTrue) != len(yPred) {
		panic(fmt.Sprintf("metrics: ConfusionOf: len(yTrue) = %d, len(yPred) = %d", len(yTrue), len(yPred)))
	}
	var c Confusion
	for i, y := range yTrue {
		if keep == nil || keep(i) {
			c.count(y, yPred[i])
		}
	}
	return c
}

// InGroup returns a keep function for [ConfusionOf] that keeps the rows i
// with group[i] == g. For g = GroupNone it keeps every row that is in
// neither GroupMinority nor GroupMajority, as [Evaluate] does. Rows past the
// end of group are not kept.
func InGroup(group []Group, g Group) func(i int) bool {
	return func(i int) bool {
		if i < 0 || i >= len(group) {
			return false
		}
		return normalize(group[i]) == normalize(g)
	}
}

// normalize maps every value other than GroupMinority and GroupMajority to
// GroupNone.
func normalize(g Group) Group {
	if g == GroupMinority || g == GroupMajority {
		return g
	}
	return GroupNone
}

// GroupStats are the figures of one group (computed by [Confusion.Stats]).
// A rate is NaN ("undefined") when its denominator is zero: every rate of an
// empty group, the TPR of a group without positive true labels, the FPR of a
// group without negative true labels.
type GroupStats struct {
	N            int     // number of rows in the group
	BaseRate     float64 // P(y=1 | group) = (TP+FN)/N
	PositiveRate float64 // P(ŷ=1 | group) = (TP+FP)/N, fairlearn's selection rate
	TPR          float64 // P(ŷ=1 | y=1, group) = TP/(TP+FN)
	FPR          float64 // P(ŷ=1 | y=0, group) = FP/(FP+TN)
	Error        float64 // P(ŷ≠y | group) = (FP+FN)/N
}

// Report holds every metric of one set of predictions, as computed by
// [Evaluate]. "min" and "maj" below are the minority and majority rows.
//
// NaN means "undefined": a value is NaN exactly when a rate it needs has a
// zero denominator. N = 0 makes Error and Accuracy NaN; an empty group makes
// all five gap metrics NaN; a group without positive true labels (TPR
// undefined) makes TPRGap, EqOdMean and EqOdMax NaN while SP stays defined;
// likewise a group without negative true labels for FPRGap, EqOdMean and
// EqOdMax.
//
// Report marshals to JSON (see [Report.MarshalJSON]) with NaN as null.
type Report struct {
	// N is the number of rows, in either group or in neither.
	N int
	// Error is the misclassification rate over all N rows (both groups and
	// rows in neither): (FP+FN)/N.
	Error float64
	// Accuracy is (TP+TN)/N over all N rows; Error + Accuracy = 1 up to
	// rounding.
	Accuracy float64
	// SP is the statistical parity difference
	//
	//	|P(ŷ=1 | min) − P(ŷ=1 | maj)|.
	//
	// It equals fairlearn's demographic_parity_difference (max − min of the
	// selection rate over the two groups) and the absolute value of AIF360's
	// statistical_parity_difference, which is the signed
	// P(ŷ=1 | unprivileged) − P(ŷ=1 | privileged).
	SP float64
	// EqOdMean is the equalized-odds gap as defined in the paper (its EqOd),
	// the mean of the two absolute gaps:
	//
	//	½ (|TPR_min − TPR_maj| + |FPR_min − FPR_maj|).
	//
	// It equals AIF360's average_abs_odds_difference and fairlearn's
	// equalized_odds_difference with agg="mean" (fairlearn ≥ 0.10).
	EqOdMean float64
	// EqOdMax is the worst of the two absolute gaps:
	//
	//	max(|TPR_min − TPR_maj|, |FPR_min − FPR_maj|).
	//
	// It equals fairlearn's equalized_odds_difference with its default
	// agg="worst_case": the larger of (max − min over groups of the TPR) and
	// (max − min over groups of the FPR), which for two groups is the above.
	// EqOdMean ≤ EqOdMax.
	EqOdMax float64
	// TPRGap is the signed TPR_min − TPR_maj: AIF360's
	// equal_opportunity_difference. Negative when the minority's qualified
	// members are accepted less often.
	TPRGap float64
	// FPRGap is the signed FPR_min − FPR_maj.
	FPRGap float64
	// Minority and Majority are the per-group figures.
	Minority GroupStats
	Majority GroupStats
}

// Evaluate computes the [Report] of the predictions yPred against the true
// labels yTrue, for rows in the groups group (true = positive). Rows whose
// group is neither GroupMinority nor GroupMajority count for N, Error and
// Accuracy only.
//
// Evaluate returns an error wrapping [ErrLengthMismatch] if the three slices
// differ in length, and no other error. Undefined values are NaN; empty input
// gives a Report with N = 0 and NaN in every float field.
func Evaluate(yTrue, yPred []bool, group []Group) (Report, error) {
	if len(yTrue) != len(yPred) || len(yTrue) != len(group) {
		return Report{}, fmt.Errorf("%w: %d true labels, %d predictions, %d groups",
			ErrLengthMismatch, len(yTrue), len(yPred), len(group))
	}
	var cMin, cMaj, cNone Confusion
	for i, y := range yTrue {
		switch group[i] {
		case GroupMinority:
			cMin.count(y, yPred[i])
		case GroupMajority:
			cMaj.count(y, yPred[i])
		default:
			cNone.count(y, yPred[i])
		}
	}
	return report(cMin.Add(cMaj).Add(cNone), cMin, cMaj), nil
}

// report builds a Report from the confusion tables of all rows and of the
// two groups.
func report(all, cMin, cMaj Confusion) Report {
	r := Report{
		N:        all.N(),
		Error:    all.Error(),
		Accuracy: all.Accuracy(),
		Minority: cMin.Stats(),
		Majority: cMaj.Stats(),
	}
	// Arithmetic on NaN gives NaN, so each gap is NaN when a rate it needs is.
	r.SP = math.Abs(r.Minority.PositiveRate - r.Majority.PositiveRate)
	r.TPRGap = r.Minority.TPR - r.Majority.TPR
	r.FPRGap = r.Minority.FPR - r.Majority.FPR
	dTPR, dFPR := math.Abs(r.TPRGap), math.Abs(r.FPRGap)
	r.EqOdMean = (dTPR + dFPR) / 2
	if math.IsNaN(dTPR) || math.IsNaN(dFPR) {
		r.EqOdMax = math.NaN()
	} else {
		r.EqOdMax = math.Max(dTPR, dFPR)
	}
	return r
}
