package model

import (
	"math/rand/v2"
	"testing"
)

// adultCard are the cardinalities of 8 categorical features shaped like
// Adult's text columns (2–40 levels, plus the "other" and "missing" codes).
var adultCard = []int{8 + 2, 16 + 2, 7 + 2, 14 + 2, 6 + 2, 5 + 2, 2 + 2, 40 + 2}

// adultLike returns n synthetic rows of Adult's shape: 6 standard-normal
// numeric features and the 8 categorical features of adultCard with skewed
// (geometric-like) level frequencies, and labels from a noisy logistic
// model.
func adultLike(rng *rand.Rand, n int) (*Matrix, []bool) {
	X := randMatrix(rng, n, 6, adultCard, false)
	for i := range X.Cat {
		q := i % X.Q
		// Skew: level ℓ with probability ∝ 0.7^ℓ, truncated to the kept
		// levels (the last two codes are rare "other"/"missing").
		c := 0
		for c < X.Card[q]-1 && rng.Float64() < 0.3 {
			c++
		}
		X.Cat[i] = int32(c)
	}
	return X, noisyLabels(rng, X, 0.8)
}

func BenchmarkFitLogReg(b *testing.B) {
	rng := rand.New(rand.NewPCG(21, 22))
	X, y := adultLike(rng, 30000)
	b.ResetTimer()
	var m *LogReg
	for i := 0; i < b.N; i++ {
		var err error
		m, err = FitLogReg(X, y, LogRegOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Iter), "newton-iter")
	if !m.Converged {
		b.Error("not converged")
	}
}

func BenchmarkKNNQuery(b *testing.B) {
	rng := rand.New(rand.NewPCG(23, 24))
	ref, _ := adultLike(rng, 30000)
	q, _ := adultLike(rng, 1000)
	knn := NewKNN(ref)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := knn.Query(q, 10, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkColumnBuilder(b *testing.B) {
	// One Adult-sized text column and one numeric column of 30,000 cells.
	rng := rand.New(rand.NewPCG(25, 26))
	text := make([][]byte, 30000)
	num := make([][]byte, 30000)
	words := []string{"Private", "Self-emp-not-inc", "Local-gov", "?", "State-gov", "Federal-gov"}
	for i := range text {
		text[i] = []byte(words[rng.IntN(len(words))])
		num[i] = []byte([]string{"39", "50", "38", "53", "28", "37", "49", "52", "31", "42"}[rng.IntN(10)])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := NewColumnBuilder("workclass", false)
		n := NewColumnBuilder("age", false)
		for r := range text {
			t.AddBytes(text[r])
			n.AddBytes(num[r])
		}
		_, _ = t.Build(), n.Build()
	}
}

// benchScorer runs one RB scorer with 100,000 reference rows and 5,000
// candidates shaped like Adult's encoded rows (realisticAdult: correlated,
// clustered, as real tables are; on adultLike's independent noise features
// no index can prune and k-NN is brute force).
func benchScorer(b *testing.B, score func(ref *Matrix, refY []bool, cand *Matrix) error) {
	rng := rand.New(rand.NewPCG(27, 28))
	ref := realisticAdult(rng, 100000)
	refY := noisyLabels(rng, ref, 0.8)
	cand := realisticAdult(rng, 5000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := score(ref, refY, cand); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRBProb(b *testing.B) {
	benchScorer(b, func(ref *Matrix, refY []bool, cand *Matrix) error {
		_, _, err := RBProb(ref, refY, cand, LogRegOptions{})
		return err
	})
}

func BenchmarkRBLabel(b *testing.B) {
	benchScorer(b, func(ref *Matrix, refY []bool, cand *Matrix) error {
		_, err := RBLabel(ref, refY, cand, 10, 0)
		return err
	})
}

func BenchmarkRBDist(b *testing.B) {
	benchScorer(b, func(ref *Matrix, refY []bool, cand *Matrix) error {
		_, err := RBDist(ref, refY, cand, 10, 0)
		return err
	})
}

// BenchmarkFitLogRegLarge is a cold fit on 900,000 rows: the size at which
// a fit starts from a subsample's solution.
func BenchmarkFitLogRegLarge(b *testing.B) {
	rng := rand.New(rand.NewPCG(29, 30))
	X, y := adultLike(rng, 900000)
	b.ResetTimer()
	var m *LogReg
	for i := 0; i < b.N; i++ {
		var err error
		if m, err = FitLogReg(X, y, LogRegOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Iter), "newton-iter")
}
