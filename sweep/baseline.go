package sweep

import (
	"context"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/transform"
)

// baseline is a firm-side method (--baselines): what the firm could do
// itself, shown beside the collective for comparison only. Each lives in
// its own file (baseline_*.go) and has one line in baselineRegistry.
type baseline interface {
	// name is the --baselines value, and the Method of its results.
	name() string
	// check refuses a configuration the baseline cannot run with (nil:
	// it can), as a usage error.
	check(cfg *Config) error
	// fits is the number of progress ticks one run of the baseline makes
	// over the grid (the fits it makes; Run counts them in the total).
	fits(grid []flipValue) int
	// run computes the baseline's cells of run rs (their Run is set by the
	// caller), calling tick once per fit counted by fits.
	run(ctx context.Context, cfg *Config, rs *runState, train *transform.Dataset, grid []flipValue, tick func()) ([]Result, error)
}

// baselineRegistry lists the baselines in report order.
var baselineRegistry = []baseline{
	massaging{},
	reweighing{},
	eqOddsPostproc{},
	calibratedEqOdds{BaselineCalibratedEqOdds},
	calibratedEqOdds{BaselineCalibratedEqOddsRandom},
	reductions{},
}

// Baselines lists the firm-side baselines' names in report order.
var Baselines = baselineNames()

func baselineNames() []string {
	names := make([]string, len(baselineRegistry))
	for i, b := range baselineRegistry {
		names[i] = b.name()
	}
	return names
}

// lookupBaseline returns the baseline of a --baselines value.
func lookupBaseline(name string) (baseline, bool) {
	for _, b := range baselineRegistry {
		if b.name() == name {
			return b, true
		}
	}
	return nil, false
}

// checkBaselines checks --baselines: known names, each able to run with
// the configuration.
func (c *Config) checkBaselines() error {
	for _, name := range c.Baselines {
		b, ok := lookupBaseline(name)
		if !ok {
			return fferr.Usage("--baselines: %q is not one of %s", name, strings.Join(Baselines, ", "))
		}
		if err := b.check(c); err != nil {
			return err
		}
	}
	return nil
}
