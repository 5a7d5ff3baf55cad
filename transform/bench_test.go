package transform

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
)

func benchTable(n int) []byte {
	var b bytes.Buffer
	b.WriteString("age,workclass,fnlwgt,race,hours,income\n")
	races := []string{"White", "Black", "Asian-Pac-Islander", "White"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,%s,%d,%s,%d,%s\n", 17+i%60, []string{"Private", "State-gov", "Self-emp"}[i%3], 10000+i*7919%900000, races[i%4], 20+i%40, []string{"<=50K", ">50K"}[i%5/4])
	}
	return b.Bytes()
}

// benchFlip runs a whole flip (both passes) of 100k rows to io.Discard.
func benchFlip(b *testing.B, method string, flips FlipRule) { benchFlipShards(b, method, flips, 0) }

// benchFlipShards is benchFlip with the table cut into shards of
// shardBytes (0: the default): with small shards, many batches are
// scored with one fit (ScoreCache decodes it once).
func benchFlipShards(b *testing.B, method string, flips FlipRule, shardBytes int64) {
	data := benchTable(100000)
	src := tableFile(b, "bench.csv", data)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		o := Options{Config: Config{Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income",
			Positive: []string{">50K"}, Method: method, Alpha: 0.3, K: 10, Flips: flips, MaxFlips: -1, Seed: 1, ReferenceSample: 5000}}
		lf, err := o.PlanLocal(context.Background(), []Source{src}, shardBytes)
		if err != nil {
			b.Fatal(err)
		}
		if err := o.WriteDist(context.Background(), lf.Files[0], lf.Plan, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFlipRandom(b *testing.B) {
	benchFlip(b, MethodRandom, FlipRule{Kind: FlipCount, N: 1000})
}
func BenchmarkFlipRBProb(b *testing.B) { benchFlip(b, MethodRBProb, FlipRule{Kind: FlipAuto}) }
func BenchmarkFlipRBDist(b *testing.B) { benchFlip(b, MethodRBDist, FlipRule{Kind: FlipAuto}) }
func BenchmarkFlipRBLabelShards(b *testing.B) {
	benchFlipShards(b, MethodRBLabel, FlipRule{Kind: FlipAuto}, 512<<10)
}

// BenchmarkWrite is pass 2 alone, the writer: 100k rows copied with 1,000
// labels rewritten and the audit column added.
func BenchmarkWrite(b *testing.B) {
	data := benchTable(100000)
	o := Options{Config: Config{Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income",
		Positive: []string{">50K"}, Method: MethodRandom, Alpha: 0.3, K: 10, Flips: FlipRule{Kind: FlipCount, N: 1000}, MaxFlips: -1, Seed: 1}}
	src := tableFile(b, "bench.csv", data)
	lf, err := o.PlanLocal(context.Background(), []Source{src}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := o.WriteDist(context.Background(), lf.Files[0], lf.Plan, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is pass 1's reading alone: 100k rows with every feature
// column extracted (what the RB methods need), as eval and sweep load it.
func BenchmarkLoad(b *testing.B) {
	data := benchTable(100000)
	o := Options{Config: Config{Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income",
		Positive: []string{">50K"}, Method: MethodRBProb, Alpha: 0.3, K: 10, Flips: FlipRule{Kind: FlipAuto}, MaxFlips: -1, Seed: 1}}
	src := tableFile(b, "bench.csv", data)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := o.LoadLocal(context.Background(), src); err != nil {
			b.Fatal(err)
		}
	}
}
