package transform

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIntSetUnion builds the sets of several batches (sorted runs, as an
// ID column's batches are, and scattered values) and checks that their
// union, merged in any order, holds exactly the integers seen.
func TestIntSetUnion(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		want := map[int64]bool{}
		var parts []IntSet
		for range 1 + r.IntN(6) {
			var offs []int64
			lo := r.Int64N(1000)
			for range r.IntN(50) {
				x := lo + r.Int64N(1+r.Int64N(300))
				offs = append(offs, x)
				want[x] = true
			}
			slices.Sort(offs)
			offs = slices.Compact(offs)
			var s IntSet
			s.addSorted(offs)
			if s.len() != len(offs) {
				t.Fatalf("trial %d: a batch's set has %d, want %d", trial, s.len(), len(offs))
			}
			parts = append(parts, s)
		}
		var u IntSet
		for _, i := range r.Perm(len(parts)) {
			u.union(parts[i])
		}
		if u.len() != len(want) {
			t.Fatalf("trial %d: union has %d integers, want %d", trial, u.len(), len(want))
		}
		for x := range want {
			if d := x - u.Base; d < 0 || u.Words[d/64]&(1<<(d%64)) == 0 {
				t.Fatalf("trial %d: %d missing from the union", trial, x)
			}
		}
	}
}
