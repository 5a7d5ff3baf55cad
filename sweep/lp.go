package sweep

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// lpTol is the simplex's optimality tolerance (on the reduced costs).
const lpTol = 1e-10

// solveBoxLP minimises c·x subject to E·x = 0 and 0 ≤ x ≤ 1, with gonum's
// simplex (lp.Simplex), exactly up to rounding. Rows of E that repeat an
// earlier row (within 1e-9) are dropped, so that the system keeps full row
// rank. x = 0 is always feasible, so the problem always has a solution.
func solveBoxLP(c []float64, E [][]float64) (x []float64, opt float64, err error) {
	n := len(c)
	var rows [][]float64
	for _, r := range E {
		dup := true
		for _, v := range r {
			if math.Abs(v) > 1e-9 {
				dup = false
			}
		}
		for _, q := range rows {
			same := true
			for j := range r {
				if math.Abs(r[j]-q[j]) > 1e-9 {
					same = false
				}
			}
			dup = dup || same
		}
		if !dup {
			rows = append(rows, r)
		}
	}
	// Standard form: variables x and slacks s, x + s = 1.
	m := len(rows) + n
	A := mat.NewDense(m, 2*n, nil)
	b := make([]float64, m)
	for i, r := range rows {
		for j, v := range r {
			A.Set(i, j, v)
		}
	}
	for j := 0; j < n; j++ {
		A.Set(len(rows)+j, j, 1)
		A.Set(len(rows)+j, n+j, 1)
		b[len(rows)+j] = 1
	}
	cs := make([]float64, 2*n)
	copy(cs, c)
	opt, xs, err := lp.Simplex(cs, A, b, lpTol, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("the equalized-odds linear program: %w", err)
	}
	x = make([]float64, n)
	for j := range x {
		x[j] = min(1, max(0, xs[j]))
	}
	return x, opt, nil
}
