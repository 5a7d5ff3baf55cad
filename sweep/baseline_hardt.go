package sweep

import (
	"context"
	"fmt"
	"math"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// BaselineEqOddsPostproc is Hardt, Price & Srebro's (2016) equalized-odds
// post-processing of the base firm's predictions.
const BaselineEqOddsPostproc = "eqodds-postproc"

// ScoringFirm is a firm that can also give its model's scores P(y=1|x)
// (the post-processing baselines start from them). Only the built-in
// firm is one: the external firm's protocol returns test predictions only.
type ScoringFirm interface {
	Firm
	// Scores returns P(y=1|x) of the model a Fit returned as state, for
	// every training row and every test row (in FirmData's order).
	Scores(state any) (train, test []float64, err error)
}

// eqOddsPostproc is the baseline BaselineEqOddsPostproc.
type eqOddsPostproc struct{}

func (eqOddsPostproc) name() string { return BaselineEqOddsPostproc }

func (eqOddsPostproc) check(cfg *Config) error { return checkScoringFirm(cfg) }

// fits: it post-processes the base model, with no fit of its own.
func (eqOddsPostproc) fits([]flipValue) int { return 0 }

func (eqOddsPostproc) run(ctx context.Context, cfg *Config, rs *runState, train *transform.Dataset, _ []flipValue, _ func()) ([]Result, error) {
	return cfg.runEqOddsPostproc(ctx, rs, train)
}

// checkScoringFirm refuses the post-processing baselines with --firm-cmd
// (whose protocol gives no scores).
func checkScoringFirm(cfg *Config) error {
	if cfg.FirmCmd != "" {
		return errScoresCmdFirm
	}
	return nil
}

// errScoresCmdFirm refuses the post-processing baselines with a firm that
// gives no scores.
var errScoresCmdFirm = fferr.Usage("the external firm (--firm-cmd) gives no scores on its training rows: --baselines eqodds-postproc, calibrated-eqodds and calibrated-eqodds-random need the built-in firm")

// Scores implements ScoringFirm.
func (f *LogRegFirm) Scores(state any) ([]float64, []float64, error) {
	m, ok := state.(*model.LogReg)
	if !ok {
		return nil, nil, fmt.Errorf("LogRegFirm.Scores: state %T is not a fitted logistic regression", state)
	}
	return probabilities(m, f.Xtrain), probabilities(m, f.Xtest), nil
}

// EqOddsMix is Hardt et al.'s derived predictor for two groups: a row of
// group g whose base prediction is b is predicted positive with
// probability P[g][b] (g a transform group, b 0 or 1). Rows in neither
// group keep their base prediction.
type EqOddsMix struct {
	P [3][2]float64
	// Error is the linear program's optimum: the expected error of the
	// derived predictor on the fitting rows of the two groups.
	Error float64
}

// FitEqOddsPostproc solves Hardt et al.'s linear program on the fitting
// rows: the four mixing probabilities P[g][b] minimise the expected error of
// the two groups' rows subject to equal true-positive and equal
// false-positive rates in the two groups. A rate that is undefined in a
// group (it has no positive, or no negative, rows) is not constrained.
func FitEqOddsPostproc(group []int8, y, base []bool) (EqOddsMix, error) {
	var n [3][2][2]float64 // group, label, base prediction
	var total float64
	for i, g := range group {
		if g == transform.GroupNone {
			continue
		}
		n[g][b2i(y[i])][b2i(base[i])]++
		total++
	}
	groups := [2]int8{transform.GroupMinority, transform.GroupMajority}
	for _, g := range groups {
		if n[g][0][0]+n[g][0][1]+n[g][1][0]+n[g][1][1] == 0 {
			return EqOddsMix{}, fferr.Data("eqodds-postproc: no %s rows in the training part", groupName(g))
		}
	}
	// x = (P[min][0], P[min][1], P[maj][0], P[maj][1]).
	idx := func(k int, b int) int { return 2*k + b }
	c := make([]float64, 4)
	var constant float64
	for k, g := range groups {
		for b := 0; b < 2; b++ {
			c[idx(k, b)] = (n[g][0][b] - n[g][1][b]) / total
		}
		constant += (n[g][1][0] + n[g][1][1]) / total
	}
	var E [][]float64
	for label := 1; label >= 0; label-- { // TPR, then FPR
		row := make([]float64, 4)
		ok := true
		for k, g := range groups {
			sum := n[g][label][0] + n[g][label][1]
			if sum == 0 {
				ok = false
				break
			}
			sign := 1.0
			if k == 1 {
				sign = -1
			}
			for b := 0; b < 2; b++ {
				row[idx(k, b)] = sign * n[g][label][b] / sum
			}
		}
		if ok {
			E = append(E, row)
		}
	}
	x, opt, err := solveBoxLP(c, E)
	if err != nil {
		return EqOddsMix{}, fmt.Errorf("eqodds-postproc: %w", err)
	}
	var m EqOddsMix
	m.P[transform.GroupNone] = [2]float64{0, 1}
	for k, g := range groups {
		m.P[g] = [2]float64{x[idx(k, 0)], x[idx(k, 1)]}
	}
	m.Error = opt + constant
	return m, nil
}

// Predict returns the derived prediction of a row of the group with the
// given base prediction, for a uniform draw u in [0, 1).
func (m EqOddsMix) Predict(group int8, base bool, u float64) bool {
	return u < m.P[group][b2i(base)]
}

func groupName(g int8) string {
	if g == transform.GroupMinority {
		return "minority"
	}
	return "majority"
}

// runEqOddsPostproc post-processes the base model's predictions with
// Hardt et al.'s derived predictor, fitted on the training rows (their
// base predictions, P(y=1|x) > 0.5, against their labels) and applied to
// the test rows, each with its own draw: rowhash.Uniform(run seed,
// PostProcess, test row). One cell, at flips 0 (no label changes; the firm
// changes its decisions instead).
func (cfg *Config) runEqOddsPostproc(_ context.Context, rs *runState, train *transform.Dataset) ([]Result, error) {
	sf, ok := rs.firm.(ScoringFirm)
	if !ok {
		return nil, errScoresCmdFirm
	}
	ptrain, _, err := sf.Scores(rs.base)
	if err != nil {
		return nil, err
	}
	groups, base := rs.trainGroups(train), make([]bool, len(ptrain))
	for k, p := range ptrain {
		base[k] = p > 0.5
	}
	mix, err := FitEqOddsPostproc(groups, rs.y, base)
	if err != nil {
		return nil, err
	}
	pred := make([]bool, len(rs.basePr))
	for k, b := range rs.basePr {
		pred[k] = mix.Predict(rs.testGroup[k], b, rowhash.Uniform(rs.seed, rowhash.PostProcess, uint64(rs.testRows[k])))
	}
	rep, err := rs.evaluate(pred)
	if err != nil {
		return nil, err
	}
	return []Result{makeResult(SideFirm, BaselineEqOddsPostproc, math.NaN(), "0", 0, 0, 0, rep)}, nil
}

// trainGroups returns the group of each training row.
func (rs *runState) trainGroups(train *transform.Dataset) []int8 {
	g := make([]int8, len(rs.train))
	for k, r := range rs.train {
		g[k] = train.Group[r]
	}
	return g
}
