package sweep

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// BaselineReductions is Agarwal et al.'s (2018) exponentiated-gradient
// reduction for equalized odds (expgrad.go), traced over its bound ε.
const BaselineReductions = "eqodds-reductions"

// ReductionsBounds are the bounds ε the reductions baseline is run at, one
// cell each (flips_requested "eps=ε"): from about the sampling noise of a
// minority's rate to about the base model's gap on Adult and COMPAS, so that
// the cells trace the error–EqOd front.
var ReductionsBounds = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1}

// reductionsPrefix starts the flips_requested text of a reductions cell.
const reductionsPrefix = "eps="

// ReductionsCell is the flips_requested text of the cell of bound eps.
func ReductionsCell(eps float64) string {
	return reductionsPrefix + strconv.FormatFloat(eps, 'g', -1, 64)
}

// ReductionsBound returns the bound ε of a reductions cell's
// flips_requested text; ok is false for any other text.
func ReductionsBound(flipsRequested string) (eps float64, ok bool) {
	e, ok := strings.CutPrefix(flipsRequested, reductionsPrefix)
	if !ok {
		return 0, false
	}
	eps, err := strconv.ParseFloat(e, 64)
	return eps, err == nil
}

// errReductionsFirm refuses the reductions baseline with an external firm.
var errReductionsFirm = fferr.Usage("--baselines " + BaselineReductions + " refits the built-in logistic regression with row weights and reads its predictions on the training rows: it needs the built-in firm (--firm logreg, the default), not --firm-cmd or another --firm")

// reductions is the baseline BaselineReductions.
type reductions struct{}

func (reductions) name() string { return BaselineReductions }

func (reductions) check(cfg *Config) error {
	if cfg.externalFirm() {
		return errReductionsFirm
	}
	return nil
}

// fits: at most two fits per iteration and bound (a bound that converges
// early ticks the rest when it stops).
func (reductions) fits([]flipValue) int { return len(ReductionsBounds) * 2 * egMaxIter }

// reductionsFits are the mixtures of one set of training rows, one per
// bound, computed once.
type reductionsFits struct {
	once sync.Once
	q    []EGResult
	err  error
}

// run predicts each test row with its own draw u = rowhash.Uniform(run
// seed, Reductions, test row) from the mixture of each bound: positive when
// u < the mixture's probability of a positive (a draw of the randomized
// classifier per row, not its expected rates). One cell per bound, at
// flips 0.
func (reductions) run(ctx context.Context, _ *Config, rs *runState, train *transform.Dataset, _ []flipValue, tick func()) ([]Result, error) {
	computed := false
	rs.red.once.Do(func() {
		computed = true
		rs.red.q, rs.red.err = fitReductions(ctx, rs, train, tick)
	})
	if rs.red.err != nil {
		return nil, rs.red.err
	}
	if !computed {
		for range (reductions{}).fits(nil) {
			tick() // the fits another run made for the same training rows
		}
	}
	var out []Result
	for b, eps := range ReductionsBounds {
		q := rs.red.q[b]
		pred := make([]bool, len(q.TestProb))
		for k, p := range q.TestProb {
			pred[k] = rowhash.Uniform(rs.seed, rowhash.Reductions, uint64(rs.testRows[k])) < p
		}
		rep, err := rs.evaluate(pred)
		if err != nil {
			return nil, err
		}
		out = append(out, makeResult(SideFirm, BaselineReductions, math.NaN(), ReductionsCell(eps), 0, 0, 0, rep))
	}
	return out, nil
}

// fitReductions runs the reduction at each bound on the run's training
// rows, with the built-in firm's logistic regression as the learner, each
// fit warm-started from the previous one; it ticks 2T per bound.
func fitReductions(ctx context.Context, rs *runState, train *transform.Dataset, tick func()) ([]EGResult, error) {
	lr, ok := rs.firm.(*LogRegFirm)
	if !ok {
		return nil, errReductionsFirm
	}
	warm, ok := rs.base.(*model.LogReg)
	if !ok {
		return nil, fmt.Errorf("%s: the base fit %T is not a logistic regression", BaselineReductions, rs.base)
	}
	nu := reductionsNu(lr, warm, rs.y)
	learn := func(y []bool, w []float64) ([]bool, []bool, error) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		test, st, err := lr.Fit(ctx, y, w, warm)
		if err != nil {
			return nil, nil, err
		}
		warm = st.(*model.LogReg)
		return predictions(warm, lr.Xtrain), test, nil
	}
	groups := rs.trainGroups(train)
	var out []EGResult
	for _, eps := range ReductionsBounds {
		q, err := ExpGradEqOdds(groups, rs.y, EGOptions{Eps: eps, Nu: nu}, learn, tick)
		if err != nil {
			return nil, err
		}
		for range 2*egMaxIter - q.Fits {
			tick() // counted by fits
		}
		out = append(out, q)
	}
	return out, nil
}

// reductionsNu is ν = ½·sd(|h₀(x)−y|)/√n over the training rows, h₀ the
// firm's unconstrained fit (sample SD).
func reductionsNu(lr *LogRegFirm, base *model.LogReg, y []bool) float64 {
	pred := predictions(base, lr.Xtrain)
	n := float64(len(y))
	if n < 2 {
		return 0
	}
	var miss float64
	for i := range y {
		if pred[i] != y[i] {
			miss++
		}
	}
	mean := miss / n
	// Σ(x−mean)² for 0/1 values x with miss ones.
	ss := miss*(1-mean)*(1-mean) + (n-miss)*mean*mean
	return egNuMul * math.Sqrt(ss/(n-1)) / math.Sqrt(n)
}
