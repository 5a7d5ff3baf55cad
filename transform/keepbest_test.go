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

// TestCandidates: a batch's candidates are its minority rows with a
// negative label whose key is in the pool, found by walking the pool as
// the keys rise, as a look-up of each key finds them; also for a batch
// whose rows (Local) do not rise.
func TestCandidates(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(400)
		b := &Batch{File: 1, Shard: 2, RowBase: rng.IntN(1000)}
		for range n {
			b.Group = append(b.Group, int8(rng.IntN(3)))
			b.Positive = append(b.Positive, rng.IntN(4) == 0)
		}
		if trial%3 == 0 {
			b.Local = make([]int64, n)
			for i := range b.Local {
				b.Local[i] = int64(rng.IntN(5000)) // in any order
			}
		}
		off := MakeOffsets([]ShardRows{{File: 1, Shard: 1, Rows: 700}, {File: 1, Shard: 2, Rows: n}})
		var pool []uint64
		for k := uint64(1)<<40 + 600; k < uint64(1)<<40+7000; k++ {
			if rng.IntN(4) > 0 {
				pool = append(pool, k)
			}
		}
		rows, keys := candidates(b, off, pool)
		var wantRows []int
		for i, g := range b.Group {
			if _, ok := slices.BinarySearch(pool, off.Key(b, i)); ok && g == GroupMinority && !b.Positive[i] {
				wantRows = append(wantRows, i)
			}
		}
		if !slices.Equal(rows, wantRows) || len(keys) != len(rows) {
			t.Fatalf("trial %d: rows %v, want %v", trial, rows, wantRows)
		}
		for i, r := range rows {
			if keys[i] != off.Key(b, r) {
				t.Fatalf("trial %d: key %d of row %d, want %d", trial, keys[i], r, off.Key(b, r))
			}
		}
	}
}

// TestTopMergeAll: merging every part at once keeps what merging them one
// at a time keeps, with the same counts.
func TestTopMergeAll(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, m := range []int{-1, 0, 3, 50} {
		var parts []*Top
		for p := range 7 {
			u := &Top{M: m, Pool: rng.IntN(100), Positives: rng.IntN(10)}
			for range rng.IntN(80) {
				u.Items = append(u.Items, Scored{Key: uint64(p)<<20 | uint64(rng.IntN(1<<20)), Primary: float64(rng.IntN(5))})
			}
			u.cut()
			parts = append(parts, u)
		}
		one := &Top{}
		for _, u := range parts {
			one.Merge(u)
		}
		all := (&Top{}).MergeAll(parts)
		if all.M != one.M || all.Pool != one.Pool || all.Positives != one.Positives ||
			!slices.EqualFunc(all.Items, one.Items, func(a, b Scored) bool { return a.Key == b.Key }) {
			t.Fatalf("M %d: MergeAll %d items (pool %d), Merge %d (pool %d)", m, len(all.Items), all.Pool, len(one.Items), one.Pool)
		}
	}
}

// TestKeepBestSortedRuns: keeping the best M of many sorted runs (what
// Top.MergeAll cuts) takes a few comparisons per item, not one pass per
// few items kept (pivots among the runs' heads did).
func TestKeepBestSortedRuns(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	var items []Scored
	for r := range 52 {
		// A batch's candidates, of which it keeps its best 1000; the last
		// batch has fewer, and keeps them all, down to the worst: with it,
		// the first, middle and last as pivots took 7.8 million
		// comparisons.
		run := make([]Scored, 1600)
		if r == 51 {
			run = run[:955]
		}
		for i := range run {
			run[i] = Scored{Key: uint64(r)<<20 | uint64(i), Primary: rng.Float64()}
		}
		slices.SortFunc(run, scorer.Compare)
		items = append(items, run[:min(len(run), 1000)]...)
	}
	want := slices.Clone(items)
	slices.SortFunc(want, scorer.Compare)
	n := 0
	got := keepBest(items, 1000, func(a, b Scored) int { n++; return scorer.Compare(a, b) })
	if !slices.EqualFunc(got, want[:1000], func(a, b Scored) bool { return a.Key == b.Key }) {
		t.Fatal("not the best 1000")
	}
	if n > 10*len(want) {
		t.Errorf("%d comparisons for %d items", n, len(want))
	}
}
