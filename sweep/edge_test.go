package sweep

import (
	"context"
	"strings"
	"testing"
)

// On Adult (race, Black minority; paper setting), rb-prob's EqOd still falls
// at 20 flips of a pool of about a thousand: a grid that stops there gets the
// notice; one that reaches the whole pool's best does not.
func TestEdgeNotices(t *testing.T) {
	t.Parallel()
	train, test := loadAdult(t)
	run := func(flips ...string) []string {
		cfg := Config{Options: adultOptions(), Methods: []string{"rb-prob"}, Alphas: []float64{0.3}, Flips: flips, Runs: 1, Seed: 1}
		results, _, err := Run(context.Background(), cfg, train, test)
		if err != nil {
			t.Fatal(err)
		}
		SortResults(results)
		cells, err := Summarize(results)
		if err != nil {
			t.Fatal(err)
		}
		return EdgeNotices(results, cells)
	}
	got := run("0", "10", "20")
	if len(got) != 1 || !strings.HasPrefix(got[0], "rb-prob at alpha 0.3: the lowest EqOd") || !strings.Contains(got[0], "largest flip count, 20,") {
		t.Fatalf("a grid of 0, 10, 20 flips: notices %q", got)
	}
	if got := run("0", "10", "20", "100000"); len(got) != 0 {
		t.Errorf("a grid past the pool: notices %q", got)
	}
}
