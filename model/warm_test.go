package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// TestLogRegWarmStartUpdate: the objective and gradient a warm start
// updates from its model's (the rows whose label or weight changed) equal a
// full evaluation on the new labels and weights at the same θ.
func TestLogRegWarmStartUpdate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(41, 42))
	X := randMatrix(rng, 3000, 4, []int{5, 3, 7}, false)
	y := noisyLabels(rng, X, 1)
	w := make([]float64, X.N)
	for i := range w {
		w[i] = 0.5 + rng.Float64()
	}
	for _, tc := range []struct {
		name     string
		weighted bool
		c        float64
	}{{"unweighted", false, 1}, {"weighted", true, 0.3}} {
		opt := LogRegOptions{C: tc.c}
		if tc.weighted {
			opt.Weights = w
		}
		m, err := FitLogReg(X, y, opt)
		if err != nil {
			t.Fatal(err)
		}
		if m.at == nil {
			t.Fatalf("%s: the dense fit kept no warm-start point", tc.name)
		}
		// New labels: 40 negatives made positive and 10 positives negative;
		// with weights, 30 weights changed too (some on unchanged labels).
		y2 := append([]bool(nil), y...)
		pos, neg := 0, 0
		for i := range y2 {
			switch {
			case !y2[i] && pos < 40:
				y2[i] = true
				pos++
			case y2[i] && neg < 10 && i%3 == 0:
				y2[i] = false
				neg++
			}
		}
		var w2 []float64
		if tc.weighted {
			w2 = append([]float64(nil), w...)
			for k := 0; k < 30; k++ {
				w2[rng.IntN(X.N)] = 2 * rng.Float64()
			}
		}
		pr := newLRProblem(X, y2, tc.c, 1)
		pr.w = w2
		theta := make([]float64, pr.dim)
		pr.setTheta(theta, m)
		gInc := make([]float64, pr.dim)
		fInc, ok := pr.warmStart(m.at, theta, gInc)
		if !ok {
			t.Fatalf("%s: warm start refused", tc.name)
		}
		if pr.passes != 0 {
			t.Fatalf("%s: the warm start made %d passes over the rows", tc.name, pr.passes)
		}
		gFull := make([]float64, pr.dim)
		fFull := pr.evaluate(theta, gFull, nil)
		if math.Abs(fInc-fFull) > 1e-12*math.Abs(fFull) {
			t.Errorf("%s: objective %.17g updated, %.17g evaluated", tc.name, fInc, fFull)
		}
		diff := make([]float64, pr.dim)
		floats.SubTo(diff, gInc, gFull)
		if d, n := floats.Norm(diff, 2), floats.Norm(gFull, 2); !(d <= 1e-12*n) {
			t.Errorf("%s: gradient differs by %g (norm %g)", tc.name, d, n)
		}
		if floats.Norm(m.at.grad, 2) > 1e-6*tc.c*float64(X.N) {
			t.Fatalf("%s: the kept gradient is not the solution's", tc.name)
		}
	}
}

// TestLogRegWarmStartRefused: a warm start updates the kept point only for
// the same rows and C, and when few rows changed.
func TestLogRegWarmStartRefused(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(43, 44))
	X := randMatrix(rng, 1000, 3, []int{4, 3}, false)
	y := noisyLabels(rng, X, 1)
	m, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	copyX := *X
	flipAll := make([]bool, X.N)
	for i := range flipAll {
		flipAll[i] = !y[i]
	}
	for _, tc := range []struct {
		name string
		x    *Matrix
		y    []bool
		c    float64
		w    []float64
	}{
		{"another matrix", &copyX, y, 1, nil},
		{"another C", X, y, 2, nil},
		{"weights added", X, y, 1, make([]float64, X.N)},
		{"every label changed", X, flipAll, 1, nil},
	} {
		pr := newLRProblem(tc.x, tc.y, tc.c, 1)
		pr.w = tc.w
		theta := make([]float64, pr.dim)
		pr.setTheta(theta, m)
		if _, ok := pr.warmStart(m.at, theta, make([]float64, pr.dim)); ok {
			t.Errorf("%s: warm start accepted", tc.name)
		}
	}
	pr := newLRProblem(X, y, 1, 1)
	if _, ok := pr.warmStart(m.at, make([]float64, pr.dim), make([]float64, pr.dim)); !ok {
		t.Error("warm start refused for the same problem")
	}
}

// TestLogRegWarmRefit: a refit warm-started from the kept point reaches the
// cold fit's coefficients, to the tolerance, with one pass fewer than the
// same warm start that must evaluate its starting point.
func TestLogRegWarmRefit(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(45, 46))
	X := randMatrix(rng, 4000, 5, []int{6, 4, 9}, false)
	y := noisyLabels(rng, X, 1)
	first, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range y {
		if !y[i] && n < 30 {
			y[i] = true
			n++
		}
	}
	cold, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	warm, err := FitLogReg(X, y, LogRegOptions{Init: first})
	if err != nil {
		t.Fatal(err)
	}
	noPoint := *first
	noPoint.at = nil
	evaluated, err := FitLogReg(X, y, LogRegOptions{Init: &noPoint})
	if err != nil {
		t.Fatal(err)
	}
	if !cold.Converged || !warm.Converged || !evaluated.Converged {
		t.Fatal("not converged")
	}
	if warm.Passes >= evaluated.Passes || warm.Passes >= cold.Passes {
		t.Errorf("passes: warm %d, warm evaluating its start %d, cold %d", warm.Passes, evaluated.Passes, cold.Passes)
	}
	// ‖∇f‖ ≤ tol·C·n at both, and the Hessian's eigenvalues (but the
	// intercept's) are at least 1: the coefficients agree to about tol·C·n.
	tol := 2e-8 * float64(X.N)
	for p := range cold.W {
		if math.Abs(cold.W[p]-warm.W[p]) > tol {
			t.Errorf("W[%d]: cold %v warm %v", p, cold.W[p], warm.W[p])
		}
	}
	for q := range cold.V {
		for c := range cold.V[q] {
			if math.Abs(cold.V[q][c]-warm.V[q][c]) > tol {
				t.Errorf("V[%d][%d]: cold %v warm %v", q, c, cold.V[q][c], warm.V[q][c])
			}
		}
	}
	if math.Abs(cold.B-warm.B) > tol {
		t.Errorf("B: cold %v warm %v", cold.B, warm.B)
	}
	if g := floats.Norm(explicitGradient(warm, X, y, 1), 2); g > 1e-8*float64(X.N) {
		t.Errorf("‖∇f‖ = %g at the warm refit", g)
	}
	t.Logf("passes: cold %d, warm %d, warm evaluating its start %d", cold.Passes, warm.Passes, evaluated.Passes)
}

// TestChordStepSecant: the chord step corrected by secant pairs satisfies
// the secant equation of the last pair (B·s = y), and without pairs it is
// the factored Newton step.
func TestChordStepSecant(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(47, 48))
	X := randMatrix(rng, 500, 3, []int{4, 3}, false)
	y := noisyLabels(rng, X, 1)
	pr := newLRProblem(X, y, 1, 1)
	nt := newLRNewton(pr, make([]float64, pr.dim), true)
	nt.start()
	nt.refresh = true
	nt.direction(0) // forms the factor at θ = 0
	newton := append([]float64(nil), nt.step...)
	for k := 0; k < 3; k++ {
		if !nt.lineSearch(floats.Dot(nt.grad, nt.step)) {
			t.Fatal("no progress")
		}
		nt.refresh = false
		nt.direction(0)
	}
	if len(nt.sec) != 3 {
		t.Fatalf("%d secant pairs after 3 chord steps", len(nt.sec))
	}
	last := nt.sec[len(nt.sec)-1]
	for j := range nt.grad {
		nt.grad[j] = -last.y[j]
	}
	if err := nt.chordStep(); err != nil {
		t.Fatal(err)
	}
	diff := make([]float64, pr.dim)
	floats.SubTo(diff, nt.step, last.s)
	if d, n := floats.Norm(diff, 2), floats.Norm(last.s, 2); !(d <= 1e-8*n) {
		t.Errorf("B⁻¹·y differs from s by %g (‖s‖ = %g)", d, n)
	}
	// Without pairs: the Newton step at θ = 0 again.
	nt.sec = nil
	clear(nt.theta)
	pr.evaluate(nt.theta, nt.grad, nil)
	if err := nt.chordStep(); err != nil {
		t.Fatal(err)
	}
	floats.SubTo(diff, nt.step, newton)
	if d := floats.Norm(diff, 2); !(d <= 1e-12*floats.Norm(newton, 2)) {
		t.Errorf("without pairs the step differs from Newton's by %g", d)
	}
}

// TestLogRegObjectiveBlocks: the objective, whose log1p terms evaluate sums
// as logarithms of products of blocks of rows, equals the row-by-row sum.
func TestLogRegObjectiveBlocks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(49, 50))
	X := randMatrix(rng, 5000, 4, []int{5, 3}, false)
	y := noisyLabels(rng, X, 1)
	pr := newLRProblem(X, y, 0.7, 2)
	theta := make([]float64, pr.dim)
	for j := range theta {
		theta[j] = 3 * rng.NormFloat64() // scores from about −30 to 30
	}
	f := pr.evaluate(theta, make([]float64, pr.dim), nil)
	var reg, loss float64
	for j := 0; j < pr.bIdx; j++ {
		reg += theta[j] * theta[j]
	}
	for i := 0; i < X.N; i++ {
		z := pr.linear(theta, i)
		if !y[i] {
			z = -z
		}
		// log(1+exp(−z)), the positive label's loss at score z.
		loss += math.Log1p(math.Exp(-math.Abs(z))) + math.Max(-z, 0)
	}
	want := 0.5*reg + 0.7*loss
	if math.Abs(f-want) > 1e-13*want {
		t.Errorf("objective %.17g, row by row %.17g", f, want)
	}
}
