package transform

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestTallyMergeOrder: partial tallies merge to the same tally in any
// order and grouping, and the values kept are the smallest, with exact
// counts.
func TestTallyMergeOrder(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var values []string
	for i := 0; i < 2000; i++ {
		values = append(values, fmt.Sprintf("v%02d", rng.IntN(40)))
	}
	var whole Tally
	exact := map[string]int{}
	for _, v := range values {
		whole.add(v, 1)
		exact[v]++
	}
	if len(whole.Counts) != tallyValues || whole.rows() != len(values) {
		t.Fatalf("%d values kept, %d rows; want %d and %d", len(whole.Counts), whole.rows(), tallyValues, len(values))
	}
	for k, n := range whole.Counts {
		if exact[k] != n {
			t.Errorf("%s: %d rows, want %d", k, n, exact[k])
		}
	}
	for trial := 0; trial < 20; trial++ {
		var parts []Tally
		for lo := 0; lo < len(values); {
			hi := min(len(values), lo+1+rng.IntN(300))
			var p Tally
			for _, v := range values[lo:hi] {
				p.add(v, 1)
			}
			parts = append(parts, p)
			lo = hi
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		for len(parts) > 1 { // pairwise, as a combiner would
			i := rng.IntN(len(parts) - 1)
			parts[i].Merge(parts[i+1])
			parts = append(parts[:i+1], parts[i+2:]...)
		}
		if !reflect.DeepEqual(parts[0], whole) {
			t.Fatalf("trial %d: merged %v, want %v", trial, parts[0], whole)
		}
	}
}

// TestTallyNoticesStaged: the notices about labels near --positive and
// --members values read as non-members are the same in the staged flip as
// in the one-process flip.
func TestTallyNoticesStaged(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,x,g,y,opt\n")
	labels := []string{"1", "0", "0", "Yes", "0"}
	opts := []string{"1", "0", "", "no", "1.0", "maybe", "0", "2"}
	for i := 0; i < 900; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s,%s\n", i, (i*13)%17, g, labels[(i*7)%5], opts[(i*5)%8])
	}
	paths := writeFiles(t, []string{"a.csv"}, []string{b.String()})
	o := baseOpts()
	o.Positive = []string{"1", "yes"}
	o.Method, o.Members, o.Flips, o.Features = MethodRandom, "opt", FlipRule{Kind: FlipCount, N: 30}, []string{"x"}
	dp := sameFlip(t, paths, o, 700)
	var near, members bool
	for _, n := range dp.Summary.Notices {
		near = near || strings.Contains(n, `"Yes" (180 rows)`)
		members = members || strings.Contains(n, `read as not a member: "" (`)
	}
	if !near || !members {
		t.Errorf("notices %q lack the near-positive or the members notice", dp.Summary.Notices)
	}
}
