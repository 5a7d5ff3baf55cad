package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// knnWith returns a KNN over ref that always uses the given mode.
func knnWith(ref *Matrix, mode knnMode) *KNN {
	k := NewKNN(ref)
	k.mode = mode
	return k
}

// dupMatrix returns n rows drawn from a pool of distinct rows, so that the
// result has many exact duplicates (and hence many exact distance ties).
func dupMatrix(rng *rand.Rand, n, pool, p int, card []int, integer bool) *Matrix {
	base := randMatrix(rng, pool, p, card, integer)
	rows := make([]int, n)
	for i := range rows {
		rows[i] = rng.IntN(pool)
	}
	return base.Subset(rows)
}

func TestKNNIndexMatchesBrute(t *testing.T) {
	t.Parallel()
	// k = every reference row is the slowest case (most of the test's time,
	// and minutes under the race detector); under -race, only the smallest
	// shape asks for it: the concurrent code (parallel subtrees, query
	// workers) is the same for every k.
	maxAllK := 2000
	if raceEnabled {
		maxAllK = 1000
	}
	rng := rand.New(rand.NewPCG(31, 32))
	type shape struct {
		name string
		ref  *Matrix
		q    *Matrix
	}
	var shapes []shape
	add := func(name string, ref, q *Matrix) { shapes = append(shapes, shape{name, ref, q}) }
	add("continuous", randMatrix(rng, 2000, 4, []int{3, 5, 9}, false), randMatrix(rng, 150, 4, []int{3, 5, 9}, false))
	add("integer ties", randMatrix(rng, 2000, 3, []int{2, 2, 3}, true), randMatrix(rng, 150, 3, []int{2, 2, 3}, true))
	add("duplicates", dupMatrix(rng, 2500, 40, 2, []int{4, 3}, true), dupMatrix(rng, 150, 60, 2, []int{4, 3}, true))
	add("duplicates continuous", dupMatrix(rng, 2500, 300, 3, []int{5, 2, 7}, false), dupMatrix(rng, 150, 300, 3, []int{5, 2, 7}, false))
	add("numeric only", randMatrix(rng, 2000, 3, nil, false), randMatrix(rng, 150, 3, nil, false))
	add("numeric only ties", randMatrix(rng, 2000, 2, nil, true), randMatrix(rng, 150, 2, nil, true))
	add("categorical only", randMatrix(rng, 2000, 0, []int{2, 3, 4, 5}, false), randMatrix(rng, 150, 0, []int{2, 3, 4, 5}, false))
	add("many codes", randMatrix(rng, 2000, 2, []int{150, 70, 2}, true), randMatrix(rng, 150, 2, []int{150, 70, 2}, true))
	add("one column", randMatrix(rng, 1000, 1, nil, true), randMatrix(rng, 50, 1, nil, true))
	adult, _ := adultLike(rng, 3000)
	adultQ, _ := adultLike(rng, 150)
	add("adult-like", adult, adultQ)
	real := realisticAdult(rng, 5000)
	add("realistic adult", real, realisticAdult(rng, 200))
	add("realistic adult self", real, real.Subset([]int{0, 1, 2, 3, 4, 100, 4999}))

	for c, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			brute := knnWith(sh.ref, knnBrute)
			index := knnWith(sh.ref, knnIndex)
			// Build every other index with many parallel subtrees.
			index.parallelRows = []int{1 << 15, 100}[c%2]
			for _, k := range []int{1, 2, 10, 57, sh.ref.N} {
				if k == sh.ref.N && sh.ref.N > maxAllK {
					continue // covered by smaller shapes; slow
				}
				want, err := brute.Query(sh.q, k, 1)
				if err != nil {
					t.Fatal(err)
				}
				got1, err := index.Query(sh.q, k, 1)
				if err != nil {
					t.Fatal(err)
				}
				got4, err := index.Query(sh.q, k, 4)
				if err != nil {
					t.Fatal(err)
				}
				if index.tree == nil {
					t.Fatalf("%s: index not built", sh.name)
				}
				if !reflect.DeepEqual(got1, want) {
					t.Errorf("%s k=%d: index differs from brute force", sh.name, k)
					for i := range want {
						if !reflect.DeepEqual(got1[i], want[i]) {
							t.Logf("query %d:\n got %v\nwant %v", i, got1[i], want[i])
							break
						}
					}
				}
				if !reflect.DeepEqual(got4, got1) {
					t.Errorf("%s k=%d: index with workers=4 differs from workers=1", sh.name, k)
				}
				if k <= 57 && sh.ref.N <= 2500 && sh.q.N <= 150 {
					if naive := naiveKNN(sh.ref, sh.q, k); !reflect.DeepEqual(want, naive) {
						t.Errorf("%s k=%d: brute force differs from naive", sh.name, k)
					}
				}
			}
		})
	}
}

func TestKNNIndexAutoAndNonFinite(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(33, 34))
	ref := dupMatrix(rng, knnIndexMinRef+500, 500, 2, []int{3, 4}, true)
	q := randMatrix(rng, 100, 2, []int{3, 4}, true)
	q.Num[5] = math.NaN()
	q.Num[8] = math.Inf(1)
	auto := NewKNN(ref)
	got, err := auto.Query(q, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if auto.tree == nil {
		t.Error("auto mode did not build the index for a large reference")
	}
	want, err := knnWith(ref, knnBrute).Query(q, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	// NaN distances compare unequal, so compare row by row on indices.
	for i := range want {
		for j := range want[i] {
			if got[i][j].Index != want[i][j].Index || (got[i][j].Dist != want[i][j].Dist && !math.IsNaN(want[i][j].Dist)) {
				t.Fatalf("query %d: got %v, want %v", i, got[i], want[i])
			}
		}
	}
	// Finite values whose squared distances overflow to +Inf, which the
	// brute-force scan never takes.
	big := randMatrix(rng, 3000, 2, []int{3}, false)
	for i := 0; i < big.N; i += 2 {
		big.Num[2*i] = 1e200
	}
	bq := randMatrix(rng, 40, 2, []int{3}, false)
	for i := 0; i < bq.N; i += 3 {
		bq.Num[2*i+1] = -1e200
	}
	for _, kk := range []int{1, 5, 2000} {
		want, err := knnWith(big, knnBrute).Query(bq, kk, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := knnWith(big, knnIndex).Query(bq, kk, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("overflowing distances, k=%d: index differs from brute force", kk)
		}
	}
	// A reference with a non-finite value is not indexed but still searched.
	ref.Num[3] = math.NaN()
	k := knnWith(ref, knnIndex)
	if _, err := k.Query(q, 3, 1); err != nil || k.tree != nil {
		t.Errorf("non-finite reference: tree %v, err %v", k.tree != nil, err)
	}
}

// realisticAdult returns n rows shaped like the encoded Adult census table:
// 6 standardised numeric columns (age 17–90, fnlwgt, education-num 1–16,
// capital gain and loss mostly 0, hours 1–99 peaked at 40) and 9
// categorical columns with Adult's cardinalities and skewed frequencies,
// the categorical columns correlated with each other through a latent
// "profile" so that code tuples repeat as they do in census data.
func realisticAdult(rng *rand.Rand, n int) *Matrix {
	card := []int{2, 5, 7, 9, 15, 16, 16, 42, 6}
	const P = 6
	m := &Matrix{N: n, P: P, Q: len(card), Card: card,
		Num: make([]float64, n*P), Cat: make([]int32, n*len(card))}
	// skewed draws level ℓ with probability ∝ r^ℓ.
	skewed := func(c int, r float64) int32 {
		l := 0
		for l < c-1 && rng.Float64() < r {
			l++
		}
		return int32(l)
	}
	for i := 0; i < n; i++ {
		age := 17 + int(math.Min(73, math.Abs(rng.NormFloat64()*13+21)))
		fnl := math.Exp(12 + 0.5*rng.NormFloat64())
		edu := float64(min(16, max(1, int(10+2.5*rng.NormFloat64()))))
		gain, loss := 0.0, 0.0
		if rng.Float64() < 0.08 {
			gain = []float64{7688, 15024, 7298, 99999, 5178, 3103, 4386}[rng.IntN(7)]
		}
		if rng.Float64() < 0.05 {
			loss = []float64{1902, 1977, 1887, 1485, 2415}[rng.IntN(5)]
		}
		hours := 40.0
		if rng.Float64() < 0.5 {
			hours = float64(min(99, max(1, int(40+12*rng.NormFloat64()))))
		}
		x := m.Num[i*P : (i+1)*P]
		// Standardise with Adult-like means and standard deviations.
		x[0] = (float64(age) - 38.6) / 13.7
		x[1] = (fnl - 189664) / 105604
		x[2] = (edu - 10.1) / 2.57
		x[3] = (gain - 1079) / 7452
		x[4] = (loss - 87.5) / 403
		x[5] = (hours - 40.4) / 12.4
		c := m.Cat[i*len(card) : (i+1)*len(card)]
		profile := rng.IntN(4)
		c[0] = int32(min(1, profile/2))               // sex
		c[1] = (skewed(5, 0.15) + int32(profile)) % 5 // race-ish / relationship
		c[2] = (skewed(7, 0.35) + int32(profile)) % 7 // marital status
		c[3] = skewed(9, 0.3)                         // workclass
		c[4] = (skewed(15, 0.45) + int32(edu)) % 15   // occupation
		c[5] = int32(min(15, int(edu)-1))             // education (tied to edu)
		c[6] = (skewed(16, 0.5) + int32(2*profile)) % 16
		c[7] = skewed(42, 0.1) // native country: mostly one
		c[8] = skewed(6, 0.4)  // relationship
	}
	return m
}

// BenchmarkKNNLarge measures Adult-scale search: 900,000 reference rows,
// 5,000 queries, k = 10: the index's queries alone, the index including
// its build, and brute force (slow: run it with -benchtime=1x).
func BenchmarkKNNLarge(b *testing.B) {
	rng := rand.New(rand.NewPCG(35, 36))
	ref := realisticAdult(rng, 900000)
	q := realisticAdult(rng, 5000)
	b.Run("index-query", func(b *testing.B) {
		k := knnWith(ref, knnIndex)
		k.treeOnce.Do(func() { k.tree = newKNNTree(ref, 0, 0, false) })
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := k.Query(q, 10, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, mode := range []struct {
		name string
		m    knnMode
	}{{"index", knnIndex}, {"brute", knnBrute}} {
		b.Run(mode.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				k := knnWith(ref, mode.m)
				if _, err := k.Query(q, 10, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKNNBuild measures building the index of 900,000 rows.
func BenchmarkKNNBuild(b *testing.B) {
	rng := rand.New(rand.NewPCG(35, 36))
	ref := realisticAdult(rng, 900000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		newKNNTree(ref, 0, 0, false)
	}
}

// BenchmarkKNNGrowth measures how exact k-NN with the index grows with the
// reference size n (build and 5,000 queries, k = 10) on Adult-shaped rows.
// The metric ns/(n·log2 n) staying flat or falling as n doubles shows growth
// no worse than n·log n; bench/growth.sh prints the curve.
func BenchmarkKNNGrowth(b *testing.B) {
	rng := rand.New(rand.NewPCG(37, 38))
	all := realisticAdult(rng, 819200)
	q := realisticAdult(rng, 5000)
	for n := 25600; n <= all.N; n *= 2 {
		ref := &Matrix{N: n, P: all.P, Q: all.Q, Card: all.Card, Num: all.Num[:n*all.P], Cat: all.Cat[:n*all.Q]}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				k := knnWith(ref, knnIndex)
				if _, err := k.Query(q, 10, 0); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/(float64(n)*math.Log2(float64(n))), "ns/(n·log2n)")
		})
	}
}
