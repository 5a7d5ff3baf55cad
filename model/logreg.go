package model

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LogRegOptions configures FitLogReg. Zero values select the defaults.
type LogRegOptions struct {
	C       float64 // inverse regularisation strength; 0 means 1.0
	MaxIter int     // maximum number of Newton iterations; 0 means 1000
	// Tol is the gradient tolerance, relative to C·n: the fit has converged
	// when ‖∇f‖₂ ≤ Tol·C·n, i.e. when the mean per-row loss gradient is
	// below Tol. 0 means 1e-8.
	Tol     float64
	Workers int // goroutines for the gradient; 0 means runtime.GOMAXPROCS(0)
	// Weights, when not nil, weight each row's loss (scikit-learn's
	// sample_weight): f = ½‖w‖² + C·Σ_i Weights[i]·loss_i. Len must be X.N,
	// values finite and ≥ 0.
	Weights []float64
	// Init, when not nil, starts the solver from this model's coefficients
	// (a warm start: refitting after a few labels changed takes a few
	// Newton iterations instead of several more). It must have X's shape.
	// The solution is the same optimum, to the tolerance. When Init was
	// fitted on the same *Matrix (unchanged since) with the same C, the
	// refit also starts from Init's Hessian factor, objective and gradient,
	// updated for the rows whose label or weight changed, with no pass
	// over the rows.
	Init *LogReg

	// maxDense, when not 0, replaces maxDenseNewton as the largest number
	// of parameters solved by dense Newton steps; negative means none (for
	// tests: every fit then takes the conjugate-gradient path).
	maxDense int
}

// denseLimit returns the largest number of parameters that FitLogReg
// solves with dense Newton steps.
func (o LogRegOptions) denseLimit() int {
	if o.maxDense != 0 {
		return o.maxDense
	}
	return maxDenseNewton
}

// LogReg is an L2-regularised logistic regression on an encoded Matrix,
// equivalent to scikit-learn's LogisticRegression(penalty="l2", C=C,
// fit_intercept=True) on the one-hot-expanded, standardised features. It
// minimises
//
//	f(w, b) = ½‖w‖² + C·Σ_i log(1 + exp(−s_i·(w·x_i + b))),   s_i = ±1,
//
// with the intercept b not penalised. The weights are W[p] for numeric
// feature p and V[q][c] for code c of categorical feature q, so that
//
//	w·x_i = Σ_p W[p]·Num[i,p] + Σ_q V[q][Cat[i,q]].
type LogReg struct {
	W         []float64   // one weight per numeric feature
	V         [][]float64 // V[q][c]: weight of code c of categorical feature q
	B         float64     // intercept
	Iter      int         // Newton iterations done
	Converged bool        // whether ‖∇f‖₂ ≤ Tol·C·n was reached within MaxIter
	GradNorm  float64     // ‖∇f‖₂ at (W, V, B)
	Objective float64     // f at (W, V, B)
	// Passes is the number of passes the fit made over the rows: objective
	// and gradient evaluations, Hessians formed and Hessian-vector
	// products (a deterministic measure of its cost; a large cold fit's
	// subsample start is not counted).
	Passes int

	// chol is the Cholesky factor of the last Hessian formed (dense path),
	// reused by a warm start from this model as long as it keeps the
	// gradient falling fast (a chord Newton step).
	chol *mat.Cholesky
	// at is the problem the model was fitted to and its gradient there
	// (dense path), from which a warm start begins without a pass over the
	// rows.
	at *lrPoint
}

// lrPoint is a fit's problem (rows, labels, weights, C) and the objective
// and gradient at the fit's coefficients. The Hessian does not depend on
// the labels, and the objective and gradient change only in the terms of
// the rows whose label or weight changed, so a warm start from the same
// rows updates them in O(changed rows × row width) (lrProblem.warmStart).
type lrPoint struct {
	x    *Matrix
	y    []bool    // a copy
	w    []float64 // a copy; nil for weights 1
	c    float64
	f    float64
	grad []float64
}

// lrChunk is the number of rows per unit of parallel work. It is fixed,
// independent of the number of workers, so that the reduction over chunks
// (done serially in chunk order) gives bit-identical results whatever the
// number of workers or their scheduling.
const lrChunk = 4096

// lrProblem holds the data and scratch space of one fit. The parameter
// vector θ is laid out as [W | V[0] | V[1] | … | b].
type lrProblem struct {
	x       *Matrix
	y       []bool
	w       []float64 // row weights, nil for 1
	c       float64
	off     []int // offset of V[q] in θ
	dim     int   // len(θ)
	bIdx    int   // index of b in θ (= dim−1)
	workers int
	nChunks int
	passes  int // passes over the rows so far (evaluate, hessian, hessVec)

	d     []float64 // σ(z_i)·σ(−z_i) at the last evaluated θ
	hpart []float64 // hessChunks × dim × dim partial Hessians
	part  []float64 // nChunks × dim partial sums
	part2 []float64 // nChunks × dim partial sums (Hessian diagonal)
	fpart []float64 // nChunks partial losses
}

func newLRProblem(x *Matrix, y []bool, c float64, workers int) *lrProblem {
	pr := &lrProblem{x: x, y: y, c: c, workers: workers}
	pr.off = make([]int, x.Q)
	k := x.P
	for q, card := range x.Card {
		pr.off[q] = k
		k += card
	}
	pr.bIdx = k
	pr.dim = k + 1
	pr.nChunks = (x.N + lrChunk - 1) / lrChunk
	pr.d = make([]float64, x.N)
	pr.part = make([]float64, pr.nChunks*pr.dim)
	pr.part2 = make([]float64, pr.nChunks*pr.dim)
	pr.fpart = make([]float64, pr.nChunks)
	return pr
}

// rows returns the row range of chunk c.
func (pr *lrProblem) rows(c int) (lo, hi int) {
	lo = c * lrChunk
	return lo, min(lo+lrChunk, pr.x.N)
}

// linear returns v_b + Σ_p v_p·Num[i,p] + Σ_q v[off_q + Cat[i,q]], the
// inner product of the expanded row i (with a leading 1 for the intercept)
// and v.
func (pr *lrProblem) linear(v []float64, i int) float64 {
	x := pr.x
	s := v[pr.bIdx]
	num := x.Num[i*x.P : (i+1)*x.P]
	for p, a := range num {
		s += v[p] * a
	}
	cat := x.Cat[i*x.Q : (i+1)*x.Q]
	for q, code := range cat {
		s += v[pr.off[q]+int(code)]
	}
	return s
}

// addRow adds t·x_i (expanded, with the intercept 1) to acc.
func (pr *lrProblem) addRow(acc []float64, i int, t float64) {
	x := pr.x
	acc[pr.bIdx] += t
	num := x.Num[i*x.P : (i+1)*x.P]
	for p, a := range num {
		acc[p] += t * a
	}
	cat := x.Cat[i*x.Q : (i+1)*x.Q]
	for q, code := range cat {
		acc[pr.off[q]+int(code)] += t
	}
}

// evaluate returns f(θ) and stores ∇f(θ) in grad and the diagonal of the
// Hessian ∇²f(θ) in diag (if diag is not nil). It also stores the weights
// d_i = σ(z_i)σ(−z_i) used by hessVec.
//
//	∇f   = [w; 0] + C·Σ_i (σ(z_i) − y_i)·x_i
//	∇²f  = diag(1,…,1,0) + C·Σ_i d_i·x_i·x_iᵀ
func (pr *lrProblem) evaluate(theta, grad, diag []float64) float64 {
	pr.passes++
	dim := pr.dim
	forChunks(pr.nChunks, pr.workers, func(c int) {
		g := pr.part[c*dim : (c+1)*dim]
		clear(g)
		var h []float64
		if diag != nil {
			h = pr.part2[c*dim : (c+1)*dim]
			clear(h)
		}
		lo, hi := pr.rows(c)
		// The loss is Σ_i log1p(e_i) + lin_i (rowTerms). Unweighted, the
		// first sum is taken as the log of products of logBlock factors
		// 1+e_i ∈ (1, 2]: one logarithm per block instead of one per row.
		var loss float64
		prod := 1.0
		for i := lo; i < hi; i++ {
			e, lin, r, di := rowTerms(pr.linear(theta, i), pr.y[i])
			if pr.w != nil {
				wi := pr.w[i]
				loss += wi * (math.Log1p(e) + lin)
				r, di = wi*r, wi*di
			} else {
				loss += lin
				prod *= 1 + e
				if (i-lo)%logBlock == logBlock-1 {
					loss += math.Log(prod)
					prod = 1
				}
			}
			pr.d[i] = di
			pr.addRow(g, i, pr.c*r)
			if h != nil {
				x := pr.x
				t := pr.c * di
				h[pr.bIdx] += t
				for p, a := range x.Num[i*x.P : (i+1)*x.P] {
					h[p] += t * a * a
				}
				for q, code := range x.Cat[i*x.Q : (i+1)*x.Q] {
					h[pr.off[q]+int(code)] += t
				}
			}
		}
		pr.fpart[c] = loss + math.Log(prod)
	})

	// Serial reduction in chunk order: deterministic.
	var reg float64
	for j := 0; j < pr.bIdx; j++ {
		reg += theta[j] * theta[j]
		grad[j] = theta[j]
		if diag != nil {
			diag[j] = 1
		}
	}
	grad[pr.bIdx] = 0
	if diag != nil {
		diag[pr.bIdx] = 0
	}
	var loss float64
	for c := 0; c < pr.nChunks; c++ {
		loss += pr.fpart[c]
		floats.Add(grad, pr.part[c*dim:(c+1)*dim])
		if diag != nil {
			floats.Add(diag, pr.part2[c*dim:(c+1)*dim])
		}
	}
	return 0.5*reg + pr.c*loss
}

// logBlock is the number of rows whose factors 1+e_i ∈ (1, 2] evaluate
// multiplies before taking a logarithm (the product stays below 2^64).
const logBlock = 64

// rowTerms returns, at the linear score z, the terms of a row's loss
// (log(1+exp(−z)) for a positive label, log(1+exp(z)) for a negative one),
// which is log1p(e) + lin with e = exp(−|z|) ∈ (0, 1] and lin ≥ 0, its
// residual r = σ(z) − y and its curvature σ(z)·σ(−z), stably for any z.
func rowTerms(z float64, y bool) (e, lin, r, d float64) {
	// σ(|z|) = 1/(1+e), σ(−|z|) = e/(1+e) and log(1+exp(−|z|)) = log1p(e).
	e = math.Exp(-math.Abs(z))
	sBig, sSmall := 1/(1+e), e/(1+e)
	sp, sn := sBig, sSmall // σ(z), σ(−z)
	if z < 0 {
		sp, sn = sSmall, sBig
	}
	if y {
		// log(1+exp(−z)); residual σ(z) − 1 = −σ(−z).
		if z < 0 {
			lin = -z
		}
		r = -sn
	} else {
		// log(1+exp(z)); residual σ(z).
		if z > 0 {
			lin = z
		}
		r = sp
	}
	return e, lin, r, sp * sn
}

// hessVec stores ∇²f(θ)·v in out, for the θ last passed to evaluate.
func (pr *lrProblem) hessVec(v, out []float64) {
	pr.passes++
	dim := pr.dim
	forChunks(pr.nChunks, pr.workers, func(c int) {
		acc := pr.part[c*dim : (c+1)*dim]
		clear(acc)
		lo, hi := pr.rows(c)
		for i := lo; i < hi; i++ {
			if pr.d[i] == 0 {
				continue
			}
			pr.addRow(acc, i, pr.c*pr.d[i]*pr.linear(v, i))
		}
	})
	copy(out, v)
	out[pr.bIdx] = 0
	for c := 0; c < pr.nChunks; c++ {
		floats.Add(out, pr.part[c*dim:(c+1)*dim])
	}
}

// FitLogReg fits an L2-regularised logistic regression of y (true =
// positive) on the rows of X; see LogReg for the objective.
//
// The solver is a truncated Newton method: each iteration solves the
// Newton system ∇²f·p = −∇f approximately by conjugate gradients with a
// Jacobi (diagonal) preconditioner, using Hessian-vector products computed
// on the compact matrix, followed by a backtracking (Armijo) line search.
// The objective, gradient and Hessian-vector products are summed over
// fixed blocks of rows spread over Workers goroutines and reduced in block
// order, so results are bit-identical whatever the number of workers.
//
// Separable data have a finite solution (the L2 penalty bounds w, and with
// both classes present b is bounded for bounded w). With a single class
// the intercept has no finite optimum; the iteration then stops at the
// gradient tolerance with w ≈ 0 and a large finite |b| (about log(1/Tol)).
// If MaxIter is reached the model is returned with Converged = false.
//
// FitLogReg returns an error if X is malformed, len(y) ≠ X.N, X.N = 0 or an
// option is negative.
func FitLogReg(X *Matrix, y []bool, opt LogRegOptions) (*LogReg, error) {
	validate := X.Validate
	if opt.Init != nil && opt.Init.at != nil && opt.Init.at.x == X {
		// Init's fit checked every code of these rows, which must not
		// have changed since (see Init).
		validate = X.validateShape
	}
	if err := validate(); err != nil {
		return nil, err
	}
	if len(y) != X.N {
		return nil, fmt.Errorf("%d labels for %d rows", len(y), X.N)
	}
	if X.N == 0 {
		return nil, errors.New("cannot fit a logistic regression on zero rows")
	}
	c, maxIter, tol, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	pr := newLRProblem(X, y, c, resolveWorkers(opt.Workers))
	if opt.Weights != nil {
		if err := checkWeights(opt.Weights, X.N); err != nil {
			return nil, err
		}
		pr.w = opt.Weights
	}
	theta := make([]float64, pr.dim)
	if opt.Init != nil {
		if err := opt.Init.checkShape(X); err != nil {
			return nil, fmt.Errorf("warm start: %v", err)
		}
		pr.setTheta(theta, opt.Init)
	} else if start := subsampleStart(X, y, c, tol, opt); start != nil {
		pr.setTheta(theta, start)
	}

	nt := newLRNewton(pr, theta, pr.dim <= opt.denseLimit())
	// Dense path: exact Newton steps with a Cholesky factor of the Hessian,
	// which a warm start may reuse while it keeps working; it then updates
	// the objective and gradient of its model instead of a pass.
	init := opt.Init
	if nt.dense && init != nil && init.chol != nil && init.chol.SymmetricDim() == pr.dim {
		nt.fac = init.chol
		nt.f, nt.ok = pr.warmStart(init.at, nt.theta, nt.grad)
	}
	if !nt.ok {
		nt.start()
	}
	nt.refresh = nt.fac == nil
	m := &LogReg{}
	m.Iter, m.Converged = nt.run(tol*c*float64(X.N), maxIter)
	m.chol = nt.fac
	if m.chol != nil {
		m.at = &lrPoint{x: X, y: append([]bool(nil), y...), c: c, f: nt.f, grad: nt.grad}
		if pr.w != nil {
			m.at.w = append([]float64(nil), pr.w...)
		}
	}
	m.GradNorm = nt.gnorm
	m.Objective = nt.f
	m.Passes = pr.passes
	m.W = append([]float64(nil), nt.theta[:X.P]...)
	m.V = make([][]float64, X.Q)
	for q, card := range X.Card {
		m.V[q] = append([]float64(nil), nt.theta[pr.off[q]:pr.off[q]+card]...)
	}
	m.B = nt.theta[pr.bIdx]
	return m, nil
}

// warmStart sets grad to ∇f(θ) and returns f(θ) for the problem's labels
// and weights, from at: the same function at the same θ for other labels or
// weights of the same rows. Only the rows whose label or weight changed
// contribute a difference (their loss and residual at θ, old and new). It
// reports false, and does nothing, if at is nil or of another problem, or
// if so many rows changed that a pass over the rows is as cheap.
func (pr *lrProblem) warmStart(at *lrPoint, theta, grad []float64) (float64, bool) {
	if at == nil || at.x != pr.x || at.c != pr.c || len(at.y) != len(pr.y) || (at.w == nil) != (pr.w == nil) {
		return 0, false
	}
	var changed []int
	for i, y := range pr.y {
		if y != at.y[i] || (pr.w != nil && pr.w[i] != at.w[i]) {
			if changed = append(changed, i); 4*len(changed) > pr.x.N {
				return 0, false
			}
		}
	}
	copy(grad, at.grad)
	var df float64
	for _, i := range changed {
		z := pr.linear(theta, i)
		e, linOld, rOld, _ := rowTerms(z, at.y[i])
		_, linNew, rNew, _ := rowTerms(z, pr.y[i])
		l1p := math.Log1p(e)
		lOld, lNew := l1p+linOld, l1p+linNew
		if pr.w != nil {
			lOld, rOld = at.w[i]*lOld, at.w[i]*rOld
			lNew, rNew = pr.w[i]*lNew, pr.w[i]*rNew
		}
		df += lNew - lOld
		pr.addRow(grad, i, pr.c*(rNew-rOld))
	}
	return at.f + pr.c*df, true
}

// resolve checks the options and returns C, MaxIter and Tol with their
// defaults in place of zeros.
func (o LogRegOptions) resolve() (c float64, maxIter int, tol float64, err error) {
	c, maxIter, tol = o.C, o.MaxIter, o.Tol
	switch {
	case c < 0 || math.IsNaN(c) || math.IsInf(c, 0):
		return 0, 0, 0, fmt.Errorf("the inverse regularisation strength C must be positive and finite, not %g", c)
	case maxIter < 0:
		return 0, 0, 0, fmt.Errorf("the maximum number of iterations must be positive, not %d", maxIter)
	case tol < 0 || math.IsNaN(tol):
		return 0, 0, 0, fmt.Errorf("the tolerance must be positive, not %g", tol)
	}
	if c == 0 {
		c = 1
	}
	if maxIter == 0 {
		maxIter = 1000
	}
	if tol == 0 {
		tol = 1e-8
	}
	return c, maxIter, tol, nil
}

// checkWeights checks that there are n row weights, each finite and ≥ 0.
func checkWeights(w []float64, n int) error {
	if len(w) != n {
		return fmt.Errorf("%d weights for %d rows", len(w), n)
	}
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("weight %d is %g; weights must be finite and non-negative", i, v)
		}
	}
	return nil
}

// setTheta writes the coefficients of m (of X's shape) into θ.
func (pr *lrProblem) setTheta(theta []float64, m *LogReg) {
	copy(theta, m.W)
	for q, v := range m.V {
		copy(theta[pr.off[q]:], v)
	}
	theta[pr.bIdx] = m.B
}

// pcg is the scratch space of a preconditioned conjugate-gradient solve.
type pcg struct {
	r, z, p, hp []float64
}

func newPCG(dim int) *pcg {
	return &pcg{
		r:  make([]float64, dim),
		z:  make([]float64, dim),
		p:  make([]float64, dim),
		hp: make([]float64, dim),
	}
}

// solve approximately solves H·x = −g, H the Hessian at the point last
// evaluated by pr, with the preconditioner diag(H) (entries ≤ 0 replaced by
// 1), stopping when ‖H·x + g‖₂ ≤ eta·‖g‖₂ or after a bounded number of
// iterations. It stores x in x.
func (s *pcg) solve(pr *lrProblem, g, diag []float64, gnorm, eta float64, x []float64) {
	dim := len(g)
	maxCG := max(dim, 50)
	maxCG = min(maxCG, 500)
	clear(x)
	for j := range s.r {
		s.r[j] = -g[j]
	}
	precond := func(dst, src []float64) {
		for j, v := range src {
			d := diag[j]
			if !(d > 0) {
				d = 1
			}
			dst[j] = v / d
		}
	}
	precond(s.z, s.r)
	copy(s.p, s.z)
	rz := floats.Dot(s.r, s.z)
	for k := 0; k < maxCG; k++ {
		pr.hessVec(s.p, s.hp)
		php := floats.Dot(s.p, s.hp)
		if !(php > 0) {
			if k == 0 {
				copy(x, s.z)
			}
			return
		}
		a := rz / php
		floats.AddScaled(x, a, s.p)
		floats.AddScaled(s.r, -a, s.hp)
		if floats.Norm(s.r, 2) <= eta*gnorm {
			return
		}
		precond(s.z, s.r)
		rzNew := floats.Dot(s.r, s.z)
		beta := rzNew / rz
		rz = rzNew
		// p = z + beta·p
		floats.AddScaledTo(s.p, s.z, beta, s.p)
	}
}

// sigmoid returns 1/(1+exp(−z)), computed without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Decision returns the linear score w·x_i + b of row i of X. It panics if
// X does not have the model's shape.
func (m *LogReg) Decision(X *Matrix, i int) float64 {
	if X.P != len(m.W) || X.Q != len(m.V) {
		panic(fmt.Sprintf("model: LogReg fitted on %d numeric and %d categorical features, got %d and %d",
			len(m.W), len(m.V), X.P, X.Q))
	}
	s := m.B
	for p, a := range X.Num[i*X.P : (i+1)*X.P] {
		s += m.W[p] * a
	}
	for q, code := range X.Cat[i*X.Q : (i+1)*X.Q] {
		s += m.V[q][code]
	}
	return s
}

// Prob returns P(y=1 | row i of X) = σ(w·x_i + b), σ(t) = 1/(1+exp(−t)).
// It panics if X does not have the model's shape.
func (m *LogReg) Prob(X *Matrix, i int) float64 {
	return sigmoid(m.Decision(X, i))
}

// checkShape returns an error unless X has the model's features.
func (m *LogReg) checkShape(X *Matrix) error {
	if X.P != len(m.W) || X.Q != len(m.V) {
		return fmt.Errorf("the model has %d numeric and %d categorical features but the rows have %d and %d",
			len(m.W), len(m.V), X.P, X.Q)
	}
	for q, v := range m.V {
		if X.Card[q] != len(v) {
			return fmt.Errorf("categorical feature %d has %d codes in the model but %d in the rows", q, len(v), X.Card[q])
		}
	}
	return nil
}

// Probs returns Prob(X, i) for every row of X, or an error if X is
// malformed or does not have the model's shape.
func (m *LogReg) Probs(X *Matrix) ([]float64, error) {
	if err := X.Validate(); err != nil {
		return nil, err
	}
	if err := m.checkShape(X); err != nil {
		return nil, err
	}
	p := make([]float64, X.N)
	for i := range p {
		p[i] = m.Prob(X, i)
	}
	return p, nil
}

// subsampleRows is the size of the subsample a large cold fit starts from.
const subsampleRows = 1 << 15

// subsampleStart returns, for a cold fit on at least 4·subsampleRows rows,
// the fit on every s-th row (s = ⌊n/subsampleRows⌋), with C scaled by the
// ratio of the total weights so that the subsample's objective approximates
// the full one's, to a looser tolerance. Newton's method started there needs
// two or three passes over the full data instead of eight to ten; the
// solution is the full problem's optimum to the same tolerance, as from any
// start. It returns nil for smaller problems, or if the subsample fit fails.
func subsampleStart(X *Matrix, y []bool, c, tol float64, opt LogRegOptions) *LogReg {
	if X.N < 4*subsampleRows {
		return nil
	}
	s := X.N / subsampleRows
	n := (X.N + s - 1) / s
	sub := &Matrix{N: n, P: X.P, Q: X.Q, Card: X.Card, Num: make([]float64, 0, n*X.P), Cat: make([]int32, 0, n*X.Q)}
	subY := make([]bool, 0, n)
	var subW []float64
	total, subTotal := float64(X.N), float64(n)
	if opt.Weights != nil {
		subW = make([]float64, 0, n)
		total, subTotal = 0, 0
		for i, w := range opt.Weights {
			total += w
			if i%s == 0 {
				subTotal += w
			}
		}
	}
	for i := 0; i < X.N; i += s {
		sub.Num = append(sub.Num, X.Num[i*X.P:(i+1)*X.P]...)
		sub.Cat = append(sub.Cat, X.Cat[i*X.Q:(i+1)*X.Q]...)
		subY = append(subY, y[i])
		if subW != nil {
			subW = append(subW, opt.Weights[i])
		}
	}
	if !(subTotal > 0) {
		return nil
	}
	so := LogRegOptions{C: c * total / subTotal, MaxIter: opt.MaxIter, Tol: max(tol, 1e-5), Workers: opt.Workers, Weights: subW, maxDense: opt.maxDense}
	m, err := FitLogReg(sub, subY, so)
	if err != nil {
		return nil
	}
	return m
}
