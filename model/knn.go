package model

import (
	"fmt"
	"math"
	"sync"
)

// Neighbor is one of the k nearest reference rows.
type Neighbor struct {
	Index int     // index into the reference Matrix
	Dist  float64 // Euclidean distance (not squared)
}

// KNN answers exact k-nearest-neighbour queries against a fixed reference
// Matrix, in the one-hot-expanded Euclidean metric (see Matrix):
//
//	d(i,j) = sqrt(Σ_p (Num_i,p − Num_j,p)² + 2·#{q : Cat_i,q ≠ Cat_j,q}).
//
// The query and reference rows must come from the same Encoder.
type KNN struct {
	ref *Matrix
	err error // set if ref is malformed; returned by Query

	mode knnMode // how Query searches (knnAuto except in tests)
	// parallelRows is the size of the index's subtrees built in parallel;
	// 0 (except in tests) means knnParallelRows.
	parallelRows int
	treeOnce     sync.Once // builds tree on the first Query that uses it
	tree         *knnTree  // exact index of ref; nil if ref cannot be indexed
}

// knnMode selects the search algorithm; both give identical results.
type knnMode int

const (
	knnAuto  knnMode = iota // the index for large inputs, else brute force
	knnBrute                // always the brute-force scan
	knnIndex                // always the index (if ref can be indexed)
)

// NewKNN returns a KNN searching the rows of ref. ref is not copied and
// must not be modified while the KNN is in use. A malformed ref is
// reported by Query.
func NewKNN(ref *Matrix) *KNN {
	return &KNN{ref: ref, err: ref.Validate()}
}

// knnChunk is the number of query rows per unit of parallel work.
const knnChunk = 16

// Query returns, for each row of q, its kk nearest reference rows sorted
// by (distance, reference index) ascending: ties are broken by the lower
// reference index, so results are deterministic and independent of
// workers.
//
// For large inputs (at least knnIndexMinRef reference rows and
// knnIndexMinQuery query rows, and kk at most a quarter of the reference
// rows) the search uses an exact index, built with workers goroutines on
// the first such Query (see knnTree); it returns exactly the neighbours,
// distances and tie order of the brute-force scan described below, which
// is used otherwise. Both are parallel over query rows with workers
// goroutines (workers < 1 means runtime.GOMAXPROCS(0)).
//
// The brute-force scan is exact. Each query keeps
// its kk best (squared distance, index) pairs in a sorted array; the
// reference rows are scanned in index order, so a row enters only if its
// squared distance is strictly below the current kk-th best, and a row is
// abandoned as soon as the partial sum of its squared distance (numeric
// part first, then the categorical part) reaches that bound. (Checking
// the bound after every term, or doing the categorical part first, was
// measured slower on Adult-shaped data.)
//
// Query returns an error if kk < 1 or kk > the number of reference rows,
// or if q is malformed or its features differ from the reference's.
func (k *KNN) Query(q *Matrix, kk int, workers int) ([][]Neighbor, error) {
	if k.err != nil {
		return nil, fmt.Errorf("reference rows: %v", k.err)
	}
	ref := k.ref
	if kk < 1 {
		return nil, fmt.Errorf("k = %d: the number of neighbours must be at least 1", kk)
	}
	if kk > ref.N {
		return nil, fmt.Errorf("k = %d is larger than the %d reference rows", kk, ref.N)
	}
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("query rows: %v", err)
	}
	if err := sameShape(q, ref, "query", "reference"); err != nil {
		return nil, err
	}

	var tree *knnTree
	if k.mode == knnIndex || (k.mode == knnAuto && ref.N >= knnIndexMinRef && q.N >= knnIndexMinQuery && kk <= ref.N/4) {
		k.treeOnce.Do(func() { k.tree = newKNNTree(ref, resolveWorkers(workers), k.parallelRows) })
		tree = k.tree
	}

	out := make([][]Neighbor, q.N)
	// One backing array for all results.
	all := make([]Neighbor, q.N*kk)
	nChunks := (q.N + knnChunk - 1) / knnChunk
	forChunks(nChunks, resolveWorkers(workers), func(c int) {
		d2 := make([]float64, kk)
		idx := make([]int, kk)
		lo := c * knnChunk
		hi := min(lo+knnChunk, q.N)
		for i := lo; i < hi; i++ {
			var n int
			if tree != nil && finiteRow(q, i) {
				n = tree.search(q.Num[i*q.P:(i+1)*q.P], q.Cat[i*q.Q:(i+1)*q.Q], d2, idx)
			} else {
				n = k.search(q, i, d2, idx)
			}
			res := all[i*kk : (i+1)*kk : (i+1)*kk]
			for j := 0; j < n; j++ {
				res[j] = Neighbor{Index: idx[j], Dist: math.Sqrt(d2[j])}
			}
			out[i] = res
		}
	})
	return out, nil
}

// search finds the len(d2) nearest reference rows of row i of q and stores
// their squared distances and indices, sorted, in d2 and idx. It returns
// the number found (len(d2), which Query has checked is ≤ ref.N).
//
// The squared distance of each reference row is accumulated exactly as
// sqDist does (numeric terms in order, then 2·mismatches), so that the
// values, and hence ties, are the same as sqDist's.
func (k *KNN) search(q *Matrix, i int, d2 []float64, idx []int) int {
	ref := k.ref
	P, Q, kk := ref.P, ref.Q, len(d2)
	x := q.Num[i*P : (i+1)*P]
	cx := q.Cat[i*Q : (i+1)*Q]
	n := 0
	worst := math.Inf(1) // current kk-th best squared distance (∞ until full)
	for j := 0; j < ref.N; j++ {
		y := ref.Num[j*P : (j+1)*P]
		var s float64
		for p, v := range x {
			t := v - y[p]
			s += t * t
		}
		if s >= worst {
			continue
		}
		cy := ref.Cat[j*Q : (j+1)*Q]
		mismatch := 0
		for p, c := range cx {
			if c != cy[p] {
				mismatch++
			}
		}
		s += 2 * float64(mismatch)
		if s >= worst {
			continue
		}
		// Insert (s, j) into the sorted arrays. j exceeds every index
		// already held, so among equal distances it goes last.
		pos := n
		if n < kk {
			n++
		} else {
			pos = kk - 1
		}
		for pos > 0 && d2[pos-1] > s {
			d2[pos] = d2[pos-1]
			idx[pos] = idx[pos-1]
			pos--
		}
		d2[pos] = s
		idx[pos] = j
		if n == kk {
			worst = d2[kk-1]
		}
	}
	return n
}

// finiteRow reports whether the numeric features of row i of m are all
// finite (the index needs them to be; other rows are searched by brute
// force, whose handling of NaN the index does not reproduce).
func finiteRow(m *Matrix, i int) bool {
	for _, v := range m.Num[i*m.P : (i+1)*m.P] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
