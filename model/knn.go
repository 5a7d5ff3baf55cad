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
	// inv, for an index built in ref's own arrays (newOwnedKNN): the tree
	// position of each row of ref, whose Num and Cat are in tree order.
	inv []int32
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

// newOwnedKNN is NewKNN for a ref that the KNN owns (nothing else reads
// or writes it): a ref large enough for the index (knnIndexMinRef rows)
// has it built at once, with workers goroutines, in ref's own arrays
// rather than a copy of them; the brute-force scan then reads the rows
// through the index's permutation, in ref's order, so that both searches
// give what they give over a copy.
func newOwnedKNN(ref *Matrix, workers int) *KNN {
	k := NewKNN(ref)
	if k.err != nil || ref.N < knnIndexMinRef {
		return k
	}
	k.treeOnce.Do(func() { k.tree = newKNNTree(ref, resolveWorkers(workers), k.parallelRows, true) })
	if k.tree != nil {
		k.inv = make([]int32, ref.N)
		for r, i := range k.tree.idx {
			k.inv[i] = int32(r)
		}
	}
	return k
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
	nb, err := k.checkedQuery(q, kk, workers)
	if err != nil {
		return nil, err
	}
	out := make([][]Neighbor, q.N)
	// One backing array for all results.
	all := make([]Neighbor, q.N*kk)
	for i := range out {
		res := all[i*kk : (i+1)*kk : (i+1)*kk]
		for j := range nb.found[i] {
			res[j] = Neighbor{Index: nb.idx[i*kk+j], Dist: math.Sqrt(nb.d2[i*kk+j])}
		}
		out[i] = res
	}
	return out, nil
}

// knnFound are the results of a query of n rows for kk neighbours: row i's
// found[i] ≤ kk nearest reference rows, by (squared distance, index),
// are d2[i*kk:] and idx[i*kk:].
type knnFound struct {
	kk    int
	d2    []float64
	idx   []int
	found []int
}

// checkedQuery is Query, its results as they are found.
func (k *KNN) checkedQuery(q *Matrix, kk int, workers int) (*knnFound, error) {
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
	return k.query(q, kk, workers), nil
}

// meanDist is meanDist of Query's neighbours: for each row, the mean
// distance to its kk neighbours (0 for each not found).
func (f *knnFound) meanDist() []float64 {
	m := make([]float64, len(f.found))
	for i, n := range f.found {
		var s float64
		for _, d := range f.d2[i*f.kk : i*f.kk+n] {
			s += math.Sqrt(d)
		}
		m[i] = s / float64(f.kk)
	}
	return m
}

// query is Query's search, for arguments it has checked.
func (k *KNN) query(q *Matrix, kk, workers int) *knnFound {
	ref := k.ref
	var tree *knnTree
	if k.mode == knnIndex || (k.mode == knnAuto && ref.N >= knnIndexMinRef && q.N >= knnIndexMinQuery && kk <= ref.N/4) {
		k.treeOnce.Do(func() { k.tree = newKNNTree(ref, resolveWorkers(workers), k.parallelRows, false) })
		tree = k.tree
	}
	nb := &knnFound{kk: kk, d2: make([]float64, q.N*kk), idx: make([]int, q.N*kk), found: make([]int, q.N)}
	nChunks := (q.N + knnChunk - 1) / knnChunk
	forChunks(nChunks, resolveWorkers(workers), func(c int) {
		lo := c * knnChunk
		hi := min(lo+knnChunk, q.N)
		for i := lo; i < hi; i++ {
			d2, idx := nb.d2[i*kk:(i+1)*kk], nb.idx[i*kk:(i+1)*kk]
			if tree != nil && finiteRow(q, i) {
				nb.found[i] = tree.search(q.Num[i*q.P:(i+1)*q.P], q.Cat[i*q.Q:(i+1)*q.Q], d2, idx)
			} else {
				nb.found[i] = k.search(q, i, d2, idx)
			}
		}
	})
	return nb
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
	num, cat := ref.Num, ref.Cat
	if k.inv != nil { // ref's arrays are the index's, in tree order
		num, cat = k.tree.num, k.tree.cat
	}
	for j := 0; j < ref.N; j++ {
		r := j
		if k.inv != nil {
			r = int(k.inv[j])
		}
		y := num[r*P : (r+1)*P]
		var s float64
		for p, v := range x {
			t := v - y[p]
			s += t * t
		}
		if s >= worst {
			continue
		}
		cy := cat[r*Q : (r+1)*Q]
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

// knnList is one query row's neighbours, nearest first.
type knnList struct {
	d2  []float64
	idx []int
}

// row returns row i's neighbours, and whether it found all kk of them,
// at finite distances.
func (f *knnFound) row(i int) (knnList, bool) {
	n := f.found[i]
	l := knnList{f.d2[i*f.kk : i*f.kk+n], f.idx[i*f.kk : i*f.kk+n]}
	return l, n == f.kk && finiteValues(l.d2)
}
