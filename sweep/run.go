package sweep

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

// Run runs the grid. train is the training table; test is the test table,
// or nil to hold out cfg.TestSplit of train per run.
func Run(ctx context.Context, cfg Config, train, test *transform.Dataset) ([]Result, string, error) {
	grid, err := cfg.validate(test != nil)
	if err != nil {
		return nil, "", err
	}
	ex := &executor{cfg: &cfg, train: train, test: test, grid: grid,
		runs: cfg.newRuns(test != nil), chains: cfg.chains()}
	ex.prog = &progress{total: countFits(ex.chains, grid) + cfg.Runs, report: cfg.Progress}
	results, err := ex.execute(ctx)
	if err != nil {
		return nil, "", err
	}
	if cfg.Notice != nil {
		for _, n := range cfg.scoreNotices(ex.runs) {
			cfg.Notice(n)
		}
	}
	var all []Result
	for _, r := range results {
		all = append(all, r...)
	}
	return all, ex.describe, nil
}

// newRuns returns the state of each run, its seed set.
func (cfg *Config) newRuns(haveTest bool) []*runState {
	runs := make([]*runState, cfg.Runs)
	// With a fixed test table and the whole majority as reference, the
	// scores of a method that uses no seed are the same in every run:
	// compute them once.
	var shared map[string]*methodScores
	if haveTest && cfg.Options.ReferenceSample == 0 {
		shared = map[string]*methodScores{}
		for _, m := range cfg.Methods {
			if sm, _ := scorer.Lookup(m); !sm.Seeded {
				shared[m] = &methodScores{}
			}
		}
	}
	// With a fixed test table every run trains on the same rows: the
	// reductions baseline's mixtures (which use no seed) are computed once.
	var red *reductionsFits
	if haveTest {
		red = &reductionsFits{}
	}
	for r := range runs {
		runs[r] = &runState{seed: cfg.Seed + uint64(r), scores: map[string]*methodScores{}, red: red}
		if red == nil {
			runs[r].red = &reductionsFits{}
		}
		for m, ms := range shared {
			runs[r].scores[m] = ms
		}
	}
	return runs
}

// chain is a sweep's unit of work: the cells of one (run, method, alpha),
// or of one (run, baseline), computed in order by one goroutine.
type chain struct {
	run      int
	method   string
	alpha    float64
	baseline string
}

// chains lists the chains in the order of the results: per run, each
// method and alpha, then each baseline.
func (cfg *Config) chains() []chain {
	var chains []chain
	for r := range cfg.Runs {
		for _, m := range cfg.Methods {
			for _, a := range cfg.Alphas {
				chains = append(chains, chain{run: r, method: m, alpha: a})
			}
		}
		for _, b := range cfg.Baselines {
			chains = append(chains, chain{run: r, baseline: b})
		}
	}
	return chains
}

// countFits returns the number of fits the chains make over the grid
// (each ticks the progress once).
func countFits(chains []chain, grid []flipValue) int {
	n := 0
	for _, c := range chains {
		if c.baseline != "" {
			b, _ := lookupBaseline(c.baseline)
			n += b.fits(grid)
			continue
		}
		for _, g := range grid {
			if g.n != 0 && !(g.n == flipAuto && !hasAuto(c.method)) {
				n++
			}
		}
	}
	return n
}

// progress counts the fits done and reports them to Config.Progress, one
// call at a time.
type progress struct {
	done   atomic.Int64
	total  int
	mu     sync.Mutex
	report func(done, total int) // nil: no reports
}

// tick records one more fit done.
func (p *progress) tick() {
	n := p.done.Add(1)
	if p.report != nil {
		p.mu.Lock()
		p.report(int(n), p.total)
		p.mu.Unlock()
	}
}

// executor runs a sweep's chains on Config.Workers goroutines.
type executor struct {
	cfg         *Config
	train, test *transform.Dataset
	grid        []flipValue
	runs        []*runState
	chains      []chain
	prog        *progress

	dmu      sync.Mutex
	describe string // the firm, as described by the last run set up
}

// execute runs every chain and returns the results of each, in chain
// order. The first error cancels the rest.
func (ex *executor) execute(ctx context.Context) ([][]Result, error) {
	results := make([][]Result, len(ex.chains))
	jobs := make(chan int)
	errs := make(chan error, ex.cfg.Workers)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < ex.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, err := ex.runChain(ctx, ex.chains[i])
				if err != nil {
					errs <- err
					cancel()
					return
				}
				results[i] = res
			}
		}()
	}
feed:
	for i := range ex.chains {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for _, r := range ex.runs {
		if c, ok := r.firm.(interface{ Close() error }); ok {
			c.Close()
		}
	}
	if err := <-errs; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// setup sets up run rs, once.
func (ex *executor) setup(ctx context.Context, rs *runState) error {
	rs.once.Do(func() {
		rs.err = ex.cfg.setupRun(ctx, rs, ex.train, ex.test)
		if rs.err == nil {
			ex.dmu.Lock()
			ex.describe = rs.firm.Describe()
			ex.dmu.Unlock()
			ex.prog.tick()
		}
	})
	return rs.err
}

// runChain sets up the chain's run if need be and computes its cells.
func (ex *executor) runChain(ctx context.Context, c chain) ([]Result, error) {
	cfg, rs := ex.cfg, ex.runs[c.run]
	if err := ex.setup(ctx, rs); err != nil {
		return nil, err
	}
	var res []Result
	var err error
	if c.baseline == "" {
		res, err = cfg.runChain(ctx, rs, ex.train, c.method, c.alpha, ex.grid, ex.prog.tick)
	} else {
		b, _ := lookupBaseline(c.baseline) // checked by validate
		res, err = b.run(ctx, cfg, rs, ex.train, ex.grid, ex.prog.tick)
	}
	if err != nil {
		return nil, err
	}
	for k := range res {
		res[k].Run = c.run
	}
	return res, nil
}
