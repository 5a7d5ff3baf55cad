package model

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// Scores are a scorer's estimates, for each candidate row, of its
// counterfactual (majority) label.
type Scores struct {
	Primary   []float64 // higher = more likely positive; the ranking score
	Secondary []float64 // tie-breaker for equal Primary (higher first); may equal Primary when there is no natural second score
	Positive  []bool    // the scorer's own estimate of the counterfactual label (used by "--flips auto")
}

// checkScoreInput validates the reference and candidate matrices and the
// reference labels shared by the scorers.
func checkScoreInput(ref *Matrix, refY []bool, cand *Matrix) error {
	if err := ref.Validate(); err != nil {
		return fmt.Errorf("reference rows: %v", err)
	}
	if err := cand.Validate(); err != nil {
		return fmt.Errorf("candidate rows: %v", err)
	}
	if len(refY) != ref.N {
		return fmt.Errorf("%d labels for %d reference rows", len(refY), ref.N)
	}
	if ref.N == 0 {
		return errors.New("there are no reference rows")
	}
	return sameShape(cand, ref, "candidate", "reference")
}

// splitByLabel returns the indices of the positive and negative reference rows.
func splitByLabel(refY []bool) (pos, neg []int) {
	for i, y := range refY {
		if y {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	return pos, neg
}

// checkK returns an error unless k ≥ 1.
func checkK(k int) error {
	if k < 1 {
		return fmt.Errorf("k = %d: the number of neighbours must be at least 1", k)
	}
	return nil
}

// singleClass reports whether every label in y is the same, and which.
func singleClass(y []bool) (single, positive bool) {
	for _, v := range y[1:] {
		if v != y[0] {
			return false, false
		}
	}
	return true, y[0]
}

// RBProb scores by a logistic regression fitted on the reference rows:
// Primary = P(y=1 | x) from FitLogReg(ref, refY, opt); Secondary = Primary;
// Positive = Primary > 0.5. It also returns the fitted model.
//
// If every reference label is the same there is nothing to fit (the
// logistic regression's intercept has no finite optimum, and its weights
// would only fit rounding noise): every candidate gets the score 1 (all
// positive) or 0 (all negative), Positive is that label, and the model is
// nil. The probabilities are always finite: L2 regularisation bounds the
// weights even on separable data, and Encode bounds the features.
func RBProb(ref *Matrix, refY []bool, cand *Matrix, opt LogRegOptions) (*Scores, *LogReg, error) {
	if err := checkScoreInput(ref, refY, cand); err != nil {
		return nil, nil, err
	}
	if single, positive := singleClass(refY); single {
		s := &Scores{Primary: make([]float64, cand.N), Positive: make([]bool, cand.N)}
		if positive {
			for i := range s.Primary {
				s.Primary[i] = 1
				s.Positive[i] = true
			}
		}
		s.Secondary = s.Primary
		return s, nil, nil
	}
	m, err := FitLogReg(ref, refY, opt)
	if err != nil {
		return nil, nil, err
	}
	s := &Scores{
		Primary:  make([]float64, cand.N),
		Positive: make([]bool, cand.N),
	}
	for i := range s.Primary {
		p := m.Prob(cand, i)
		s.Primary[i] = p
		s.Positive[i] = p > 0.5
	}
	s.Secondary = s.Primary
	return s, m, nil
}

// countPositive returns, for each neighbour list, the number of neighbours
// whose label is positive.
func countPositive(nb [][]Neighbor, refY []bool) []float64 {
	c := make([]float64, len(nb))
	for i, l := range nb {
		n := 0
		for _, x := range l {
			if refY[x.Index] {
				n++
			}
		}
		c[i] = float64(n)
	}
	return c
}

// meanDist returns, for each neighbour list, the mean distance.
func meanDist(nb [][]Neighbor) []float64 {
	m := make([]float64, len(nb))
	for i, l := range nb {
		var s float64
		for _, x := range l {
			s += x.Dist
		}
		m[i] = s / float64(len(l))
	}
	return m
}

// KNNScorer scores candidates by their nearest reference rows (RBLabel,
// RBDist) with the k-NN indexes built once: scoring candidates in batches
// gives each the scores it gets when all are scored at once, so a
// distributed run can score its shards apart.
//
// Each index searches min(k, its rows) neighbours: a reference with fewer
// rows, positive rows or negative rows than k (a tiny --reference-sample)
// is searched whole rather than refused. A caller that wants to say so
// compares k with the counts (see EffectiveK).
//
// It indexes the positive and the negative reference rows, each in its
// own copy, and no more: the k nearest of all the reference rows are the k
// first, by (squared distance, index), of the k nearest positive and the k
// nearest negative rows merged (the rows of each keep their order of
// index in the whole), so one index of every row would hold the
// reference a second time, and search it a second time, for nothing. A
// candidate whose searches do not give that merge its exact inputs (a
// non-finite value, a distance that overflows, fewer rows found than
// asked) is searched by brute force over the whole reference instead,
// as the index of every row would have done; so is every candidate of a
// reference with a non-finite value, which no index takes.
type KNNScorer struct {
	dist     bool // RBDist, else RBLabel
	k        int
	workers  int
	refY     []bool
	all      *KNN  // every reference row: brute force only, over the caller's ref
	pos, neg *KNN  // the positive and the negative reference rows (neg nil: none)
	posRows  []int // the index in ref of each positive row
	negRows  []int // of each negative row
	merge    bool  // ref is finite: all's neighbours are pos's and neg's merged
	zero     bool  // no positive reference row: every score is 0
}

// EffectiveK returns the neighbours each index of a KNNScorer searches
// for k asked and n rows in it: min(k, n).
func EffectiveK(k, n int) int { return min(k, n) }

// NewKNNScorer checks the reference and builds the indexes of RBLabel
// (dist false) or RBDist (dist true); see them for the scores and errors.
// ref is not copied and must not be modified while the scorer is in use.
func NewKNNScorer(ref *Matrix, refY []bool, k, workers int, dist bool) (*KNNScorer, error) {
	if ref == nil {
		return nil, errors.New("no reference")
	}
	if len(refY) != ref.N {
		return nil, fmt.Errorf("reference labels: got %d for %d rows", len(refY), ref.N)
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	if ref.N == 0 {
		return nil, errors.New("there are no reference rows")
	}
	s := &KNNScorer{dist: dist, k: k, workers: workers, refY: refY}
	pos, neg := splitByLabel(refY)
	if len(pos) == 0 {
		s.zero = true
		return s, nil
	}
	s.all = NewKNN(ref)
	if s.all.err != nil {
		return s, nil // Score reports it
	}
	s.merge = finiteValues(ref.Num)
	s.posRows, s.negRows = pos, neg
	// The two indexes at once: the top of each tree is built by one
	// goroutine, so one index's top overlaps the other's.
	var wg sync.WaitGroup
	if len(neg) > 0 && (dist || s.merge) {
		wg.Go(func() { s.neg = newOwnedKNN(ref.Subset(neg), workers) })
	}
	s.pos = newOwnedKNN(ref.Subset(pos), workers)
	wg.Wait()
	return s, nil
}

// finiteValues reports whether no value of x is NaN or infinite.
func finiteValues(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Score scores the candidates.
func (s *KNNScorer) Score(cand *Matrix) (*Scores, error) {
	if s.zero {
		zero := make([]float64, cand.N)
		return &Scores{Primary: zero, Secondary: zero, Positive: make([]bool, cand.N)}, nil
	}
	query := func(idx *KNN) (*knnFound, error) {
		return idx.checkedQuery(cand, EffectiveK(s.k, idx.ref.N), s.workers)
	}
	var count []float64
	kAll := EffectiveK(s.k, s.all.ref.N)
	if !s.merge {
		nb, err := s.all.Query(cand, kAll, s.workers)
		if err != nil {
			return nil, err
		}
		count = countPositive(nb, s.refY)
	}
	nbPos, err := query(s.pos)
	if err != nil {
		return nil, err
	}
	var nbNeg *knnFound
	if s.neg != nil {
		if nbNeg, err = query(s.neg); err != nil {
			return nil, err
		}
	}
	if s.merge {
		count = s.mergedCount(cand, nbPos, nbNeg, kAll)
	}
	dpos := nbPos.meanDist()
	var dneg []float64
	if s.dist && nbNeg != nil {
		dneg = nbNeg.meanDist()
	}
	out := &Scores{Positive: make([]bool, cand.N)}
	for i := range dpos {
		if s.dist {
			out.Positive[i] = dneg == nil || dpos[i] < dneg[i]
		} else {
			out.Positive[i] = 2*count[i] > float64(kAll)
		}
		dpos[i] = -dpos[i]
	}
	if s.dist {
		out.Primary, out.Secondary = dpos, count
	} else {
		out.Primary, out.Secondary = count, dpos
	}
	return out, nil
}

// mergedCount is, for each candidate, the number of positive rows among
// its kAll nearest reference rows: the first kAll of its nearest positive
// (pos) and negative (neg; nil: there are none) rows merged by (squared
// distance, index in the whole reference), or, where those are not exact
// (a candidate with a non-finite value, fewer rows found than asked, or a
// distance that is not finite), a brute-force search of every row.
func (s *KNNScorer) mergedCount(cand *Matrix, pos, neg *knnFound, kAll int) []float64 {
	count := make([]float64, cand.N)
	d2 := make([]float64, kAll)
	idx := make([]int, kAll)
	for i := range count {
		a, ok := pos.row(i)
		var b knnList
		if neg != nil {
			var okNeg bool
			b, okNeg = neg.row(i)
			ok = ok && okNeg
		}
		if !ok || !finiteRow(cand, i) {
			n := s.all.search(cand, i, d2, idx)
			c := 0
			for _, j := range idx[:n] {
				if s.refY[j] {
					c++
				}
			}
			count[i] = float64(c)
			continue
		}
		c := 0
		for range kAll {
			if len(b.d2) == 0 || (len(a.d2) > 0 && (a.d2[0] < b.d2[0] || (a.d2[0] == b.d2[0] && s.posRows[a.idx[0]] < s.negRows[b.idx[0]]))) {
				c++
				a.d2, a.idx = a.d2[1:], a.idx[1:]
			} else {
				b.d2, b.idx = b.d2[1:], b.idx[1:]
			}
		}
		count[i] = float64(c)
	}
	return count
}

// RBLabel scores by the labels of the nearest reference rows:
//
//	Primary   = #{positive labels among the k nearest reference rows}
//	Secondary = −(mean distance to the k nearest positive reference rows)
//	Positive  = Primary > k/2 (strictly more than half)
//
// Distances are Euclidean in the one-hot-expanded space; ties between
// equally distant reference rows are broken by the lower reference index
// (see KNN.Query). It returns an error if k < 1. A reference with fewer
// than k rows is searched whole (the count is then over all of them, the
// same for every candidate, and Positive is more than half of them), and
// so are fewer than k positive rows for the secondary score. With no
// positive reference row every candidate gets Primary = Secondary = 0 and
// Positive = false.
func RBLabel(ref *Matrix, refY []bool, cand *Matrix, k, workers int) (*Scores, error) {
	if err := checkScoreInput(ref, refY, cand); err != nil {
		return nil, err
	}
	s, err := NewKNNScorer(ref, refY, k, workers, false)
	if err != nil {
		return nil, err
	}
	return s.Score(cand)
}

// RBDist scores by the distance to the nearest positive reference rows:
//
//	Primary   = −(mean Euclidean distance to the k nearest positive reference rows)
//	Secondary = #{positive labels among the k nearest reference rows} (RB-label)
//	Positive  = mean distance to the k nearest positive reference rows
//	            < mean distance to the k nearest negative reference rows
//
// It returns an error if k < 1. Fewer than k positive (negative) reference
// rows are searched whole: the mean is then over all of them. With no
// negative reference row the distance to the negatives is taken as +∞
// (Positive is true for every candidate); with no positive reference row
// the distance to the positives is undefined, and every candidate gets
// Primary = Secondary = 0 and Positive = false, as RBLabel gives.
func RBDist(ref *Matrix, refY []bool, cand *Matrix, k, workers int) (*Scores, error) {
	if err := checkScoreInput(ref, refY, cand); err != nil {
		return nil, err
	}
	s, err := NewKNNScorer(ref, refY, k, workers, true)
	if err != nil {
		return nil, err
	}
	return s.Score(cand)
}
