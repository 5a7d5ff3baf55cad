package model

import (
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
