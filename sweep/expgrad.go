package sweep

import (
	"fmt"
	"math"
	"slices"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/transform"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Agarwal, Beygelzimer, Dudík, Langford & Wallach (ICML 2018), "A
// Reductions Approach to Fair Classification": the exponentiated-gradient
// reduction (their Algorithm 1) for equalized odds with two groups.
//
// The constraints are the paper's equalized-odds moments: for each label y
// and group a (minority, majority),
//
//	γ_{a,y}(h) = E[h(X) | A=a, Y=y] − E[h(X) | Y=y],   −ε ≤ γ_{a,y}(h) ≤ ε,
//
// the expectations over the training rows of the two groups (rows in
// neither group are in the error but in no constraint). Each γ gives two
// constraints, +γ − ε ≤ 0 and −γ − ε ≤ 0; a moment whose (a, y) cell has no
// training row is left out. The error err(h) is over every training row.
//
// The Lagrangian is L(Q, λ) = err(Q) + Σ_k λ_k·(s_k·γ_k(Q) − ε). The
// algorithm keeps θ ∈ R^K (θ₁ = 0) and, at iteration t,
//
//	λ_t,k = B·exp(θ_k) / (1 + Σ_k' exp(θ_k'))
//	h_t   = BEST_h(λ_t)                      (the learner's best response)
//	Q̂_t  = (1/t)·Σ h_t',  λ̂_t = (1/t)·Σ λ_t'
//	ν̄_t  = max(L(Q̂_t, BEST_λ(Q̂_t)) − L(Q̂_t, λ̂_t), L(Q̂_t, λ̂_t) − L(BEST_h(λ̂_t), λ̂_t))
//	stop when ν̄_t ≤ ν (or t = T), returning Q̂_t
//	θ_{t+1} = θ_t + η·(s·γ(h_t) − ε)
//
// BEST_λ(Q) puts all of B on the most violated constraint (λ = 0 when none
// is violated). BEST_h(λ) is cost-sensitive classification: predicting 1
// on row i rather than 0 changes L by
//
//	c_i = (1[y_i=0] − 1[y_i=1])/n + Λ_{a_i,y_i}/n_{a_i,y_i} − Σ_a Λ_{a,y_i}/n_{y_i},
//
// Λ_{a,y} = λ_{a,y,+} − λ_{a,y,−} (the last two terms only for rows of the
// two groups), which is weighted classification with label 1[c_i < 0] and
// weight n·|c_i| (so that λ = 0 gives every row weight 1: the firm's own
// fit). The learner is the firm's logistic regression with those row
// weights, as in the paper's experiments, so BEST_h is approximate.
//
// Settings. The paper's Theorem 1 gives the guarantee behind them: a
// ν-approximate saddle point Q̂ has err(Q̂) ≤ err(Q*) + 2ν and violates each
// constraint by at most (1+2ν)/B beyond ε. fairflip takes the settings the
// paper's released code (fairlearn's expgrad, as published with the paper)
// uses by default, where the paper leaves them to the user:
//
//   - B = 1/ε (the bound on ‖λ‖₁), so the extra violation is about ε;
//   - η = 2/B (the learning rate, fixed: Algorithm 1 has no step-size schedule);
//   - T = 50 (the most iterations);
//   - ν = ½·sd(|h₀(x)−y|)/√n, h₀ the firm's unconstrained fit (the
//     statistical uncertainty of a training error: a gap below it is noise).
//
// The mixture returned is, as in the released code, the best one over the
// hypotheses found rather than Algorithm 1's uniform average Q̂_T: the
// linear program
//
//	min_{q ≥ 0, Σq = 1, s ≥ 0}  Σ_j q_j·err(h_j) + B·s   s.t.  Σ_j q_j·(s_k·γ_k(h_j) − ε) ≤ s  for every k,
//
// over every h_t and BEST_h(λ̂_t) the run fitted (gonum's simplex). Q̂_T
// is one of its feasible points, so the mixture is at least as good on the
// training rows (in error plus B times the violation beyond ε). Without it,
// Algorithm 1's average of 50 iterations still carries its first,
// oscillating iterates: on Adult every ε gave the same point, 3 points of
// error above the front. The released code's other extra (shrinking η
// when the gap grows) is left out.
const (
	egMaxIter = 50  // T
	egEtaB    = 2.0 // η·B
	egNuMul   = 0.5 // ν = egNuMul·sd/√n
)

// EGOptions are the exponentiated-gradient reduction's settings.
type EGOptions struct {
	Eps float64 // ε, the bound on each |γ_{a,y}|, > 0
	B   float64 // the bound on ‖λ‖₁; 0: 1/ε
	Eta float64 // the learning rate η; 0: egEtaB/B
	Nu  float64 // ν, the convergence threshold on the gap ν̄ (≥ 0)
	T   int     // the most iterations; 0: egMaxIter
}

// EGLearner is BEST_h's learner: it fits a classifier to the training rows
// with labels y and row weights w and returns its predictions on the
// training rows and on the test rows.
type EGLearner func(y []bool, w []float64) (train, test []bool, err error)

// EGResult is the randomized classifier the reduction returns: a mixture
// of the hypotheses it fitted (the linear program's, see above).
type EGResult struct {
	TrainProb []float64 // P(the mixture predicts 1) per training row
	TestProb  []float64 // the same per test row
	Iter      int       // iterations done (hypotheses in Q̂)
	Fits      int       // learner calls: two per iteration (h_t and BEST_h(λ̂_t))
	Gap       float64   // ν̄ at the last iteration
	Converged bool      // ν̄ ≤ ν was reached within T iterations
	Error     float64   // the mixture's expected error on the training rows
	// Violation is max_{a,y} |γ_{a,y}| of the mixture on the training rows (expected).
	Violation float64
}

// egMoments are the counts behind the equalized-odds moments.
type egMoments struct {
	group []int8
	y     []bool
	n     float64       // training rows
	cnt   [3][2]float64 // rows per (group, label), two groups only
	ny    [2]float64    // rows of the two groups per label
	cons  []egConstraint
}

// egConstraint is s·γ_{g,y} − ε ≤ 0.
type egConstraint struct {
	g    int8
	y    int
	sign float64
}

func newEGMoments(group []int8, y []bool) (*egMoments, error) {
	m := &egMoments{group: group, y: y, n: float64(len(y))}
	for i, g := range group {
		if g == transform.GroupNone {
			continue
		}
		m.cnt[g][b2i(y[i])]++
		m.ny[b2i(y[i])]++
	}
	for _, g := range []int8{transform.GroupMinority, transform.GroupMajority} {
		if m.cnt[g][0]+m.cnt[g][1] == 0 {
			return nil, fferr.Data("%s: no %s rows in the training part", BaselineReductions, groupName(g))
		}
		for l := 0; l < 2; l++ {
			if m.cnt[g][l] > 0 {
				m.cons = append(m.cons, egConstraint{g, l, 1}, egConstraint{g, l, -1})
			}
		}
	}
	return m, nil
}

// eval returns err(h) and s_k·γ_k(h) − ε per constraint, h the probability
// of predicting 1 per training row.
func (m *egMoments) eval(h []float64, eps float64) (float64, []float64) {
	var errSum float64
	var sum [3][2]float64
	for i, p := range h {
		if m.y[i] {
			errSum += 1 - p
		} else {
			errSum += p
		}
		if g := m.group[i]; g != transform.GroupNone {
			sum[g][b2i(m.y[i])] += p
		}
	}
	viol := make([]float64, len(m.cons))
	for k, c := range m.cons {
		all := (sum[transform.GroupMinority][c.y] + sum[transform.GroupMajority][c.y]) / m.ny[c.y]
		viol[k] = c.sign*(sum[c.g][c.y]/m.cnt[c.g][c.y]-all) - eps
	}
	return errSum / m.n, viol
}

// lagrangian is L = err + Σ λ_k·viol_k.
func lagrangian(err float64, viol, lambda []float64) float64 {
	for k, v := range viol {
		err += lambda[k] * v
	}
	return err
}

// costs returns BEST_h(λ)'s weighted classification: label 1[c_i < 0]
// and weight n·|c_i| per row.
func (m *egMoments) costs(lambda []float64) ([]bool, []float64) {
	var net [3][2]float64 // Λ_{g,y}
	for k, c := range m.cons {
		net[c.g][c.y] += c.sign * lambda[k]
	}
	var perCell [3][2]float64 // Λ_{g,y}/n_{g,y} − Σ_a Λ_{a,y}/n_y, times n
	for _, g := range []int8{transform.GroupMinority, transform.GroupMajority} {
		for l := 0; l < 2; l++ {
			if m.cnt[g][l] == 0 {
				continue
			}
			perCell[g][l] = m.n * (net[g][l]/m.cnt[g][l] - (net[transform.GroupMinority][l]+net[transform.GroupMajority][l])/m.ny[l])
		}
	}
	label := make([]bool, len(m.y))
	w := make([]float64, len(m.y))
	for i := range m.y {
		c := 1.0 // n·c_i
		if m.y[i] {
			c = -1
		}
		if g := m.group[i]; g != transform.GroupNone {
			c += perCell[g][b2i(m.y[i])]
		}
		label[i], w[i] = c < 0, math.Abs(c)
	}
	return label, w
}

// egLambda is λ_k = B·exp(θ_k)/(1 + Σ exp θ), computed without overflow.
func egLambda(theta []float64, b float64) []float64 {
	top := 0.0
	for _, t := range theta {
		top = max(top, t)
	}
	den := math.Exp(-top)
	lambda := make([]float64, len(theta))
	for k, t := range theta {
		lambda[k] = math.Exp(t - top)
		den += lambda[k]
	}
	for k := range lambda {
		lambda[k] *= b / den
	}
	return lambda
}

// resolve fills in the defaults and checks the settings.
func (o EGOptions) resolve() (EGOptions, error) {
	if !(o.Eps > 0) || math.IsInf(o.Eps, 0) {
		return o, fmt.Errorf("%s: the bound ε must be positive, not %g", BaselineReductions, o.Eps)
	}
	if o.B == 0 {
		o.B = 1 / o.Eps
	}
	if o.Eta == 0 {
		o.Eta = egEtaB / o.B
	}
	if o.T == 0 {
		o.T = egMaxIter
	}
	if !(o.B > 0) || !(o.Eta > 0) || !(o.Nu >= 0) || o.T < 0 {
		return o, fmt.Errorf("%s: bad settings B=%g η=%g ν=%g T=%d", BaselineReductions, o.B, o.Eta, o.Nu, o.T)
	}
	return o, nil
}

// ExpGradEqOdds runs the exponentiated-gradient reduction for equalized
// odds on the training rows (group, label y), with learn as BEST_h's
// learner; tick, if not nil, is called after each learner call.
func ExpGradEqOdds(group []int8, y []bool, opt EGOptions, learn EGLearner, tick func()) (EGResult, error) {
	opt, err := opt.resolve()
	if err != nil {
		return EGResult{}, err
	}
	m, err := newEGMoments(group, y)
	if err != nil {
		return EGResult{}, err
	}
	var res EGResult
	var hyps egHyps
	call := func(lambda []float64) (train []float64, test []bool, err error) {
		lab, w := m.costs(lambda)
		tr, te, err := learn(lab, w)
		if err != nil {
			return nil, nil, err
		}
		if len(tr) != len(y) {
			return nil, nil, fmt.Errorf("%s: the learner gave %d training predictions for %d rows", BaselineReductions, len(tr), len(y))
		}
		res.Fits++
		if tick != nil {
			tick()
		}
		train = make([]float64, len(tr))
		for i, b := range tr {
			train[i] = float64(b2i(b))
		}
		hyps.add(m, opt.Eps, train, te)
		return train, te, nil
	}
	theta := make([]float64, len(m.cons))
	lambdaSum := make([]float64, len(m.cons))
	sumTrain := make([]float64, len(y))
	for t := 1; t <= opt.T; t++ {
		lambda := egLambda(theta, opt.B)
		ht, _, err := call(lambda)
		if err != nil {
			return EGResult{}, err
		}
		for i, p := range ht {
			sumTrain[i] += p
		}
		for k := range lambda {
			lambdaSum[k] += lambda[k]
		}
		res.Iter = t
		res.Gap, err = egGap(m, opt, sumTrain, lambdaSum, t, call)
		if err != nil {
			return EGResult{}, err
		}
		if res.Gap <= opt.Nu {
			res.Converged = true
			break
		}
		_, viol := m.eval(ht, opt.Eps)
		for k, v := range viol {
			theta[k] += opt.Eta * v
		}
	}
	q, err := hyps.best(opt.B)
	if err != nil {
		return EGResult{}, err
	}
	res.TrainProb, res.TestProb = hyps.mix(q)
	var viol []float64
	res.Error, viol = m.eval(res.TrainProb, 0)
	res.Violation = math.Inf(-1)
	for _, v := range viol {
		res.Violation = max(res.Violation, v)
	}
	return res, nil
}

// egGap returns ν̄_t for Q̂_t = sumTrain/t and λ̂_t = lambdaSum/t.
func egGap(m *egMoments, opt EGOptions, sumTrain, lambdaSum []float64, t int, call func([]float64) ([]float64, []bool, error)) (float64, error) {
	q, lhat := scaled(sumTrain, t), scaled(lambdaSum, t)
	errQ, violQ := m.eval(q, opt.Eps)
	lq := lagrangian(errQ, violQ, lhat)
	// BEST_λ(Q̂): all of B on the most violated constraint, if any.
	best := errQ
	for _, v := range violQ {
		best = max(best, errQ+opt.B*v)
	}
	hb, _, err := call(lhat)
	if err != nil {
		return 0, err
	}
	errH, violH := m.eval(hb, opt.Eps)
	return max(best-lq, lq-lagrangian(errH, violH, lhat)), nil
}

// scaled returns v/t.
func scaled(v []float64, t int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / float64(t)
	}
	return out
}

// egHyps are the distinct hypotheses a run fitted, with their training
// error and constraint values.
type egHyps struct {
	train [][]float64 // 0/1 per training row
	test  [][]bool
	err   []float64
	viol  [][]float64 // s_k·γ_k(h) − ε
}

func (hs *egHyps) add(m *egMoments, eps float64, train []float64, test []bool) {
	for j := range hs.train {
		if slices.Equal(hs.train[j], train) && slices.Equal(hs.test[j], test) {
			return
		}
	}
	e, v := m.eval(train, eps)
	hs.train, hs.test = append(hs.train, train), append(hs.test, test)
	hs.err, hs.viol = append(hs.err, e), append(hs.viol, v)
}

// best solves the linear program over the hypotheses (see the comment at
// the top): it returns the mixture's weights q.
func (hs *egHyps) best(b float64) ([]float64, error) {
	nh, nk := len(hs.err), len(hs.viol[0])
	// Standard form: x = (q, s, z), z the slacks of the K inequalities.
	nv := nh + 1 + nk
	A := mat.NewDense(nk+1, nv, nil)
	rhs := make([]float64, nk+1)
	for k := 0; k < nk; k++ {
		for j := 0; j < nh; j++ {
			A.Set(k, j, hs.viol[j][k])
		}
		A.Set(k, nh, -1)
		A.Set(k, nh+1+k, 1)
	}
	for j := 0; j < nh; j++ {
		A.Set(nk, j, 1)
	}
	rhs[nk] = 1
	c := make([]float64, nv)
	copy(c, hs.err)
	c[nh] = b
	_, x, err := lp.Simplex(c, A, rhs, lpTol, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: the linear program over the hypotheses: %w", BaselineReductions, err)
	}
	q := make([]float64, nh)
	var sum float64
	for j := range q {
		q[j] = max(0, x[j])
		sum += q[j]
	}
	for j := range q {
		q[j] /= sum
	}
	return q, nil
}

// mix returns the mixture's probability of predicting 1 per training and
// test row.
func (hs *egHyps) mix(q []float64) (train, test []float64) {
	train = make([]float64, len(hs.train[0]))
	test = make([]float64, len(hs.test[0]))
	for j, w := range q {
		if w == 0 {
			continue
		}
		for i, p := range hs.train[j] {
			train[i] += w * p
		}
		for i, b := range hs.test[j] {
			if b {
				test[i] += w
			}
		}
	}
	return train, test
}
