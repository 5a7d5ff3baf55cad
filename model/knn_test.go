package model

import (
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// randMatrix returns an n-row matrix with p normal numeric features and
// categorical features of the given cardinalities. If integer is set the
// numeric values are small integers, so that many distances tie exactly.
func randMatrix(rng *rand.Rand, n, p int, card []int, integer bool) *Matrix {
	m := &Matrix{N: n, P: p, Q: len(card), Card: append([]int(nil), card...)}
	m.Num = make([]float64, n*p)
	m.Cat = make([]int32, n*len(card))
	for i := range m.Num {
		if integer {
			m.Num[i] = float64(rng.IntN(3))
		} else {
			m.Num[i] = rng.NormFloat64()
		}
	}
	for i := 0; i < n; i++ {
		for q, c := range card {
			m.Cat[i*len(card)+q] = int32(rng.IntN(c))
		}
	}
	return m
}

func TestSqDistMatchesOneHot(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		p := rng.IntN(5)
		card := make([]int, rng.IntN(5))
		for q := range card {
			card[q] = 1 + rng.IntN(6)
		}
		if p == 0 && len(card) == 0 {
			p = 1
		}
		a := randMatrix(rng, 15, p, card, false)
		b := randMatrix(rng, 10, p, card, false)
		ea, eb := a.Expand(), b.Expand()
		w := a.Width()
		for i := 0; i < a.N; i++ {
			for j := 0; j < b.N; j++ {
				xa := ea.RawRowView(i)
				xb := eb.RawRowView(j)
				want := floats.Distance(xa, xb, 2)
				want *= want
				got := sqDist(a, i, b, j)
				if math.Abs(got-want) > 1e-12*math.Max(1, want) {
					t.Fatalf("trial %d (P=%d card=%v width %d): d²(%d,%d) = %v, one-hot %v", trial, p, card, w, i, j, got, want)
				}
			}
		}
	}
}

// naiveKNN sorts all reference rows by (sqDist, index).
func naiveKNN(ref, q *Matrix, k int) [][]Neighbor {
	out := make([][]Neighbor, q.N)
	for i := 0; i < q.N; i++ {
		all := make([]Neighbor, ref.N)
		d2 := make([]float64, ref.N)
		for j := 0; j < ref.N; j++ {
			d2[j] = sqDist(q, i, ref, j)
			all[j] = Neighbor{Index: j}
		}
		sort.Slice(all, func(a, b int) bool {
			da, db := d2[all[a].Index], d2[all[b].Index]
			if da != db {
				return da < db
			}
			return all[a].Index < all[b].Index
		})
		all = all[:k]
		for n := range all {
			all[n].Dist = math.Sqrt(d2[all[n].Index])
		}
		out[i] = all
	}
	return out
}

func TestKNNMatchesNaive(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name    string
		p       int
		card    []int
		integer bool
	}{
		{"continuous", 4, []int{3, 5}, false},
		{"ties", 2, []int{2, 2}, true},              // few distinct distances: many exact ties
		{"categorical only", 0, []int{2, 3}, false}, // distances are 0, √2, √4 only
		{"numeric only", 3, nil, false},
	} {
		ref := randMatrix(rng, 300, tc.p, tc.card, tc.integer)
		q := randMatrix(rng, 70, tc.p, tc.card, tc.integer)
		knn := NewKNN(ref)
		for _, k := range []int{1, 7, 40, 300} {
			want := naiveKNN(ref, q, k)
			got1, err := knn.Query(q, k, 1)
			if err != nil {
				t.Fatal(err)
			}
			got4, err := knn.Query(q, k, 4)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got1, want) {
				t.Errorf("%s k=%d: workers=1 differs from naive search", tc.name, k)
				for i := range want {
					if !reflect.DeepEqual(got1[i], want[i]) {
						t.Logf("query %d:\n got %v\nwant %v", i, got1[i], want[i])
						break
					}
				}
			}
			if !reflect.DeepEqual(got4, got1) {
				t.Errorf("%s k=%d: workers=4 differs from workers=1", tc.name, k)
			}
		}
	}
}

func TestKNNTiesByLowerIndex(t *testing.T) {
	t.Parallel()
	// Reference points on a line: 0, 1, -1, 1, 0, -1, 2. Query at 0.
	// Distances: 0,1,1,1,0,1,2 → order (0,0) (4,0) (1,1) (2,1) (3,1) (5,1) (6,2).
	ref := &Matrix{N: 7, P: 1, Num: []float64{0, 1, -1, 1, 0, -1, 2}}
	q := &Matrix{N: 1, P: 1, Num: []float64{0}}
	got, err := NewKNN(ref).Query(q, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Neighbor{{0, 0}, {4, 0}, {1, 1}, {2, 1}}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("got %v, want %v", got[0], want)
	}
}

func TestKNNErrors(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	ref := randMatrix(rng, 5, 2, []int{3}, false)
	knn := NewKNN(ref)
	for _, tc := range []struct {
		q   *Matrix
		k   int
		msg string
	}{
		{randMatrix(rng, 2, 2, []int{3}, false), 0, "at least 1"},
		{randMatrix(rng, 2, 2, []int{3}, false), 6, "k = 6 is larger than the 5 reference rows"},
		{randMatrix(rng, 2, 3, []int{3}, false), 2, "features"},
		{randMatrix(rng, 2, 2, []int{4}, false), 2, "codes"},
		{&Matrix{N: 2, P: 2, Num: []float64{1}}, 2, "numeric values"},
	} {
		_, err := knn.Query(tc.q, tc.k, 1)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Query(k=%d): error %v, want one containing %q", tc.k, err, tc.msg)
		}
	}
	bad := &Matrix{N: 1, Q: 1, Card: []int{2}, Cat: []int32{2}}
	if _, err := NewKNN(bad).Query(bad, 1, 1); err == nil {
		t.Error("Query accepted a reference with a code outside its cardinality")
	}
	// Empty query: no error, no results.
	got, err := knn.Query(&Matrix{P: 2, Q: 1, Card: []int{3}}, 2, 1)
	if err != nil || len(got) != 0 {
		t.Errorf("empty query: %v %v", got, err)
	}
}

func TestMatrixSubset(t *testing.T) {
	t.Parallel()
	m := &Matrix{N: 3, P: 2, Q: 1, Card: []int{4},
		Num: []float64{1, 2, 3, 4, 5, 6}, Cat: []int32{0, 3, 2}}
	s := m.Subset([]int{2, 0, 2})
	want := &Matrix{N: 3, P: 2, Q: 1, Card: []int{4},
		Num: []float64{5, 6, 1, 2, 5, 6}, Cat: []int32{2, 0, 2}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Subset = %+v, want %+v", s, want)
	}
	s.Card[0] = 9
	s.Num[0] = 0
	if m.Card[0] != 4 || m.Num[4] != 5 {
		t.Error("Subset shares storage with the original")
	}
}
