package model

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// maxDenseNewton is the largest number of parameters for which FitLogReg
// solves each Newton system exactly, with an explicit Hessian and a Cholesky
// factorisation (about (P+Q+1)² operations per row to form it). Larger
// problems use conjugate gradients on Hessian-vector products.
// LogRegOptions.maxDense overrides it, so that tests can force either path.
const maxDenseNewton = 400

// hessChunks is the number of row blocks the Hessian is summed over: fixed
// (not per worker) so that the sum is bit-identical whatever the number of
// workers.
const hessChunks = 16

// hessian forms ∇²f = diag(1,…,1,0) + C·Σ_i d_i·x_i·x_iᵀ at the θ last
// passed to evaluate, using only the nonzero entries of each expanded row
// (P numbers, Q one-hot codes and the intercept) and the symmetry.
func (pr *lrProblem) hessian() *mat.SymDense {
	pr.passes++
	x := pr.x
	dim := pr.dim
	nch := min(hessChunks, x.N)
	per := (x.N + nch - 1) / nch
	if len(pr.hpart) < nch*dim*dim {
		pr.hpart = make([]float64, nch*dim*dim)
	}
	width := x.P + x.Q + 1
	forChunks(nch, pr.workers, func(c int) {
		h := pr.hpart[c*dim*dim : (c+1)*dim*dim]
		clear(h)
		idx := make([]int, width)
		val := make([]float64, width)
		for p := 0; p < x.P; p++ {
			idx[p] = p
		}
		idx[width-1] = pr.bIdx
		val[width-1] = 1
		for i := c * per; i < min((c+1)*per, x.N); i++ {
			t := pr.c * pr.d[i]
			if t == 0 {
				continue
			}
			copy(val, x.Num[i*x.P:(i+1)*x.P])
			for q, code := range x.Cat[i*x.Q : (i+1)*x.Q] {
				idx[x.P+q] = pr.off[q] + int(code)
				val[x.P+q] = 1
			}
			// Indices increase along the row, so (idx[a], idx[b]) with
			// a ≤ b is in the upper triangle.
			for a := 0; a < width; a++ {
				ta := t * val[a]
				row := h[idx[a]*dim:]
				for b := a; b < width; b++ {
					row[idx[b]] += ta * val[b]
				}
			}
		}
	})
	H := mat.NewSymDense(dim, nil)
	raw := H.RawSymmetric().Data
	for c := 0; c < nch; c++ {
		h := pr.hpart[c*dim*dim : (c+1)*dim*dim]
		for j := 0; j < dim; j++ {
			for k := j; k < dim; k++ {
				raw[j*dim+k] += h[j*dim+k]
			}
		}
	}
	for j := 0; j < pr.bIdx; j++ {
		raw[j*dim+j]++
	}
	return H
}

// lrNewton is the state of FitLogReg's Newton iteration: the iterate θ
// with its objective, gradient and (when known) Hessian diagonal, a trial
// point for the line search, and the scratch of the Newton solve.
type lrNewton struct {
	pr *lrProblem
	// dense: exact Newton steps with a Cholesky factor of the Hessian
	// (fac, formed again when refresh is set); else conjugate gradients.
	dense   bool
	fac     *mat.Cholesky
	refresh bool
	// sec: the secant pairs of the steps since fac was formed, which
	// correct its chord steps (limited-memory BFGS with fac's inverse as
	// the initial matrix): a refit of the Adult sweep then takes 3.6 Newton
	// iterations instead of 4.1.
	sec []secantPair

	theta, grad, diag   []float64
	trial, tgrad, tdiag []float64
	step                []float64
	cg                  *pcg
	// The dense path needs the Hessian's diagonal only when it falls back
	// to conjugate gradients or steepest descent; it is then computed on
	// demand (haveDiag), saving a quarter of every pass over the rows.
	haveDiag bool
	f, gnorm float64
	// ok: f, grad (and gnorm) hold the objective and gradient at θ.
	ok bool
}

// newLRNewton returns the iteration's state at theta (which it takes
// over), with f and grad still to be set: by start, or by the caller.
func newLRNewton(pr *lrProblem, theta []float64, dense bool) *lrNewton {
	dim := pr.dim
	return &lrNewton{pr: pr, dense: dense, theta: theta,
		grad:     make([]float64, dim),
		diag:     make([]float64, dim),
		trial:    make([]float64, dim),
		tgrad:    make([]float64, dim),
		tdiag:    make([]float64, dim),
		step:     make([]float64, dim),
		cg:       newPCG(dim),
		haveDiag: !dense,
	}
}

// start evaluates the problem at θ: a pass over the rows.
func (nt *lrNewton) start() {
	nt.f = nt.pr.evaluate(nt.theta, nt.grad, nt.diagOrNil(nt.diag))
	nt.ok = true
}

// diagOrNil returns d where evaluate must fill in the Hessian's diagonal:
// on the conjugate-gradient path only.
func (nt *lrNewton) diagOrNil(d []float64) []float64 {
	if nt.dense {
		return nil
	}
	return d
}

// needDiag computes the Hessian's diagonal at θ if it is not known.
func (nt *lrNewton) needDiag() {
	if !nt.haveDiag {
		nt.pr.evaluate(nt.theta, nt.grad, nt.diag)
		nt.haveDiag = true
	}
}

// run iterates until ‖∇f‖₂ ≤ tolAbs (converged), maxIter iterations or no
// progress at working precision, and returns the iterations done.
func (nt *lrNewton) run(tolAbs float64, maxIter int) (iter int, converged bool) {
	nt.gnorm = floats.Norm(nt.grad, 2)
	g0 := nt.gnorm
	for {
		if nt.gnorm <= tolAbs {
			return iter, true
		}
		if iter >= maxIter {
			return iter, false
		}
		iter++
		// Forcing term: solve the Newton system to relative accuracy eta,
		// tightening as the gradient shrinks (superlinear convergence).
		eta := math.Min(0.5, math.Sqrt(nt.gnorm/g0))
		gp := nt.direction(eta)
		if !nt.lineSearch(gp) {
			// No progress possible at working precision. pr.d no longer
			// matches theta, but it is not used again.
			return iter, false
		}
	}
}

// direction sets step to a descent direction, the Newton step solved
// exactly (dense) or to relative accuracy eta, and returns ∇f·step.
func (nt *lrNewton) direction(eta float64) float64 {
	pr, grad, step := nt.pr, nt.grad, nt.step
	if nt.dense && nt.refresh {
		nt.fac = &mat.Cholesky{}
		if !nt.fac.Factorize(pr.hessian()) {
			nt.fac = nil
		}
		nt.refresh = false
		nt.sec = nil
	}
	if nt.fac != nil {
		if err := nt.chordStep(); err != nil {
			nt.needDiag()
			nt.cg.solve(pr, grad, nt.diag, nt.gnorm, eta, step)
		}
	} else {
		nt.needDiag()
		nt.cg.solve(pr, grad, nt.diag, nt.gnorm, eta, step)
	}
	gp := floats.Dot(grad, step)
	if !(gp < 0) {
		// Not a descent direction (can only happen through rounding):
		// fall back to preconditioned steepest descent.
		nt.needDiag()
		for j := range step {
			d := nt.diag[j]
			if !(d > 0) {
				d = 1
			}
			step[j] = -grad[j] / d
		}
		gp = floats.Dot(grad, step)
	}
	return gp
}

// secantPair is a step s between two iterates and the change y of the
// gradient along it.
type secantPair struct {
	s, y []float64
	rho  float64 // 1/(y·s)
}

// maxSecant is the number of secant pairs kept.
const maxSecant = 8

// chordStep sets step to −B⁻¹·∇f, B the factored Hessian updated by the
// secant pairs (the L-BFGS two-loop recursion with fac's inverse as the
// initial matrix; fac alone when there are no pairs).
func (nt *lrNewton) chordStep() error {
	step := nt.step
	for j := range step {
		step[j] = -nt.grad[j]
	}
	a := make([]float64, len(nt.sec))
	for k := len(nt.sec) - 1; k >= 0; k-- {
		p := nt.sec[k]
		a[k] = p.rho * floats.Dot(p.s, step)
		floats.AddScaled(step, -a[k], p.y)
	}
	sv := mat.NewVecDense(nt.pr.dim, step)
	if err := nt.fac.SolveVecTo(sv, sv); err != nil {
		return err
	}
	for k, p := range nt.sec {
		b := p.rho * floats.Dot(p.y, step)
		floats.AddScaled(step, a[k]-b, p.s)
	}
	return nil
}

// addSecant records the step from old to θ and the gradient's change.
func (nt *lrNewton) addSecant(oldTheta, oldGrad []float64) {
	p := secantPair{s: make([]float64, nt.pr.dim), y: make([]float64, nt.pr.dim)}
	floats.SubTo(p.s, nt.theta, oldTheta)
	floats.SubTo(p.y, nt.grad, oldGrad)
	ys := floats.Dot(p.y, p.s)
	if !(ys > 0) {
		return // no curvature information (rounding): skip the pair
	}
	p.rho = 1 / ys
	if len(nt.sec) == maxSecant {
		nt.sec = append(nt.sec[:0], nt.sec[1:]...)
	}
	nt.sec = append(nt.sec, p)
}

// lineSearch backtracks along step from θ (gp = ∇f·step) and moves θ to
// the first acceptable point; it reports whether it found one.
func (nt *lrNewton) lineSearch(gp float64) bool {
	for alpha := 1.0; alpha > 1e-12; alpha /= 2 {
		floats.AddScaledTo(nt.trial, nt.theta, alpha, nt.step)
		ft := nt.pr.evaluate(nt.trial, nt.tgrad, nt.diagOrNil(nt.tdiag))
		tnorm := floats.Norm(nt.tgrad, 2)
		// Armijo sufficient decrease; or, when f no longer resolves the
		// decrease (near the optimum, f changes below its rounding
		// error), a smaller gradient.
		if ft <= nt.f+1e-4*alpha*gp ||
			(ft-nt.f <= 1e-14*math.Abs(nt.f) && tnorm < nt.gnorm) {
			nt.theta, nt.trial = nt.trial, nt.theta
			nt.grad, nt.tgrad = nt.tgrad, nt.grad
			nt.diag, nt.tdiag = nt.tdiag, nt.diag
			if nt.fac != nil {
				nt.addSecant(nt.trial, nt.tgrad)
			}
			nt.haveDiag = !nt.dense
			if nt.dense && tnorm > 0.1*nt.gnorm {
				nt.refresh = true // the factor no longer gives fast convergence
			}
			nt.f, nt.gnorm = ft, tnorm
			return true
		}
	}
	return false
}
