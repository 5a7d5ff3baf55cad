package transform

import (
	"context"
	"math"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	"github.com/fairflip/fairflip/scorer"
)

// TestTinyReferenceRealData scores Adult's Black negatives (2,737
// candidates) from 10 seeded majority rows, for several seeds, with each
// learning method and k = 10: every score is finite, the order is not one
// of ties (many distinct score pairs, unless the 10 rows have a single
// label, when rb-prob's scores are all equal by design), and a column
// without spread on the 10 rows (capital-gain: 0 on most rows) does not
// order the candidates by its raw units: the candidates with a capital
// gain are not the last block of the order, as they were when the
// column's scale was 1 (a gain of 5,000 then outweighed every other
// feature in rb-dist's distances).
func TestTinyReferenceRealData(t *testing.T) {
	t.Parallel()
	c := realCases()[0] // adult.data, race, minority Black
	o := c.opts()
	o.Method, o.K, o.ReferenceSample = MethodRBProb, 10, 10
	d, err := o.LoadLocal(context.Background(), Source{Path: testdata.Path(t, c.file), Name: "adult.data"})
	if err != nil {
		t.Fatal(err)
	}
	var pool []int
	for i := 0; i < d.Rows; i++ {
		if d.Group[i] == GroupMinority && !d.Positive[i] {
			pool = append(pool, i)
		}
	}
	gain := -1
	for j, f := range d.Features {
		if f.Name == "capital-gain" {
			gain = j
		}
	}
	if len(pool) != 2737 || gain < 0 {
		t.Fatalf("pool %d, capital-gain at %d", len(pool), gain)
	}
	keys := make([]uint64, len(pool))
	for i, r := range pool {
		keys[i] = d.Key(r)
	}
	constantGain := 0
	for seed := uint64(1); seed <= 6; seed++ {
		o.Seed = seed
		ref, pos := o.ReferenceRows(d, nil)
		if len(ref) != 10 {
			t.Fatalf("seed %d: %d reference rows", seed, len(ref))
		}
		npos := 0
		for _, p := range pos {
			if p {
				npos++
			}
		}
		noGain := true
		for _, r := range ref {
			noGain = noGain && d.Features[gain].Num[r] == d.Features[gain].Num[ref[0]]
		}
		if noGain {
			constantGain++
		}
		for _, m := range []string{MethodRBProb, MethodRBLabel, MethodRBDist} {
			o.Method = m
			sc, err := o.ScoreRows(d, ref, pos, pool)
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, m, err)
			}
			type pair struct{ a, b float64 }
			distinct := map[pair]bool{}
			for i := range pool {
				if math.IsNaN(sc.Primary[i]) || math.IsInf(sc.Primary[i], 0) || math.IsNaN(sc.Secondary[i]) || math.IsInf(sc.Secondary[i], 0) {
					t.Fatalf("seed %d %s: candidate %d scores %v %v", seed, m, i, sc.Primary[i], sc.Secondary[i])
				}
				distinct[pair{sc.Primary[i], sc.Secondary[i]}] = true
			}
			single := npos == 0 || npos == 10
			if !single && len(distinct) < len(pool)/10 {
				t.Errorf("seed %d %s (%d positive of 10): %d distinct scores for %d candidates", seed, m, npos, len(distinct), len(pool))
			}
			if !noGain || single {
				continue
			}
			// The candidates with a gain: how many of them are in the
			// last block of as many places.
			order := scorer.Rank(keys, sc)
			var withGain int
			for _, i := range order {
				if d.Features[gain].Num[pool[i]] != d.Features[gain].Num[ref[0]] {
					withGain++
				}
			}
			inLast := 0
			for _, i := range order[len(order)-withGain:] {
				if d.Features[gain].Num[pool[i]] != d.Features[gain].Num[ref[0]] {
					inLast++
				}
			}
			if withGain == 0 || 2*inLast > withGain {
				t.Errorf("seed %d %s: %d of the %d candidates with a capital gain are ranked last", seed, m, inLast, withGain)
			}
		}
	}
	if constantGain == 0 {
		t.Error("capital-gain had spread on every sampled reference: the seeds test nothing")
	}
}
