package sweep

import (
	"context"
	"regexp"
	"sync"
	"testing"
)

// TestScoreNotices: with 4 majority rows per run and k = 5, each k-NN
// method says once, after the sweep, that its scorer searched the whole
// reference in every run (4 rows are fewer than k); with the whole
// majority as reference, nothing is said.
func TestScoreNotices(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(300, 2))
	run := func(sample int) []string {
		cfg := Config{Options: synthOptions(), Methods: []string{"rb-prob", "rb-label", "rb-dist", "random"}, Alphas: []float64{0.3},
			Flips: []string{"0", "10"}, Runs: 3, Seed: 1, Workers: 2}
		cfg.Options.ReferenceSample = sample
		var mu sync.Mutex
		var got []string
		cfg.Notice = func(n string) { mu.Lock(); got = append(got, n); mu.Unlock() }
		if _, _, err := Run(context.Background(), cfg, train, test); err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := run(4)
	want := []*regexp.Regexp{
		regexp.MustCompile(`^rb-label: the scorer's notices in 3 of 3 runs; run 0 \(seed 1\): (k = 5 covers all 4 reference rows|all 4 reference rows are (positive|negative))`),
		regexp.MustCompile(`^rb-dist: the scorer's notices in 3 of 3 runs; run 0 \(seed 1\): (the reference has|all 4 reference rows are)`),
	}
	if len(got) != len(want) {
		t.Fatalf("notices %q, want one for rb-label and one for rb-dist", got)
	}
	for i, w := range want {
		if !w.MatchString(got[i]) {
			t.Errorf("notice %q does not match %s", got[i], w)
		}
	}
	if got := run(0); len(got) != 0 {
		t.Errorf("the whole majority: notices %q", got)
	}
}
