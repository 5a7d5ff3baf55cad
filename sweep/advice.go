package sweep

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// DefaultMaxErrorIncrease is sweep's default --max-error-increase: the
// advice takes no cell whose mean error is more than one percentage point
// (0.01 absolute) above the mean error without action.
const DefaultMaxErrorIncrease = 0.01

// Actions a Recommendation advises.
const (
	// ActionFlip: flip this many of the collective's candidates.
	ActionFlip = "flip"
	// ActionFlipWholePool: flip every candidate (the grid's best cell flips
	// the whole pool in every run; every method flips the same rows then).
	ActionFlipWholePool = "flip-whole-pool"
	// ActionNoActionFavoured: do nothing, the minority is already favoured
	// on the firm's errors (its TPR and FPR without action both exceed the
	// majority's): flipping negatives to positives raises both further and
	// widens the gaps.
	ActionNoActionFavoured = "no-action-minority-favoured"
	// ActionNoActionNoGain: do nothing, no cell within the error limit
	// lowers EqOd by more than the runs' spread.
	ActionNoActionNoGain = "no-action-no-gain"
)

// AdviceOptions are what the advice weighs.
type AdviceOptions struct {
	// TargetEqOd: also find the fewest flips whose mean EqOd is at most
	// this (≤ 0: no target).
	TargetEqOd float64
	// MaxErrorIncrease bounds the mean error of an advised cell: at most
	// this much (absolute) above the mean error without action. +Inf: no
	// limit. Without a cell of 0 flips in the grid there is nothing to
	// measure the increase against and the limit is not applied.
	MaxErrorIncrease float64
}

// Choice is one grid cell as the advice reports it: its figures over the
// runs (mean, sample SD, range).
type Choice struct {
	Method    string `json:"method"`
	Flips     string `json:"flips_requested"`
	FlipsMade Stat   `json:"flips_made"`
	Pool      Stat   `json:"pool"`
	EqOd      Stat   `json:"eqod_mean"` // EqOd, mean of the TPR and FPR gaps
	Error     Stat   `json:"error"`
	// ErrorIncrease is the mean error minus the mean error without action
	// (NaN when the grid has no 0).
	ErrorIncrease float64 `json:"error_increase"`
}

func choiceOf(c Cell, base *Cell) Choice {
	ch := Choice{Method: c.Method, Flips: c.FlipsRequested, FlipsMade: c.Flips, Pool: c.Pool, EqOd: c.EqOdMean, Error: c.Error, ErrorIncrease: math.NaN()}
	if base != nil {
		ch.ErrorIncrease = c.Error.Mean - base.Error.Mean
	}
	return ch
}

// WholePool reports whether the cell flipped every candidate in every run
// (flips made never exceed the pool, so equal means say so).
func (c Choice) WholePool() bool {
	return c.Pool.N > 0 && c.Pool.Mean > 0 && c.FlipsMade.Mean >= c.Pool.Mean
}

// Tied reports whether two cells' mean EqOd are a tie: their difference is
// at most the standard error of the difference of two means over the
// runs, √(sd₁²/n₁ + sd₂²/n₂) (runs treated as independent samples, which
// makes ties more likely than a paired test would: the advice does not
// name a winner the runs cannot tell apart). With a single run there is no
// spread to judge, and only equal means tie.
func Tied(a, b Stat) bool {
	d := math.Abs(a.Mean - b.Mean)
	if d == 0 {
		return true
	}
	if a.N < 2 || b.N < 2 || math.IsNaN(a.SD) || math.IsNaN(b.SD) {
		return false
	}
	return d <= math.Sqrt(a.SD*a.SD/float64(a.N)+b.SD*b.SD/float64(b.N))
}

// TieRule states Tied for people.
const TieRule = "two EqOd means tie when they differ by at most the standard error of their difference over the runs, √(sd₁²/n₁ + sd₂²/n₂); with one run only equal means tie"

// SpreadRule says what the ± figures are.
const SpreadRule = "mean ± sample SD over the runs"

// Advise returns, per collective size (ascending), what to do: the cell
// of lowest mean EqOd among those whose error increase is within the
// limit, unless the minority is already favoured on the firm's errors or
// no cell beats doing nothing by more than the runs' spread; ties between
// methods are listed; a lower EqOd excluded by the error limit is
// reported. The Best* and Target* fields are as Recommend has always set
// them (the lowest mean EqOd over the whole grid, limit or not).
func Advise(cells []Cell, opt AdviceOptions) []Recommendation {
	recs := bestAndTarget(cells, opt.TargetEqOd)
	baseCell, hasBase := Base(cells)
	var base *Cell
	if hasBase {
		base = &baseCell
	}
	limit := opt.MaxErrorIncrease
	if math.IsNaN(limit) || limit < 0 {
		limit = DefaultMaxErrorIncrease
	}
	within := func(c Cell) bool {
		// 1e-12: an error equal to the base's plus the limit, up to rounding, is within.
		return base == nil || c.FlipsRequested == "0" || c.Error.Mean-base.Error.Mean <= limit+1e-12
	}
	for i := range recs {
		r := &recs[i]
		r.MaxErrorIncrease = limit
		if base != nil {
			b := choiceOf(*base, base)
			b.Method = "" // no action: the cell every method shares
			r.Base = &b
			r.MinorityFavoured = base.TPRMin.Mean > base.TPRMaj.Mean && base.FPRMin.Mean > base.FPRMaj.Mean
		}
		// The lowest mean EqOd per method, within the limit and over all.
		type best struct {
			in, all *Cell
		}
		per := map[string]*best{}
		var methods []string
		for k := range cells {
			c := &cells[k]
			if c.Side != SideCollective || c.Alpha != r.Alpha || math.IsNaN(c.EqOdMean.Mean) {
				continue
			}
			b := per[c.Method]
			if b == nil {
				b = &best{}
				per[c.Method] = b
				methods = append(methods, c.Method)
			}
			if b.all == nil || better(*c, *b.all) {
				b.all = c
			}
			if within(*c) && (b.in == nil || better(*c, *b.in)) {
				b.in = c
			}
		}
		var chosen, lowest *Cell
		for _, m := range methods {
			if b := per[m]; b.in != nil && (chosen == nil || better(*b.in, *chosen)) {
				chosen = b.in
			}
			if b := per[m]; lowest == nil || better(*b.all, *lowest) {
				lowest = b.all
			}
		}
		if chosen == nil {
			continue // no defined EqOd at this alpha: bestAndTarget left it out too
		}
		if lowest.EqOdMean.Mean < chosen.EqOdMean.Mean && !Tied(lowest.EqOdMean, chosen.EqOdMean) {
			x := choiceOf(*lowest, base)
			r.Excluded = &x
		}
		adv := choiceOf(*chosen, base)
		r.Advised = adv
		switch {
		case r.MinorityFavoured:
			r.Action = ActionNoActionFavoured
			r.Advised = *r.Base
			r.Reason = fmt.Sprintf("the minority is already favoured on the firm's errors: without action its TPR (%.4f) and FPR (%.4f) are both higher than the majority's (%.4f, %.4f); flipping negatives to positives raises them further and widens the gaps (EqOd)",
				base.TPRMin.Mean, base.FPRMin.Mean, base.TPRMaj.Mean, base.FPRMaj.Mean)
			if chosen.FlipsRequested != "0" && chosen.EqOdMean.Mean < base.EqOdMean.Mean {
				r.Reason += fmt.Sprintf("; the grid's lowest EqOd within the error limit, %s (%s, %s flips), is below no action's, %s: a difference the direction of the rates does not explain, so check it with more runs",
					pm(chosen.EqOdMean), chosen.Method, chosen.FlipsRequested, pm(base.EqOdMean))
			}
		case base != nil && (chosen.Flips.Mean == 0 || Tied(chosen.EqOdMean, base.EqOdMean)):
			r.Action = ActionNoActionNoGain
			r.Advised = *r.Base
			if chosen.Flips.Mean == 0 {
				r.Reason = "no flip count on the grid within the error limit lowers EqOd below no action's"
			} else {
				r.Reason = fmt.Sprintf("the lowest EqOd within the error limit, %s (%s, %s flips), is a tie with no action's, %s: the runs cannot tell them apart",
					pm(chosen.EqOdMean), chosen.Method, chosen.FlipsRequested, pm(base.EqOdMean))
			}
		default:
			r.Action = ActionFlip
			if adv.WholePool() {
				r.Action = ActionFlipWholePool
			}
			// Ties: the other methods whose best cell within the error
			// limit ties the chosen one. Flipping the whole pool flips the
			// same rows whatever the method: that is no tie between methods.
			for _, m := range methods {
				b := per[m]
				if m == chosen.Method || b.in == nil || b.in.Flips.Mean == 0 || !Tied(b.in.EqOdMean, chosen.EqOdMean) {
					continue
				}
				if t := choiceOf(*b.in, base); !(r.Action == ActionFlipWholePool && t.WholePool()) {
					r.TiedWith = append(r.TiedWith, t)
				}
			}
			switch {
			case r.Action == ActionFlipWholePool:
				r.Reason = "the lowest EqOd within the error limit flips every candidate of the pool (every method flips the same rows then)"
			case base == nil:
				r.Reason = "the lowest EqOd on the grid (the grid has no 0: no comparison with doing nothing, and no error limit)"
			default:
				r.Reason = fmt.Sprintf("the lowest EqOd within the error limit, below no action's %s by more than the runs' spread", pm(base.EqOdMean))
			}
			if len(r.TiedWith) > 0 {
				var names []string
				for _, t := range r.TiedWith {
					names = append(names, t.Method)
				}
				r.Reason += fmt.Sprintf("; tied with %s: the runs cannot tell the methods apart", strings.Join(names, ", "))
			}
		}
		if x := r.Excluded; x != nil && r.Action != ActionNoActionFavoured {
			r.Reason += fmt.Sprintf("; a lower EqOd, %s (%s, %s flips), is excluded by the error limit: it raises the error by %+.4f, over %.4f",
				pm(x.EqOd), x.Method, x.Flips, x.ErrorIncrease, limit)
		}
	}
	return recs
}

// better orders cells for the advice: lower mean EqOd, then fewer flips
// made, then report order (the cells come in it).
func better(a, b Cell) bool {
	if a.EqOdMean.Mean != b.EqOdMean.Mean {
		return a.EqOdMean.Mean < b.EqOdMean.Mean
	}
	return a.Flips.Mean < b.Flips.Mean
}

// pm writes a mean ± SD (the mean alone when the SD is undefined).
func pm(s Stat) string {
	if math.IsNaN(s.Mean) {
		return "undefined"
	}
	if math.IsNaN(s.SD) {
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.SD)
}

// bestAndTarget is the recommendation as it has always been: per alpha,
// the cell of lowest mean EqOd over the grid and the cheapest cell that
// reaches target (target ≤ 0: no target).
func bestAndTarget(cells []Cell, target float64) []Recommendation {
	var alphas []float64
	seen := map[float64]bool{}
	for _, c := range cells {
		if c.Side == SideCollective && !seen[c.Alpha] {
			seen[c.Alpha] = true
			alphas = append(alphas, c.Alpha)
		}
	}
	sort.Float64s(alphas)
	var out []Recommendation
	for _, a := range alphas {
		r := Recommendation{Alpha: a, BestEqOd: math.Inf(1)}
		if target > 0 {
			r.TargetEqOd = target
			r.TargetFlips = math.Inf(1)
		}
		for _, c := range cells {
			if c.Side != SideCollective || c.Alpha != a || math.IsNaN(c.EqOdMean.Mean) {
				continue
			}
			if c.EqOdMean.Mean < r.BestEqOd {
				r.BestMethod, r.BestFlips, r.BestFlipsMade, r.BestEqOd, r.BestError = c.Method, c.FlipsRequested, c.Flips.Mean, c.EqOdMean.Mean, c.Error.Mean
			}
			if target > 0 && c.EqOdMean.Mean <= target && (c.Flips.Mean < r.TargetFlips || (c.Flips.Mean == r.TargetFlips && c.EqOdMean.Mean < r.TargetEqOdGot)) {
				r.TargetReached = true
				r.TargetMethod, r.TargetFlips, r.TargetEqOdGot, r.TargetError = c.Method, c.Flips.Mean, c.EqOdMean.Mean, c.Error.Mean
			}
		}
		if math.IsInf(r.BestEqOd, 1) {
			continue
		}
		if !r.TargetReached {
			r.TargetFlips = 0
		}
		out = append(out, r)
	}
	return out
}

// cellText describes a choice's cell: "rb-prob, 10% asked, 30–32 made of a
// pool of 300–310".
func cellText(c Choice) string {
	s := c.Method + ", " + c.Flips
	if c.Flips != "auto" && !strings.HasSuffix(c.Flips, "%") {
		s += " flips"
	}
	s += " asked, " + rangeText(c.FlipsMade) + " made"
	if c.Pool.N > 0 {
		s += " of a pool of " + rangeText(c.Pool)
	}
	return s
}

// figuresText is a choice's EqOd and error with their spread, and the
// error increase over no action.
func figuresText(c Choice) string {
	s := "EqOd " + pm(c.EqOd) + ", error " + pm(c.Error)
	if !math.IsNaN(c.ErrorIncrease) {
		s += fmt.Sprintf(" (%+.4f)", c.ErrorIncrease)
	}
	return s
}

// writeAdvice writes the recommendations for people.
func writeAdvice(w io.Writer, recs []Recommendation) {
	limit := recs[0].MaxErrorIncrease
	lim := "no limit on the error"
	if !math.IsInf(limit, 1) {
		lim = fmt.Sprintf("error at most %+.4f over no action", limit)
	}
	fmt.Fprintf(w, "Recommendation per collective size (EqOd is the mean of the TPR and FPR gaps; figures are %s; %s, --max-error-increase):\n", SpreadRule, lim)
	if b := recs[0].Base; b != nil {
		fmt.Fprintf(w, "  without action: %s\n", figuresText(Choice{EqOd: b.EqOd, Error: b.Error, ErrorIncrease: math.NaN()}))
	}
	anyTie := false
	for _, r := range recs {
		a := r.Advised
		var head string
		switch r.Action {
		case ActionNoActionFavoured, ActionNoActionNoGain:
			head = "no action: " + figuresText(a)
		case ActionFlipWholePool:
			head = fmt.Sprintf("flip the whole pool (%s candidates; every method flips the same rows): %s", rangeText(a.Pool), figuresText(a))
		default:
			head = fmt.Sprintf("flip (%s): %s", cellText(a), figuresText(a))
		}
		fmt.Fprintf(w, "  alpha %s: %s\n", fmtFloat(r.Alpha), head)
		fmt.Fprintf(w, "    why: %s\n", r.Reason)
		for _, t := range r.TiedWith {
			anyTie = true
			fmt.Fprintf(w, "    tied: %s: %s\n", cellText(t), figuresText(t))
		}
		if x := r.Excluded; x != nil {
			fmt.Fprintf(w, "    excluded by the error limit: %s: %s\n", cellText(*x), figuresText(*x))
		}
		if r.TargetEqOd > 0 {
			if r.TargetReached {
				fmt.Fprintf(w, "    target EqOd <= %g: reached with %.1f flips (%s): EqOd %.4f, error %.4f\n", r.TargetEqOd, r.TargetFlips, r.TargetMethod, r.TargetEqOdGot, r.TargetError)
			} else {
				fmt.Fprintf(w, "    target EqOd <= %g: not reached on this grid\n", r.TargetEqOd)
			}
		}
	}
	if anyTie {
		fmt.Fprintf(w, "  (ties: %s)\n", TieRule)
	}
}
