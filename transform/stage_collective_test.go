package transform

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMergeAll: merging the parts at once keeps the same rows (and M) as
// merging them one by one, whether the parts keep the M smallest
// or every row, with parts of a reference (no rows, M -1) among them.
func TestMergeAll(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		m := -1
		if trial%3 != 0 {
			m = r.IntN(50)
		}
		var parts []*Smallest
		key := uint64(0)
		for range r.IntN(8) {
			if r.IntN(4) == 0 {
				parts = append(parts, &Smallest{M: -1}) // a reference batch
				continue
			}
			p := &Smallest{M: m}
			for range r.IntN(40) {
				key++
				p.Items = append(p.Items, hashed{H: r.Uint64N(30), Key: key, Positive: r.IntN(2) == 0})
			}
			p.cut()
			parts = append(parts, p)
		}
		one := &Smallest{}
		for _, p := range parts {
			one.Merge(p)
		}
		all := (&Smallest{}).MergeAll(parts)
		// The rows kept are the same (Pool, their one use, sorts them).
		a, b := slices.Clone(one.Items), slices.Clone(all.Items)
		slices.SortFunc(a, compareHashed)
		slices.SortFunc(b, compareHashed)
		if !slices.Equal(a, b) || one.M != all.M {
			t.Fatalf("trial %d (M %d, %d parts): one by one %v (M %d), at once %v (M %d)", trial, m, len(parts), one.Items, one.M, all.Items, all.M)
		}
	}
}
