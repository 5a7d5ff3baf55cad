package report

import (
	"fmt"
	"math"

	"github.com/fairflip/fairflip/sweep"
)

// recView is one recommendation as the report words it.
type recView struct {
	Alpha    string // "0.3"
	Headline string
	Reasons  []string
	After    string    // the column heading of the rates after: "after rb-prob, 160 flips"
	Rates    []rateRow // per-group rates before and after
	NoBase   bool      // the grid has no 0 flips: nothing to compare with
}

// recommendation words one sweep.Recommendation: its headline, its reasons
// and the per-group rates before and after it. It is the one place that
// turns a recommendation into words (new fields of sweep.Recommendation are
// worded here).
func recommendation(d Data, r sweep.Recommendation, base sweep.Cell, hasBase bool) recView {
	v := recView{Alpha: fmtAlpha(r.Alpha), NoBase: !hasBase}
	cell := cellResults(d.Results, r.BestMethod, r.Alpha, r.BestFlips)
	size := ""
	if coll := meanOf(cell, func(x sweep.Result) float64 { return float64(x.Collective) }); !math.IsNaN(coll) {
		pool := meanOf(cell, func(x sweep.Result) float64 { return float64(x.Pool) })
		size = fmt.Sprintf(" (about %.0f people, %.0f of them with a negative label who could change it)", coll, pool)
	}
	if r.BestFlips == "0" {
		v.Headline = fmt.Sprintf("With the collective as %s of the minority%s: change no labels.", fmtAlphaPct(r.Alpha), size)
		v.Reasons = append(v.Reasons, fmt.Sprintf("None of the actions tried gave a lower EqOd than the firm's model without action (%s).", fmtNum(r.BestEqOd)))
	} else {
		v.Headline = fmt.Sprintf("With the collective as %s of the minority%s: choose members by %s and change %s labels.",
			fmtAlphaPct(r.Alpha), size, r.BestMethod, r.BestFlips)
		v.Reasons = append(v.Reasons, fmt.Sprintf("Of everything tried at this size, this gave the lowest EqOd: %s, averaged over the runs.", fmtNum(r.BestEqOd)))
		if hasBase && base.EqOdMean.Mean > 0 {
			v.Reasons = append(v.Reasons, fmt.Sprintf("Without action the EqOd is %s: the gap between the groups shrinks by %s.",
				fmtNum(base.EqOdMean.Mean), fmtPct(1-r.BestEqOd/base.EqOdMean.Mean)))
		}
		if r.BestFlips == "auto" || math.Abs(r.BestFlipsMade-atof(r.BestFlips)) > 1e-9 {
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s labels were changed on average (the collective changes only labels that are negative, and at most as many as it has).", fmtNum1(r.BestFlipsMade)))
		}
	}
	if hasBase {
		v.Reasons = append(v.Reasons, fmt.Sprintf("The firm's model gets %s of the test rows wrong, against %s without action (%+.2f percentage points).",
			fmtPct(r.BestError), fmtPct(base.Error.Mean), 100*(r.BestError-base.Error.Mean)))
	} else {
		v.Reasons = append(v.Reasons, fmt.Sprintf("The firm's model gets %s of the test rows wrong (the grid has no 0 flips to compare with).", fmtPct(r.BestError)))
	}
	if r.TargetEqOd > 0 {
		if r.TargetReached {
			v.Reasons = append(v.Reasons, fmt.Sprintf("The target EqOd of at most %g is reached with the fewest changes by %s: %s labels on average, EqOd %s, error %s.",
				r.TargetEqOd, r.TargetMethod, fmtNum1(r.TargetFlips), fmtNum(r.TargetEqOdGot), fmtPct(r.TargetError)))
		} else {
			v.Reasons = append(v.Reasons, fmt.Sprintf("The target EqOd of at most %g is not reached by anything tried at this size.", r.TargetEqOd))
		}
	}
	v.After = "after: " + r.BestMethod + ", " + r.BestFlips + " flips"
	if r.BestFlips == "0" {
		v.After = "after: no flips"
	}
	var before []sweep.Result
	if hasBase {
		before = cellResults(d.Results, base.Method, base.Alpha, "0")
	}
	v.Rates = groupRates(d.Counts, before, cell, r.BestFlipsMade)
	return v
}

// rateRow is one rate of the two groups, before and after.
type rateRow struct {
	Measure, Explain                         string
	MinBefore, MinAfter, MajBefore, MajAfter string
}

// groupRates are the per-group rates of the firm's model before (the runs
// without flips) and after (the runs of the recommended cell), each the
// mean over its runs, and the share of positive labels in the training
// data (which the flips change) and in the test data (which they do not).
func groupRates(c Counts, before, after []sweep.Result, flipsMade float64) []rateRow {
	type get func(sweep.Result) float64
	row := func(measure, explain string, min, maj get) rateRow {
		return rateRow{Measure: measure, Explain: explain,
			MinBefore: fmtPct(meanOf(before, min)), MinAfter: fmtPct(meanOf(after, min)),
			MajBefore: fmtPct(meanOf(before, maj)), MajAfter: fmtPct(meanOf(after, maj))}
	}
	rows := []rateRow{
		row("True positive rate (TPR)", "of the people whose true label is positive, the share the firm's model accepts",
			func(r sweep.Result) float64 { return r.TPRMin }, func(r sweep.Result) float64 { return r.TPRMaj }),
		row("False positive rate (FPR)", "of the people whose true label is negative, the share the firm's model accepts",
			func(r sweep.Result) float64 { return r.FPRMin }, func(r sweep.Result) float64 { return r.FPRMaj }),
		row("Positive rate", "the share of the group the firm's model accepts",
			func(r sweep.Result) float64 { return r.PPRMin }, func(r sweep.Result) float64 { return r.PPRMaj }),
	}
	share := func(pos, n int) float64 {
		if n == 0 {
			return math.NaN()
		}
		return float64(pos) / float64(n)
	}
	// The flips turn negative labels of the minority's training rows
	// positive. With a test split, the firm trains on about 1 − F of the
	// rows, so the change is an estimate.
	trainMin := share(c.TrainPos[0], c.TrainN[0])
	afterMin := math.NaN()
	if n := float64(c.TrainN[0]) * (1 - c.TestSplit); n > 0 && !math.IsNaN(flipsMade) {
		afterMin = trainMin + flipsMade/n
	}
	trainMaj := share(c.TrainPos[1], c.TrainN[1])
	approx := ""
	if c.TestSplit > 0 {
		approx = "≈ "
	}
	rows = append(rows, rateRow{Measure: "Base rate, training data", Explain: "the share of the group with a positive label in the data the firm learns from (the flips raise the minority's)",
		MinBefore: approx + fmtPct(trainMin), MinAfter: approx + fmtPct(afterMin), MajBefore: approx + fmtPct(trainMaj), MajAfter: approx + fmtPct(trainMaj)})
	testMin, testMaj := share(c.TestPos[0], c.TestN[0]), share(c.TestPos[1], c.TestN[1])
	rows = append(rows, rateRow{Measure: "Base rate, test data", Explain: "the share of the group with a positive label in the rows the model is tested on (never changed)",
		MinBefore: approx + fmtPct(testMin), MinAfter: approx + fmtPct(testMin), MajBefore: approx + fmtPct(testMaj), MajAfter: approx + fmtPct(testMaj)})
	return rows
}

// cellResults are the collective results of one cell.
func cellResults(rs []sweep.Result, method string, alpha float64, flips string) []sweep.Result {
	var out []sweep.Result
	for _, r := range rs {
		if r.Side == sweep.SideCollective && r.Method == method && r.Alpha == alpha && r.FlipsRequested == flips {
			out = append(out, r)
		}
	}
	return out
}

// meanOf is the mean of the defined values of get over rs (NaN when none is).
func meanOf(rs []sweep.Result, get func(sweep.Result) float64) float64 {
	s, n := 0.0, 0
	for _, r := range rs {
		if x := get(r); !math.IsNaN(x) && !math.IsInf(x, 0) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

func atof(s string) float64 {
	var x float64
	if _, err := fmt.Sscan(s, &x); err != nil {
		return math.NaN()
	}
	return x
}
