package report

import (
	"fmt"
	"math"
	"strings"

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
// turns a recommendation into words for the report. It follows the advice
// (Action, Advised, TiedWith, Excluded: sweep.Advise), not the grid's
// lowest EqOd, which the error limit may have left out.
func recommendation(d Data, r sweep.Recommendation, base sweep.Cell, hasBase bool) recView {
	v := recView{Alpha: fmtAlpha(r.Alpha), NoBase: !hasBase}
	a := r.Advised
	noAction := r.Action == sweep.ActionNoActionFavoured || r.Action == sweep.ActionNoActionNoGain
	method, flips := a.Method, a.Flips
	if noAction && hasBase {
		method, flips = base.Method, "0"
	}
	cell := cellResults(d.Results, method, r.Alpha, flips)
	size := ""
	if coll := meanOf(cell, func(x sweep.Result) float64 { return float64(x.Collective) }); !math.IsNaN(coll) {
		pool := meanOf(cell, func(x sweep.Result) float64 { return float64(x.Pool) })
		size = fmt.Sprintf(" (about %.0f people, %.0f of them with a negative label who could change it)", coll, pool)
	}
	who := fmt.Sprintf("With the collective as %s of the minority%s: ", fmtAlphaPct(r.Alpha), size)
	switch r.Action {
	case sweep.ActionNoActionFavoured:
		v.Headline = who + "change no labels. The firm's model already favours the minority."
	case sweep.ActionNoActionNoGain:
		v.Headline = who + "change no labels. Nothing tried makes the firm's model clearly fairer within the error limit."
	case sweep.ActionFlipWholePool:
		v.Headline = who + fmt.Sprintf("every member with a negative label changes it (%s labels on average).", fmtNum1(a.FlipsMade.Mean))
	default:
		v.Headline = who + fmt.Sprintf("choose members by %s and change %s (%s on average).", a.Method, flipsWords(a.Flips), fmtNum1(a.FlipsMade.Mean))
	}
	if r.Reason != "" {
		v.Reasons = append(v.Reasons, "Why: "+r.Reason+".")
	}
	expect := fmt.Sprintf("Expected EqOd %s and error %s (mean ± standard deviation over the runs).", fmtStat(a.EqOd, 4), fmtStat(a.Error, 4))
	if hasBase {
		expect += fmt.Sprintf(" Without action: EqOd %s, error %s.", fmtStat(base.EqOdMean, 4), fmtStat(base.Error, 4))
		if !noAction && base.EqOdMean.Mean > 0 {
			expect += fmt.Sprintf(" The gap between the groups shrinks by %s.", fmtPct(1-a.EqOd.Mean/base.EqOdMean.Mean))
		}
	}
	v.Reasons = append(v.Reasons, expect)
	for _, t := range r.TiedWith {
		v.Reasons = append(v.Reasons, fmt.Sprintf("Just as good (the runs cannot tell them apart): %s, changing %s: EqOd %s, error %s.",
			t.Method, flipsWords(t.Flips), fmtStat(t.EqOd, 4), fmtStat(t.Error, 4)))
	}
	if x := r.Excluded; x != nil {
		v.Reasons = append(v.Reasons, fmt.Sprintf("A lower EqOd, %s, comes with %s changing %s, but it raises the firm's error by %+.2f percentage points, more than the limit of %.2f (--max-error-increase).",
			fmtStat(x.EqOd, 4), x.Method, flipsWords(x.Flips), 100*x.ErrorIncrease, 100*r.MaxErrorIncrease))
	}
	if r.TargetEqOd > 0 {
		if r.TargetReached {
			v.Reasons = append(v.Reasons, fmt.Sprintf("The target EqOd of at most %g is reached with the fewest changes by %s: %s labels on average, EqOd %s, error %s.",
				r.TargetEqOd, r.TargetMethod, fmtNum1(r.TargetFlips), fmtNum(r.TargetEqOdGot), fmtPct(r.TargetError)))
		} else {
			v.Reasons = append(v.Reasons, fmt.Sprintf("The target EqOd of at most %g is not reached by anything tried at this size.", r.TargetEqOd))
		}
	}
	v.After = "after: " + method + ", " + flips + " flips"
	if noAction {
		v.After = "after: no flips"
	}
	var before []sweep.Result
	if hasBase {
		before = cellResults(d.Results, base.Method, base.Alpha, "0")
	}
	v.Rates = groupRates(d.Counts, before, cell, a.FlipsMade.Mean)
	return v
}

// flipsWords is a requested flip count for people: "120 labels", "15% of
// the candidates' labels", "the labels the method estimates positive
// (auto)".
func flipsWords(f string) string {
	switch {
	case f == "auto":
		return "the labels the method estimates positive (auto)"
	case strings.HasSuffix(f, "%"):
		return f + " of the candidates' labels"
	}
	return f + " labels"
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
