package model

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Matrix holds encoded rows compactly, without one-hot expansion.
//
// Row i has P numeric features Num[i*P : (i+1)*P] (standardised values and
// missing indicators) and Q categorical features Cat[i*Q : (i+1)*Q]; the
// code Cat[i*Q+q] lies in [0, Card[q]).
//
// The matrix stands for its one-hot expansion: the P numeric values
// followed, for each categorical feature q, by Card[q] 0/1 indicators of
// which exactly one (the code) is 1. [Matrix.Expand] materialises it.
type Matrix struct {
	N    int       // rows
	P    int       // numeric features per row (standardised values and missing indicators)
	Q    int       // categorical features per row
	Num  []float64 // N×P, row-major
	Cat  []int32   // N×Q, row-major, codes in [0, Card[j])
	Card []int     // len Q, cardinality of each categorical feature
}

// Validate reports whether m is well formed: non-negative sizes, slice
// lengths N·P, N·Q and Q, positive cardinalities and codes within them.
func (m *Matrix) Validate() error {
	if err := m.validateShape(); err != nil {
		return err
	}
	for i := 0; i < m.N; i++ {
		row := m.Cat[i*m.Q : (i+1)*m.Q]
		for q, c := range row {
			if c < 0 || int(c) >= m.Card[q] {
				return fmt.Errorf("row %d: categorical feature %d has code %d outside [0, %d)", i, q, c, m.Card[q])
			}
		}
	}
	return nil
}

// validateShape is Validate without the pass over the codes.
func (m *Matrix) validateShape() error {
	if m == nil {
		return errors.New("matrix is nil")
	}
	if m.N < 0 || m.P < 0 || m.Q < 0 {
		return fmt.Errorf("matrix has negative size N=%d P=%d Q=%d", m.N, m.P, m.Q)
	}
	if len(m.Num) != m.N*m.P {
		return fmt.Errorf("matrix has %d numeric values, want N·P = %d·%d = %d", len(m.Num), m.N, m.P, m.N*m.P)
	}
	if len(m.Cat) != m.N*m.Q {
		return fmt.Errorf("matrix has %d categorical codes, want N·Q = %d·%d = %d", len(m.Cat), m.N, m.Q, m.N*m.Q)
	}
	if len(m.Card) != m.Q {
		return fmt.Errorf("matrix has %d cardinalities for %d categorical features", len(m.Card), m.Q)
	}
	for q, c := range m.Card {
		if c < 1 {
			return fmt.Errorf("categorical feature %d has cardinality %d", q, c)
		}
	}
	return nil
}

// sameShape returns an error unless a and b have the same features (P, Q
// and cardinalities), as matrices produced by the same Encoder do.
func sameShape(a, b *Matrix, aName, bName string) error {
	if a.P != b.P || a.Q != b.Q {
		return fmt.Errorf("the %s rows have %d numeric and %d categorical features but the %s rows have %d and %d",
			aName, a.P, a.Q, bName, b.P, b.Q)
	}
	for q := range a.Card {
		if a.Card[q] != b.Card[q] {
			return fmt.Errorf("categorical feature %d has %d codes in the %s rows but %d in the %s rows",
				q, a.Card[q], aName, b.Card[q], bName)
		}
	}
	return nil
}

// Width returns the number of one-hot-expanded features, P + Σ_q Card[q].
func (m *Matrix) Width() int {
	w := m.P
	for _, c := range m.Card {
		w += c
	}
	return w
}

// Subset returns a copy of the given rows, in that order. It panics if a
// row index is out of range.
func (m *Matrix) Subset(rows []int) *Matrix {
	s := &Matrix{
		N:    len(rows),
		P:    m.P,
		Q:    m.Q,
		Num:  make([]float64, len(rows)*m.P),
		Cat:  make([]int32, len(rows)*m.Q),
		Card: append([]int(nil), m.Card...),
	}
	for k, i := range rows {
		if i < 0 || i >= m.N {
			panic(fmt.Sprintf("model: Subset row %d out of range [0, %d)", i, m.N))
		}
		copy(s.Num[k*m.P:(k+1)*m.P], m.Num[i*m.P:(i+1)*m.P])
		copy(s.Cat[k*m.Q:(k+1)*m.Q], m.Cat[i*m.Q:(i+1)*m.Q])
	}
	return s
}

// Expand returns the explicit one-hot expansion of m, an N×Width() dense
// matrix: columns 0..P-1 are the numeric features, then for each
// categorical feature q a block of Card[q] indicator columns. It is meant
// for tests and inspection; the rest of the package never expands. Expand
// returns nil if m has no rows or no features (gonum has no empty Dense).
func (m *Matrix) Expand() *mat.Dense {
	w := m.Width()
	if m.N == 0 || w == 0 {
		return nil
	}
	d := mat.NewDense(m.N, w, nil)
	for i := 0; i < m.N; i++ {
		for p := 0; p < m.P; p++ {
			d.Set(i, p, m.Num[i*m.P+p])
		}
		off := m.P
		for q := 0; q < m.Q; q++ {
			d.Set(i, off+int(m.Cat[i*m.Q+q]), 1)
			off += m.Card[q]
		}
	}
	return d
}

// sqDist returns the squared Euclidean distance between row i of a and row
// j of b in the one-hot-expanded space, computed without expanding:
//
//	d²(i,j) = Σ_p (Num_i,p − Num_j,p)² + Σ_q 2·[Cat_i,q ≠ Cat_j,q].
//
// This equals ‖x_i − x_j‖² for the expanded rows because each categorical
// feature q contributes one block of Card[q] indicators with a single 1:
// equal codes give identical blocks (contribution 0), different codes give
// blocks differing in exactly two positions, each by ±1 (contribution
// 1 + 1 = 2). a and b must have the same shape.
func sqDist(a *Matrix, i int, b *Matrix, j int) float64 {
	p, q := a.P, a.Q
	x := a.Num[i*p : (i+1)*p]
	y := b.Num[j*p : (j+1)*p]
	var s float64
	for k, v := range x {
		d := v - y[k]
		s += d * d
	}
	cx := a.Cat[i*q : (i+1)*q]
	cy := b.Cat[j*q : (j+1)*q]
	mismatch := 0
	for k, c := range cx {
		if c != cy[k] {
			mismatch++
		}
	}
	return s + 2*float64(mismatch)
}
