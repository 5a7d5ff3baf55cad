package transform

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fairflip/fairflip/scorer"
)

// TestKeepBest: keepBest gives what sorting and keeping m gives, for
// every m, on candidates with equal and NaN scores (ties broken by key),
// sorted, reversed and shuffled.
func TestKeepBest(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 17, 18, 40, 41, 64, 100, 300, 301, 2000} {
		items := make([]Scored, n)
		for i := range items {
			p := float64(rng.IntN(7))
			if rng.IntN(9) == 0 {
				p = math.NaN()
			}
			items[i] = Scored{Key: uint64(rng.Int64()), Primary: p, Secondary: float64(rng.IntN(3))}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, scorer.Compare)
		for _, order := range []string{"shuffled", "sorted", "reversed"} {
			in := slices.Clone(items)
			switch order {
			case "sorted":
				in = slices.Clone(want)
			case "reversed":
				in = slices.Clone(want)
				slices.Reverse(in)
			}
			ms := []int{-1, n / 3, n / 2, n - 1, n, n + 1}
			for m := 0; m <= min(n, 300); m++ {
				ms = append(ms, m)
			}
			for _, m := range ms {
				got := keepBest(slices.Clone(in), m, scorer.Compare)
				w := want
				if m >= 0 && m < n {
					w = want[:m]
				}
				if len(got) != len(w) || !slices.EqualFunc(got, w, func(a, b Scored) bool { return a.Key == b.Key }) {
					t.Fatalf("n %d, %s, m %d: got %d items, want %d, or another order", n, order, m, len(got), len(w))
				}
			}
		}
	}
}
