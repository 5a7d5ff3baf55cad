package sweep

import (
	"context"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// adultOptions are the options of the paper's Adult setting: race, minority
// Black, label >50K (">50K." in adult.test).
func adultOptions() transform.Options {
	return transform.Options{Config: transform.Config{
		Dialect: tableio.Dialect{Comment: '|'}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
		Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K", ">50K."},
		Method: transform.MethodRBProb, MaxFlips: -1, Seed: 1, IgnoreAudit: true,
	}}
}

func loadAdult(tb testing.TB) (*transform.Dataset, *transform.Dataset) {
	tb.Helper()
	o := adultOptions()
	train, err := o.LoadLocal(context.Background(), transform.Source{Path: testdata.Path(tb, "adult/adult.data")})
	if err != nil {
		tb.Fatal(err)
	}
	to := o
	to.Features = train.FeatureNames()
	test, err := to.LoadLocal(context.Background(), transform.Source{Path: testdata.Path(tb, "adult/adult.test")})
	if err != nil {
		tb.Fatal(err)
	}
	return train, test
}

// BenchmarkFirmFit is one cold fit of the built-in firm on adult.data.
func BenchmarkFirmFit(b *testing.B) {
	train, test := loadAdult(b)
	cfg := Config{Options: adultOptions(), Seed: 1}
	rs := &runState{seed: 1, scores: map[string]*methodScores{}}
	if err := cfg.setupRun(context.Background(), rs, train, test); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, m, err := rs.firm.Fit(context.Background(), rs.y, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.(*model.LogReg).Passes), "passes/fit")
	}
}

// BenchmarkFirmFitWarm is one warm-started fit after 20 more flips, as in a
// sweep chain.
func BenchmarkFirmFitWarm(b *testing.B) {
	train, test := loadAdult(b)
	cfg := Config{Options: adultOptions(), Seed: 1}
	rs := &runState{seed: 1, scores: map[string]*methodScores{}}
	if err := cfg.setupRun(context.Background(), rs, train, test); err != nil {
		b.Fatal(err)
	}
	y := append([]bool(nil), rs.y...)
	n := 0
	for k, r := range rs.train {
		if train.Group[r] == transform.GroupMinority && !y[k] && n < 20 {
			y[k] = true
			n++
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, m, err := rs.firm.Fit(context.Background(), y, nil, rs.base)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.(*model.LogReg).Passes), "passes/fit")
	}
}

// BenchmarkSweepCell is one grid cell chain: rb-prob at alpha 0.3 over ten
// flip counts, one run (scores, collective, ten warm fits).
func BenchmarkSweepCell(b *testing.B) {
	train, test := loadAdult(b)
	cfg := Config{Options: adultOptions(), Methods: []string{"rb-prob"}, Alphas: []float64{0.3}, Runs: 1, Seed: 1, Workers: 1,
		Flips: strings.Split("0,20,40,60,80,100,120,140,160,180", ",")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Run(context.Background(), cfg, train, test); err != nil {
			b.Fatal(err)
		}
	}
}
