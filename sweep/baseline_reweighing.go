package sweep

import (
	"context"
	"math"

	"github.com/fairflip/fairflip/transform"
)

// BaselineReweighing is Kamiran & Calders' reweighing: weights
// P(a)P(y)/P(a,y).
const BaselineReweighing = "reweighing"

// reweighing is the baseline BaselineReweighing.
type reweighing struct{}

func (reweighing) name() string { return BaselineReweighing }

// check: an external firm takes no row weights.
func (reweighing) check(cfg *Config) error {
	if cfg.externalFirm() {
		return errWeightsCmdFirm
	}
	return nil
}

func (reweighing) fits([]flipValue) int { return 1 }

func (reweighing) run(ctx context.Context, cfg *Config, rs *runState, train *transform.Dataset, _ []flipValue, tick func()) ([]Result, error) {
	return cfg.runReweighing(ctx, rs, train, tick)
}

// runReweighing fits the firm with Kamiran & Calders' reweighing weights.
func (cfg *Config) runReweighing(ctx context.Context, rs *runState, train *transform.Dataset, tick func()) ([]Result, error) {
	groups := make([]int8, len(rs.train))
	for k, r := range rs.train {
		groups[k] = train.Group[r]
	}
	w := ReweighingWeights(groups, rs.y)
	pred, _, err := rs.firm.Fit(ctx, rs.y, w, rs.base)
	if err != nil {
		return nil, err
	}
	rep, err := rs.evaluate(pred)
	if err != nil {
		return nil, err
	}
	tick()
	return []Result{makeResult(SideFirm, BaselineReweighing, math.NaN(), "0", 0, 0, 0, rep)}, nil
}

// ReweighingWeights returns Kamiran & Calders' reweighing weights: each row
// gets the weight P(a)·P(y) / P(a, y) of its (group, label) cell, with the
// probabilities estimated over the rows of both groups, so that group and
// label are independent in the weighted data. Rows in neither group keep
// weight 1.
func ReweighingWeights(group []int8, y []bool) []float64 {
	var cnt [3][2]float64
	var n float64
	for k, g := range group {
		if g == transform.GroupNone {
			continue
		}
		cnt[g][b2i(y[k])]++
		n++
	}
	w := make([]float64, len(group))
	for k, g := range group {
		w[k] = 1
		if g == transform.GroupNone {
			continue
		}
		l := b2i(y[k])
		pa := (cnt[g][0] + cnt[g][1]) / n
		py := (cnt[1][l] + cnt[2][l]) / n
		w[k] = pa * py / (cnt[g][l] / n)
	}
	return w
}
