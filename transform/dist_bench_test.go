package transform

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
)

// benchStaged runs a whole staged flip (PlanStaged, then WriteDist) of
// the 100k rows of benchTable, cut into shards of 512 KiB, to io.Discard:
// the scorer is fitted once and every batch is scored with it.
func benchStaged(b *testing.B, method string, flips FlipRule) {
	data := benchTable(100000)
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(path, data, 0o666); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		o := Options{Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income",
			Positive: []string{">50K"}, Method: method, Alpha: 0.3, K: 10, Flips: flips, MaxFlips: -1, Seed: 1, ReferenceSample: 5000}
		files, dp, err := o.PlanStaged(context.Background(), []string{path}, 512<<10)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range files {
			if err := o.WriteDist(context.Background(), f, dp, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkStagedRandom(b *testing.B) {
	benchStaged(b, MethodRandom, FlipRule{Kind: FlipCount, N: 1000})
}
func BenchmarkStagedRBProb(b *testing.B)  { benchStaged(b, MethodRBProb, FlipRule{Kind: FlipAuto}) }
func BenchmarkStagedRBLabel(b *testing.B) { benchStaged(b, MethodRBLabel, FlipRule{Kind: FlipAuto}) }
func BenchmarkStagedRBDist(b *testing.B)  { benchStaged(b, MethodRBDist, FlipRule{Kind: FlipAuto}) }
