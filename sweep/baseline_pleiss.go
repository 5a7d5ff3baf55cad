package sweep

import (
	"context"
	"math"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/transform"
)

// Pleiss, Raghavan, Wu, Kleinberg & Weinberger's (2017) calibrated
// equalized odds, the paper's own firm-side post-processing comparison, in
// two readings of how its calibrated scores become decisions:
// BaselineCalibratedEqOdds predicts positive when the post-processed score
// exceeds 0.5 (the firm's decision rule); BaselineCalibratedEqOddsRandom
// predicts positive with probability equal to it (a Bernoulli draw), under
// which a group's expected FPR and FNR are its generalized ones, the rates
// the method equalises.
const (
	BaselineCalibratedEqOdds       = "calibrated-eqodds"
	BaselineCalibratedEqOddsRandom = "calibrated-eqodds-random"
)

// calibratedEqOdds is the baseline of either reading (its name).
type calibratedEqOdds struct{ label string }

func (b calibratedEqOdds) name() string { return b.label }

func (calibratedEqOdds) check(cfg *Config) error { return checkScoringFirm(cfg) }

// fits: it post-processes the base model, with no fit of its own.
func (calibratedEqOdds) fits([]flipValue) int { return 0 }

func (b calibratedEqOdds) run(ctx context.Context, cfg *Config, rs *runState, train *transform.Dataset, _ []flipValue, _ func()) ([]Result, error) {
	return cfg.runCalibratedEqOdds(ctx, rs, train, b.label)
}

// CalibratedEqOdds is the fitted post-processor: rows of group Withheld
// have their score replaced, with probability Alpha, by the group's base
// rate (the training share of positive labels), which keeps the scores
// calibrated and raises the group's generalized cost to the other group's.
type CalibratedEqOdds struct {
	Withheld int8       // the group with the lower cost (transform.GroupMinority or GroupMajority)
	Alpha    float64    // probability that a row of Withheld gets its group's base rate, in [0, 1]
	BaseRate [3]float64 // P(y=1 | group) on the fitting rows
	// Cost is each group's generalized cost before withholding:
	// WeightFP·GFPR + WeightFN·GFNR, GFPR = E[score | y=0], GFNR = E[1−score | y=1].
	Cost [3]float64
}

// The cost constraint's weights: the paper (Ben-Dov et al.) does not say
// which of Pleiss et al.'s constraints it equalises; fairflip uses the
// generalized false-positive and false-negative rates weighted equally
// (Pleiss et al.'s "weighted" constraint with equal weights).
const (
	pleissWeightFP = 1.0
	pleissWeightFN = 1.0
)

// FitCalibratedEqOdds fits calibrated equalized odds on scores taken to be
// calibrated probabilities P(y=1|x) (the built-in firm's logistic
// regression probabilities), with the generalized cost
// wFP·GFPR + wFN·GFNR. The group with the lower cost is withheld from
// with probability
//
//	α = (cost_other − cost_low) / (trivial_low − cost_low),
//
// trivial_low = wFP·μ + wFN·(1−μ) the cost of predicting the group's base
// rate μ for every row, which equalises the two groups' costs in
// expectation. α is clipped to [0, 1]: when even full withholding cannot
// raise the group's cost to the other's (or would lower it), the costs stay
// unequal.
func FitCalibratedEqOdds(group []int8, y []bool, score []float64, wFP, wFN float64) (CalibratedEqOdds, error) {
	var n, pos, sumNeg, sumPosMiss [3]float64
	for i, g := range group {
		if g == transform.GroupNone {
			continue
		}
		n[g]++
		if y[i] {
			pos[g]++
			sumPosMiss[g] += 1 - score[i]
		} else {
			sumNeg[g] += score[i]
		}
	}
	var c CalibratedEqOdds
	var trivial [3]float64
	for _, g := range []int8{transform.GroupMinority, transform.GroupMajority} {
		if pos[g] == 0 || pos[g] == n[g] {
			return c, fferr.Data("calibrated-eqodds: the %s's training rows have only one label: its generalized false-positive and false-negative rates are not both defined", groupName(g))
		}
		c.BaseRate[g] = pos[g] / n[g]
		c.Cost[g] = wFP*sumNeg[g]/(n[g]-pos[g]) + wFN*sumPosMiss[g]/pos[g]
		trivial[g] = wFP*c.BaseRate[g] + wFN*(1-c.BaseRate[g])
	}
	low, high := transform.GroupMinority, transform.GroupMajority
	if c.Cost[high] < c.Cost[low] {
		low, high = high, low
	}
	c.Withheld = low
	if d := trivial[low] - c.Cost[low]; d > 0 {
		c.Alpha = min(1, max(0, (c.Cost[high]-c.Cost[low])/d))
	}
	return c, nil
}

// Score returns a row's post-processed score: its group's base rate when
// the row is withheld (draw u < Alpha, u uniform in [0, 1)), else its own.
func (c CalibratedEqOdds) Score(group int8, score, u float64) float64 {
	if group == c.Withheld && u < c.Alpha {
		return c.BaseRate[group]
	}
	return score
}

// runCalibratedEqOdds post-processes the base model's scores with
// calibrated equalized odds fitted on the training rows, and predicts a test
// row positive when its post-processed score exceeds 0.5 (name
// BaselineCalibratedEqOdds) or when a draw u < the score
// (BaselineCalibratedEqOddsRandom; u = rowhash.Uniform(run seed,
// PostProcess, test row)). Whether a test row is withheld is its own draw:
// rowhash.Uniform(run seed, Withhold, test row). One cell, at flips 0.
func (cfg *Config) runCalibratedEqOdds(_ context.Context, rs *runState, train *transform.Dataset, name string) ([]Result, error) {
	sf, ok := rs.firm.(ScoringFirm)
	if !ok {
		return nil, errScoresCmdFirm
	}
	ptrain, ptest, err := sf.Scores(rs.base)
	if err != nil {
		return nil, err
	}
	ce, err := FitCalibratedEqOdds(rs.trainGroups(train), rs.y, ptrain, pleissWeightFP, pleissWeightFN)
	if err != nil {
		return nil, err
	}
	pred := make([]bool, len(ptest))
	for k, p := range ptest {
		key := uint64(rs.testRows[k])
		q := ce.Score(rs.testGroup[k], p, rowhash.Uniform(rs.seed, rowhash.Withhold, key))
		if name == BaselineCalibratedEqOddsRandom {
			pred[k] = rowhash.Uniform(rs.seed, rowhash.PostProcess, key) < q
		} else {
			pred[k] = q > 0.5
		}
	}
	rep, err := rs.evaluate(pred)
	if err != nil {
		return nil, err
	}
	return []Result{makeResult(SideFirm, name, math.NaN(), "0", 0, 0, 0, rep)}, nil
}
