package model

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// explicitGradient returns ∇f at m computed on the one-hot expansion of X:
// [w + C·Σ_i (σ(z_i) − y_i)·x_i ; C·Σ_i (σ(z_i) − y_i)], with w laid out as
// in Matrix.Expand and the intercept last.
func explicitGradient(m *LogReg, X *Matrix, y []bool, c float64) []float64 {
	w := append([]float64(nil), m.W...)
	for _, v := range m.V {
		w = append(w, v...)
	}
	d := X.Expand()
	g := append(append([]float64(nil), w...), 0)
	for i := 0; i < X.N; i++ {
		x := d.RawRowView(i)
		z := floats.Dot(w, x) + m.B
		r := 1 / (1 + math.Exp(-z))
		if y[i] {
			r -= 1
		}
		floats.AddScaled(g[:len(w)], c*r, x)
		g[len(w)] += c * r
	}
	return g
}

// noisyLabels draws y_i ~ Bernoulli(σ(β·row_i)) for a random β.
func noisyLabels(rng *rand.Rand, X *Matrix, scale float64) []bool {
	w := make([]float64, X.P)
	for p := range w {
		w[p] = scale * rng.NormFloat64()
	}
	v := make([][]float64, X.Q)
	for q := range v {
		v[q] = make([]float64, X.Card[q])
		for c := range v[q] {
			v[q][c] = scale * rng.NormFloat64()
		}
	}
	truth := &LogReg{W: w, V: v, B: 0.3}
	y := make([]bool, X.N)
	for i := range y {
		y[i] = rng.Float64() < truth.Prob(X, i)
	}
	return y
}

func TestLogRegGradientZero(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	X := randMatrix(rng, 300, 3, []int{3, 4, 2}, false)
	y := noisyLabels(rng, X, 1)
	for _, c := range []float64{0.05, 1, 20} {
		m, err := FitLogReg(X, y, LogRegOptions{C: c})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Converged {
			t.Errorf("C=%g: not converged after %d iterations", c, m.Iter)
		}
		g := explicitGradient(m, X, y, c)
		gn := floats.Norm(g, 2)
		if tol := 1e-8 * c * float64(X.N); gn > tol {
			t.Errorf("C=%g: ‖∇f‖ = %g at the solution, tolerance %g", c, gn, tol)
		}
		if math.Abs(gn-m.GradNorm) > 1e-9*c*float64(X.N) {
			t.Errorf("C=%g: reported GradNorm %g, explicit %g", c, m.GradNorm, gn)
		}
		t.Logf("C=%g: %d Newton iterations, ‖∇f‖ = %.3g", c, m.Iter, gn)
	}
}

// sklearnProblem is the fixed small problem of TestLogRegMatchesSklearn.
func sklearnProblem(t *testing.T) (*Encoder, *Matrix, []bool) {
	x1 := []string{"5.1", "3.2", "7.4", "1.0", "4.4", "6.3", "2.2", "8.8", "5.5", "3.9", "6.1", "2.8", "7.0", "4.0", "1.7", "5.9"}
	x2 := []string{"20", "35", "41", "18", "27", "33", "50", "22", "29", "45", "38", "24", "31", "26", "40", "36"}
	c := strings.Split("abcabacbacbacbac", "")
	y01 := []int{1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1}
	cols := []Column{build("x1", false, x1...), build("x2", false, x2...), build("c", false, c...)}
	rows := make([]int, len(y01))
	y := make([]bool, len(y01))
	for i := range rows {
		rows[i] = i
		y[i] = y01[i] == 1
	}
	e, err := FitEncoder(cols, rows, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.Encode(cols, rows), y
}

// TestLogRegMatchesSklearn compares with scikit-learn 1.2.1 (Debian
// python3-sklearn, numpy 1.24.2, scipy 1.10.1, run with /usr/bin/python3):
//
//	import numpy as np
//	from sklearn.linear_model import LogisticRegression
//	from sklearn.preprocessing import StandardScaler
//	x1 = [5.1, 3.2, 7.4, 1.0, 4.4, 6.3, 2.2, 8.8, 5.5, 3.9, 6.1, 2.8, 7.0, 4.0, 1.7, 5.9]
//	x2 = [20, 35, 41, 18, 27, 33, 50, 22, 29, 45, 38, 24, 31, 26, 40, 36]
//	c = list("abcabacbacbacbac")
//	y = [1,0,1,0,1,1,0,1,0,0,1,0,1,1,0,1]
//	num = StandardScaler().fit_transform(np.column_stack([x1, x2]))
//	levels = ["a", "b", "c", "(other)", "(missing)"]  # encoder order: by frequency a 6, b 5, c 5
//	onehot = np.array([[1.0 if v == l else 0.0 for l in levels] for v in c])
//	X = np.hstack([num, onehot])
//	m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000, solver="lbfgs").fit(X, y)
//	print(m.coef_[0].tolist(), m.intercept_[0])
//	m = LogisticRegression(C=1.0, tol=1e-8, max_iter=10000, solver="newton-cg").fit(X, y)
//	print(m.coef_[0].tolist(), m.intercept_[0])
//
// scikit-learn's lbfgs stops on its relative-decrease criterion (scipy
// ftol = 64·eps) with ‖∇f‖ ≈ 6e-6 on this problem, 11 iterations, however
// small tol is; its coefficients are therefore only good to about 2e-6.
// Its newton-cg solution has ‖∇f‖ ≈ 7e-9 and agrees with FitLogReg to about
// 2e-8: FitLogReg stops once ‖∇f‖ ≤ 1e-8·C·n (6e-8 here), and since every
// eigenvalue of the Hessian of the penalised weights is at least 1, the
// coefficients are then within about that distance of the optimum; the test
// allows 1e-7.
func TestLogRegMatchesSklearn(t *testing.T) {
	t.Parallel()
	e, X, y := sklearnProblem(t)
	wantNames := []string{"x1", "x2", "c=a", "c=b", "c=c", "c=(other)", "c=(missing)"}
	if got := e.FeatureNames(); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("feature order %q, want %q (the order of the python snippet)", got, wantNames)
	}
	for _, ref := range []struct {
		solver    string
		coef      []float64
		intercept float64
		tol       float64
	}{
		{
			"lbfgs",
			[]float64{1.4975347698181671, -0.5371640828993945, -0.5294538016728653, 0.42813293310508943, 0.1013242116528026, 0.0, 0.0},
			0.38554184945016395,
			1e-4,
		},
		{
			"newton-cg",
			[]float64{1.4975350947332908, -0.5371644000746825, -0.5294547993519925, 0.4281325822604017, 0.101322216642539, 0.0, 0.0},
			0.38554146520874105,
			1e-7,
		},
	} {
		for _, workers := range []int{1, 2} {
			m, err := FitLogReg(X, y, LogRegOptions{C: 1, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			got := append(append([]float64(nil), m.W...), m.V[0]...)
			maxDiff := math.Abs(m.B - ref.intercept)
			for j := range ref.coef {
				maxDiff = math.Max(maxDiff, math.Abs(got[j]-ref.coef[j]))
			}
			if !m.Converged || maxDiff > ref.tol {
				t.Errorf("workers=%d: coef %v intercept %v (converged %v), scikit-learn %s %v %v: max difference %g > %g",
					workers, got, m.B, m.Converged, ref.solver, ref.coef, ref.intercept, maxDiff, ref.tol)
			}
			if workers == 1 {
				t.Logf("max |difference| from scikit-learn %s: %.2g (%d iterations, ‖∇f‖ = %.2g)", ref.solver, maxDiff, m.Iter, m.GradNorm)
			}
		}
	}
}

func TestLogRegSeparable(t *testing.T) {
	t.Parallel()
	// Perfectly separable: x < 0 negative, x > 0 positive; plus a text
	// feature that also separates. Without the penalty the weights would
	// diverge.
	X := &Matrix{N: 8, P: 1, Q: 1, Card: []int{3},
		Num: []float64{-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2},
		Cat: []int32{0, 0, 0, 0, 1, 1, 1, 1}}
	y := []bool{false, false, false, false, true, true, true, true}
	for _, c := range []float64{1, 1000} {
		m, err := FitLogReg(X, y, LogRegOptions{C: c})
		if err != nil {
			t.Fatal(err)
		}
		all := append(append([]float64{m.B}, m.W...), m.V[0]...)
		for _, w := range all {
			if math.IsNaN(w) || math.IsInf(w, 0) || math.Abs(w) > 100 {
				t.Fatalf("C=%g: weights not finite/bounded: %v", c, all)
			}
		}
		if !m.Converged {
			t.Errorf("C=%g: not converged (%d iterations)", c, m.Iter)
		}
		for i := 0; i < X.N; i++ {
			if p := m.Prob(X, i); (p > 0.5) != y[i] {
				t.Errorf("C=%g: row %d: P = %v, label %v", c, i, p, y[i])
			}
		}
		if gn := floats.Norm(explicitGradient(m, X, y, c), 2); gn > 1e-8*c*float64(X.N) {
			t.Errorf("C=%g: ‖∇f‖ = %g", c, gn)
		}
	}
}

func TestLogRegOneClass(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	X := randMatrix(rng, 50, 2, []int{3}, false)
	for _, label := range []bool{true, false} {
		y := make([]bool, X.N)
		for i := range y {
			y[i] = label
		}
		m, err := FitLogReg(X, y, LogRegOptions{})
		if err != nil {
			t.Fatalf("label %v: %v", label, err)
		}
		if math.IsNaN(m.B) || math.IsInf(m.B, 0) {
			t.Fatalf("label %v: intercept %v", label, m.B)
		}
		for i := 0; i < X.N; i++ {
			p := m.Prob(X, i)
			if label && p < 0.999 || !label && p > 0.001 {
				t.Fatalf("label %v: row %d: P = %v", label, i, p)
			}
		}
		t.Logf("label %v: B = %.3g, converged %v after %d iterations", label, m.B, m.Converged, m.Iter)
	}
}

func TestLogRegDeterministicAcrossWorkers(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	// More rows than one chunk, so that the reduction has several terms.
	X := randMatrix(rng, 3*lrChunk+123, 4, []int{5, 3, 12}, false)
	y := noisyLabels(rng, X, 0.7)
	var first *LogReg
	for _, w := range []int{1, 2, 3, 8} {
		m, err := FitLogReg(X, y, LogRegOptions{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = m
			continue
		}
		if !reflect.DeepEqual(m, first) {
			t.Errorf("Workers=%d gives a different model from Workers=1:\n%+v\n%+v", w, m, first)
		}
	}
}

func TestLogRegIterationCap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 14))
	X := randMatrix(rng, 100, 2, []int{4}, false)
	y := noisyLabels(rng, X, 2)
	m, err := FitLogReg(X, y, LogRegOptions{MaxIter: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Converged || m.Iter != 1 {
		t.Errorf("MaxIter 1: Converged %v Iter %d, want false 1", m.Converged, m.Iter)
	}
}

func TestLogRegErrors(t *testing.T) {
	t.Parallel()
	X := &Matrix{N: 2, P: 1, Num: []float64{1, 2}}
	for _, tc := range []struct {
		X   *Matrix
		y   []bool
		opt LogRegOptions
		msg string
	}{
		{X, []bool{true}, LogRegOptions{}, "1 labels for 2 rows"},
		{&Matrix{P: 1}, nil, LogRegOptions{}, "zero rows"},
		{X, []bool{true, false}, LogRegOptions{C: -1}, "C must be positive"},
		{X, []bool{true, false}, LogRegOptions{C: math.Inf(1)}, "C must be positive"},
		{X, []bool{true, false}, LogRegOptions{MaxIter: -1}, "iterations"},
		{X, []bool{true, false}, LogRegOptions{Tol: -1}, "tolerance"},
		{&Matrix{N: 2, P: 1, Num: []float64{1}}, []bool{true, false}, LogRegOptions{}, "numeric values"},
	} {
		_, err := FitLogReg(tc.X, tc.y, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("error %v, want one containing %q", err, tc.msg)
		}
	}
}

func TestSigmoidStable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ z, want float64 }{
		{0, 0.5}, {800, 1}, {-800, 0}, {-40, math.Exp(-40) / (1 + math.Exp(-40))},
	} {
		if got := sigmoid(tc.z); got != tc.want && math.Abs(got-tc.want) > 1e-15*tc.want {
			t.Errorf("sigmoid(%v) = %v, want %v", tc.z, got, tc.want)
		}
	}
	if math.IsNaN(sigmoid(math.Inf(1))) || math.IsNaN(sigmoid(math.Inf(-1))) {
		t.Error("sigmoid(±Inf) is NaN")
	}
}

// TestLogRegWeightsEqualDuplicates: integer weights give the fit of the
// table with each row repeated that many times.
func TestLogRegWeightsEqualDuplicates(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	X := randMatrix(rng, 120, 3, []int{3, 2}, false)
	y := noisyLabels(rng, X, 1)
	w := make([]float64, X.N)
	var rows []int
	var yd []bool
	for i := range w {
		w[i] = float64(rng.IntN(3)) // 0, 1 or 2 copies
		for k := 0; k < int(w[i]); k++ {
			rows = append(rows, i)
			yd = append(yd, y[i])
		}
	}
	mw, err := FitLogReg(X, y, LogRegOptions{Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	md, err := FitLogReg(X.Subset(rows), yd, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for p := range mw.W {
		if math.Abs(mw.W[p]-md.W[p]) > 1e-7 {
			t.Fatalf("W[%d]: weighted %v, duplicated %v", p, mw.W[p], md.W[p])
		}
	}
	for q := range mw.V {
		for c := range mw.V[q] {
			if math.Abs(mw.V[q][c]-md.V[q][c]) > 1e-7 {
				t.Fatalf("V[%d][%d]: weighted %v, duplicated %v", q, c, mw.V[q][c], md.V[q][c])
			}
		}
	}
	if math.Abs(mw.B-md.B) > 1e-7 {
		t.Fatalf("B: weighted %v, duplicated %v", mw.B, md.B)
	}
	if _, err := FitLogReg(X, y, LogRegOptions{Weights: w[:3]}); err == nil {
		t.Error("wrong number of weights accepted")
	}
	w[0] = -1
	if _, err := FitLogReg(X, y, LogRegOptions{Weights: w}); err == nil {
		t.Error("negative weight accepted")
	}
}

// TestLogRegWarmStart: starting from a previous fit reaches the same optimum
// in fewer iterations after a few labels change.
func TestLogRegWarmStart(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(21, 22))
	X := randMatrix(rng, 2000, 4, []int{5, 3}, false)
	y := noisyLabels(rng, X, 1)
	first, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		y[i] = true
	}
	cold, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	warm, err := FitLogReg(X, y, LogRegOptions{Init: first})
	if err != nil {
		t.Fatal(err)
	}
	if !warm.Converged || warm.Iter >= cold.Iter {
		t.Fatalf("warm start took %d iterations, cold %d", warm.Iter, cold.Iter)
	}
	for p := range cold.W {
		if math.Abs(cold.W[p]-warm.W[p]) > 1e-6 {
			t.Fatalf("W[%d]: cold %v warm %v", p, cold.W[p], warm.W[p])
		}
	}
	if math.Abs(cold.B-warm.B) > 1e-6 {
		t.Fatalf("B: cold %v warm %v", cold.B, warm.B)
	}
	bad := &LogReg{W: []float64{1}}
	if _, err := FitLogReg(X, y, LogRegOptions{Init: bad}); err == nil {
		t.Error("warm start from a model of another shape accepted")
	}
}

// TestLogRegDenseAndCGAgree fits the same problem with the dense Newton path
// and with conjugate gradients: both must reach the same optimum.
func TestLogRegDenseAndCGAgree(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(31, 32))
	X := randMatrix(rng, 3000, 5, []int{6, 40}, false)
	y := noisyLabels(rng, X, 1)
	dense, err := FitLogReg(X, y, LogRegOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cg, err := FitLogReg(X, y, LogRegOptions{maxDense: -1})
	if err != nil {
		t.Fatal(err)
	}
	if dense.chol == nil || cg.chol != nil {
		t.Fatal("the two fits did not take the two paths")
	}
	if !dense.Converged || !cg.Converged {
		t.Fatal("not converged")
	}
	for p := range dense.W {
		if math.Abs(dense.W[p]-cg.W[p]) > 1e-6 {
			t.Fatalf("W[%d]: dense %v, CG %v", p, dense.W[p], cg.W[p])
		}
	}
	for q := range dense.V {
		for c := range dense.V[q] {
			if math.Abs(dense.V[q][c]-cg.V[q][c]) > 1e-6 {
				t.Fatalf("V[%d][%d]: dense %v, CG %v", q, c, dense.V[q][c], cg.V[q][c])
			}
		}
	}
}
