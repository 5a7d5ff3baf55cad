package model

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// An index built in its reference's own arrays (newOwnedKNN) gives what
// the brute-force scan over an untouched copy gives: with the index (many
// query rows), and by brute force through the permutation (few rows, or k
// over a quarter of the rows), ties included.
func TestOwnedKNNMatchesBrute(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, ref := range []*Matrix{
		dupMatrix(rng, 6000, 300, 3, []int{5, 2, 7}, true),
		realisticAdult(rng, 5000),
	} {
		copyRef := ref.Subset(seq(ref.N))
		owned := newOwnedKNN(ref.Subset(seq(ref.N)), 2)
		if owned.inv == nil {
			t.Fatal("the owned index was not built in place")
		}
		if reflect.DeepEqual(owned.tree.num, copyRef.Num) {
			t.Fatal("the owned arrays are still in the reference's order: the test would not see a wrong permutation")
		}
		brute := knnWith(copyRef, knnBrute)
		for _, c := range []struct{ rows, k int }{{200, 10}, {5, 10}, {40, ref.N/4 + 1}} {
			q := ref.Subset(seq(c.rows))
			for i := range q.Num {
				q.Num[i] += float64(rng.IntN(3)) // near rows, and exact ties among them
			}
			got, err := owned.Query(q, c.k, 2)
			if err != nil {
				t.Fatal(err)
			}
			want, err := brute.Query(q, c.k, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%d rows, k %d: the owned index differs from brute force", c.rows, c.k)
			}
		}
	}
}

// seq is 0, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// KNNScorer's count of positive rows among the k nearest of all the
// reference rows, merged from the positive and negative rows' searches,
// is the count over a search of every row, for rows with exact ties, a
// candidate with a NaN value (searched whole), and a reference with one
// (no merge), for both methods.
func TestKNNScorerMergedCount(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	ref := dupMatrix(rng, 9000, 400, 2, []int{4, 3}, true)
	y := make([]bool, ref.N)
	for i := range y {
		y[i] = rng.IntN(3) == 0
	}
	cand := dupMatrix(rng, 300, 400, 2, []int{4, 3}, true)
	cand.Num[7*cand.P] = math.NaN()
	nonFinite := ref.Subset(seq(ref.N))
	nonFinite.Num[5] = math.Inf(1)
	for _, r := range []*Matrix{ref, nonFinite} {
		for _, k := range []int{1, 10, 25} {
			nb, err := knnWith(r, knnBrute).Query(cand, k, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := countPositive(nb, y)
			for _, dist := range []bool{false, true} {
				s, err := NewKNNScorer(r, y, k, 2, dist)
				if err != nil {
					t.Fatal(err)
				}
				if s.merge != (r == ref) {
					t.Fatalf("merge %v for the reference with a non-finite value %v", s.merge, r != ref)
				}
				sc, err := s.Score(cand)
				if err != nil {
					t.Fatal(err)
				}
				got := sc.Primary
				if dist {
					got = sc.Secondary
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("k %d dist %v merge %v: counts differ from a search of every row", k, dist, s.merge)
				}
			}
		}
	}
}
