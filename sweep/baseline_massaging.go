package sweep

import (
	"context"
	"math"
	"sort"

	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// BaselineMassaging is Kamiran & Calders' massaging: promote/demote pairs
// chosen by a ranker.
const BaselineMassaging = "massaging"

// massaging is the baseline BaselineMassaging.
type massaging struct{}

func (massaging) name() string { return BaselineMassaging }

// check: massaging ranks with the built-in logistic regression whatever
// the firm, so it runs with any.
func (massaging) check(*Config) error { return nil }

func (massaging) fits(grid []flipValue) int {
	n := 0
	for _, g := range grid {
		if g.massagingFit() {
			n++
		}
	}
	return n
}

func (massaging) run(ctx context.Context, cfg *Config, rs *runState, train *transform.Dataset, grid []flipValue, tick func()) ([]Result, error) {
	return cfg.runMassaging(ctx, rs, train, grid, tick)
}

// massagingFit reports whether massaging counts a fit for the value (a
// positive count or percentage; its progress ticks once).
func (g flipValue) massagingFit() bool {
	return g.n > 0 || (g.n == flipPct && g.pct > 0)
}

// runMassaging is Kamiran & Calders' massaging at each flip count M:
// promote the M minority negatives the base model ranks most likely
// positive, demote the M majority positives it ranks least likely.
func (cfg *Config) runMassaging(ctx context.Context, rs *runState, train *transform.Dataset, grid []flipValue, tick func()) ([]Result, error) {
	lr, ok := rs.firm.(*LogRegFirm)
	var probs []float64
	if ok {
		probs = lr.TrainProbs(rs.base.(*model.LogReg))
	} else {
		// The ranker is part of the method: with an external firm, rank
		// with the built-in logistic regression.
		inner, err := NewLogRegFirm(FirmData{TrainCols: firmColumns(train, cfg.DropSensitive), TestCols: firmColumns(train, cfg.DropSensitive), TrainRows: rs.train, TestRows: rs.train[:1]}, cfg.Options.MaxLevels, 1)
		if err != nil {
			return nil, err
		}
		_, st, err := inner.Fit(ctx, rs.y, nil, nil)
		if err != nil {
			return nil, err
		}
		probs = inner.TrainProbs(st.(*model.LogReg))
	}
	var promo, demo []int
	for k, r := range rs.train {
		switch {
		case train.Group[r] == transform.GroupMinority && !rs.y[k]:
			promo = append(promo, k)
		case train.Group[r] == transform.GroupMajority && rs.y[k]:
			demo = append(demo, k)
		}
	}
	sort.SliceStable(promo, func(a, b int) bool { return probs[promo[a]] > probs[promo[b]] })
	sort.SliceStable(demo, func(a, b int) bool { return probs[demo[a]] < probs[demo[b]] })
	var out []Result
	warm := rs.base
	for _, g := range grid {
		if g.n == flipAuto {
			continue
		}
		// A percentage is of the minority's negatives (the pool of a
		// collective of the whole minority).
		m := min(g.count(len(promo)), len(promo), len(demo))
		if m == 0 {
			out = append(out, makeResult(SideFirm, BaselineMassaging, math.NaN(), g.text, 0, 0, 0, rs.report))
			if g.massagingFit() {
				tick() // counted as a fit by countFits
			}
			continue
		}
		y := append([]bool(nil), rs.y...)
		for _, k := range promo[:m] {
			y[k] = true
		}
		for _, k := range demo[:m] {
			y[k] = false
		}
		pred, state, err := rs.firm.Fit(ctx, y, nil, warm)
		if err != nil {
			return nil, err
		}
		warm = state
		rep, err := rs.evaluate(pred)
		if err != nil {
			return nil, err
		}
		tick()
		out = append(out, makeResult(SideFirm, BaselineMassaging, math.NaN(), g.text, m, 0, 0, rep))
	}
	return out, nil
}
