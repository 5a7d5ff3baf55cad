// Package sweep simulates the firm over a grid of collective actions:
// method × collective size alpha × number of flips × run. For each cell it
// flips the collective's labels in memory, trains the firm's model on the
// flipped training rows and measures error and fairness on the test rows
// against their original labels.
package sweep

import (
	"math"
	"strconv"
)

// Side tells who acts in a result row.
const (
	SideCollective = "collective" // the minority collective flips its own labels
	SideFirm       = "firm-side"  // a baseline the firm would have to apply (for comparison only)
)

// Result is one cell of the grid for one run.
type Result struct {
	Side           string  // SideCollective or SideFirm
	Method         string  // rb-prob, rb-label, rb-dist, random; for baselines one of Baselines (massaging, reweighing, eqodds-postproc, ...)
	Alpha          float64 // collective size as a fraction of the minority; NaN for baselines
	FlipsRequested string  // the grid value: a count, a percentage or "auto"; for eqodds-reductions its bound, "eps=ε"
	Flips          int     // labels actually flipped (massaging: promotions, each paired with a demotion)
	Run            int
	Collective     int // collective members (0 for baselines)
	Pool           int // candidates: collective members with a negative label

	N        int     // test rows
	Error    float64 // misclassification rate on the test rows
	Accuracy float64
	SP       float64 // |P(ŷ=1|minority) − P(ŷ=1|majority)|
	EqOdMean float64 // ½(|ΔTPR| + |ΔFPR|), the paper's EqOd
	EqOdMax  float64 // max(|ΔTPR|, |ΔFPR|), fairlearn's equalized_odds_difference
	TPRMin   float64
	TPRMaj   float64
	FPRMin   float64
	FPRMaj   float64
	PPRMin   float64 // positive-prediction rate, minority
	PPRMaj   float64

	Detect *Detection // the firm's label screen (--detect; nil without, and for baselines)
}

// CSVHeader is the header of the per-run results file.
var CSVHeader = []string{
	"side", "method", "alpha", "flips_requested", "flips", "run", "collective", "pool",
	"n_test", "error", "accuracy", "sp", "eqod_mean", "eqod_max",
	"tpr_minority", "tpr_majority", "fpr_minority", "fpr_majority", "ppr_minority", "ppr_majority",
}

// fmtFloat writes a number for CSV: shortest exact form, empty when undefined (NaN).
func fmtFloat(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// CSVRecord returns the result as a CSV record in the order of CSVHeader.
func (r Result) CSVRecord() []string {
	return []string{
		r.Side, r.Method, fmtFloat(r.Alpha), r.FlipsRequested, strconv.Itoa(r.Flips), strconv.Itoa(r.Run),
		strconv.Itoa(r.Collective), strconv.Itoa(r.Pool),
		strconv.Itoa(r.N), fmtFloat(r.Error), fmtFloat(r.Accuracy), fmtFloat(r.SP), fmtFloat(r.EqOdMean), fmtFloat(r.EqOdMax),
		fmtFloat(r.TPRMin), fmtFloat(r.TPRMaj), fmtFloat(r.FPRMin), fmtFloat(r.FPRMaj), fmtFloat(r.PPRMin), fmtFloat(r.PPRMaj),
	}
}

// Stat is a mean and a sample standard deviation over runs (NaN values,
// undefined metrics, are left out; N counts the defined ones), and the
// smallest and largest of the defined values (NaN when there is none).
type Stat struct {
	Mean, SD float64
	N        int
	Min, Max float64
}

// Cell is the summary of one grid cell over its runs.
type Cell struct {
	Side           string
	Method         string
	Alpha          float64
	FlipsRequested string
	Runs           int
	Flips          Stat
	Error          Stat
	SP             Stat
	EqOdMean       Stat
	EqOdMax        Stat
	Pool           Stat        // candidates (collective members with a negative label); 0 for baselines
	TPRMin, TPRMaj Stat        // true positive rates of the minority and the majority
	FPRMin, FPRMaj Stat        // false positive rates
	Detect         *DetectCell // the firm's label screen over the runs (--detect only)
}

// PlotInfo describes a sweep for plot titles.
type PlotInfo struct {
	Dataset string // e.g. "adult.data (race: Black vs rest)"
	Model   string // e.g. "logistic regression (C=1)"
	Grid    string // e.g. "4 methods × 8 alphas × 10 flip counts × 10 runs"
}
