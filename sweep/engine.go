package sweep

import (
	"context"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/metrics"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

// Config is a sweep's grid and firm.
type Config struct {
	// Options holds the flip options shared by every cell (groups, label,
	// features, k, --reference-sample, seed...). Its Method, Alpha, Flips
	// are set per cell.
	Options transform.Options

	Methods []string
	Alphas  []float64
	Flips   []string // counts ("0", "20", ...) and/or "auto"
	Runs    int
	Seed    uint64 // run r uses seed Seed+r: its collective, random scores, reference sample and split

	// TestSplit, when there is no test table, holds out this fraction of
	// the rows as the test set, re-drawn per run (by keyed hash of
	// (seed+run, row)).
	TestSplit float64

	// FirmTimeout bounds each fit of the external firm (0: no limit).
	FirmTimeout time.Duration

	DropSensitive bool   // the firm does not see the sensitive column(s)
	FirmCmd       string // external firm; empty: the built-in logistic regression
	Firm          string // a ready firm (package firms) or "logreg"; empty: the built-in logistic regression
	Baselines     []string
	Detect        bool // screen the labels as a firm would (confident learning) and retrain without the flagged rows

	Workers  int                   // parallel fits (0: GOMAXPROCS)
	Progress func(done, total int) // called after each fit (from several goroutines, serialised)
	// Notice, if set, is called after the sweep with what the scorers said
	// about their reference (a single label, fewer rows than k: see
	// ScoreNotices), one line per method.
	Notice func(string)
}

// grid values, parsed.
type flipValue struct {
	text string
	n    int     // a count; flipAuto for auto, flipPct for a percentage of the pool
	pct  float64 // flipPct: the percentage, in [0, 100]
}

const (
	flipAuto = -1
	flipPct  = -2
)

// count returns the number of flips the value asks of a pool of the given
// size (a percentage rounds to the nearest row, as "fairflip flip --flips
// P%" does); auto has no count.
func (g flipValue) count(pool int) int {
	if g.n == flipPct {
		return int(math.Round(g.pct / 100 * float64(pool)))
	}
	return g.n
}

// rank orders grid values: counts, then percentages, then auto.
func (g flipValue) rank() float64 { return flipsRank(g.text) }

func parseFlipGrid(vals []string) ([]flipValue, error) {
	var out []flipValue
	seen := map[string]bool{}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		var g flipValue
		switch {
		case strings.EqualFold(v, "auto"):
			g = flipValue{"auto", flipAuto, 0}
		case strings.HasSuffix(v, "%"):
			rule, err := transform.ParseFlips(v)
			if err != nil {
				return nil, err
			}
			g = flipValue{strconv.FormatFloat(rule.Percent, 'g', -1, 64) + "%", flipPct, rule.Percent}
		default:
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fferr.Usage("--flips %q: want counts (0,20,40,...), percentages of each collective's candidate pool (0,10%%,...,100%%) and/or auto", v)
			}
			g = flipValue{strconv.Itoa(n), n, 0}
		}
		if !seen[g.text] {
			out = append(out, g)
		}
		seen[g.text] = true
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].rank() < out[b].rank() })
	if len(out) == 0 {
		return nil, fferr.Usage("--flips: the grid is empty")
	}
	return out, nil
}

// validate checks the grid and fills in defaults.
func (c *Config) validate(haveTest bool) ([]flipValue, error) {
	if len(c.Methods) == 0 {
		c.Methods = scorer.Names()
	}
	for _, m := range c.Methods {
		if _, ok := scorer.Lookup(m); !ok {
			return nil, fferr.Usage("--methods: %q is not one of %s", m, strings.Join(scorer.Names(), ", "))
		}
	}
	if len(c.Alphas) == 0 {
		c.Alphas = []float64{1}
	}
	for _, a := range c.Alphas {
		if !(a > 0 && a <= 1) {
			return nil, fferr.Usage("--alpha %v: every collective size must be in (0, 1]", a)
		}
	}
	if err := c.checkFirm(); err != nil {
		return nil, err
	}
	if c.Runs < 1 {
		return nil, fferr.Usage("--runs %d: at least one run", c.Runs)
	}
	if haveTest && c.TestSplit > 0 {
		return nil, fferr.Usage("give --test or --test-split, not both")
	}
	if !haveTest && !(c.TestSplit > 0 && c.TestSplit < 1) {
		return nil, fferr.Usage("sweep needs a test set: --test FILE, or --test-split F with F in (0, 1) (e.g. 0.3)")
	}
	if err := c.checkBaselines(); err != nil {
		return nil, err
	}
	if c.Detect && c.FirmCmd != "" {
		return nil, errDetectCmdFirm
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Options.Reference != "" {
		return nil, fferr.Usage("sweep learns the majority from the training rows; --reference is not supported here (use --reference-sample)")
	}
	return parseFlipGrid(c.Flips)
}

// runState is what one run shares among its cells.
type runState struct {
	once   sync.Once
	err    error
	seed   uint64
	train  []int       // training rows (indices into the train dataset)
	at     map[int]int // train row → position in train
	y      []bool      // original labels of the training rows
	firm   Firm
	base   any            // warm-start state of the base fit
	basePr []bool         // base predictions
	report metrics.Report // of the base model
	// evaluate scores test predictions against the test labels.
	evaluate  func(pred []bool) (metrics.Report, error)
	testRows  []int  // test rows (indices into the test dataset, or train's with --test-split)
	testGroup []int8 // their groups

	minority []int // minority training rows
	minNeg   []int // minority training rows with a negative label
	scores   map[string]*methodScores
	smu      sync.Mutex
	det      detectState     // --detect
	red      *reductionsFits // the reductions baseline's mixtures (shared by the runs when they train on the same rows)
}

type methodScores struct {
	once    sync.Once
	err     error
	order   []int // minNeg rows in flip order
	pos     map[int]bool
	notices []string // what the scorer said about its reference
}

// setupRun splits the rows, builds the firm and fits the base model.
func (cfg *Config) setupRun(ctx context.Context, rs *runState, train, test *transform.Dataset) error {
	var testRows []int
	var testSet *transform.Dataset
	if test == nil {
		testSet = train
		inTest := splitRows(train.Rows, cfg.TestSplit, rs.seed)
		for i := 0; i < train.Rows; i++ {
			if inTest[i] {
				testRows = append(testRows, i)
			} else {
				rs.train = append(rs.train, i)
			}
		}
	} else {
		testSet = test
		for i := 0; i < test.Rows; i++ {
			testRows = append(testRows, i)
		}
		for i := 0; i < train.Rows; i++ {
			rs.train = append(rs.train, i)
		}
	}
	// Rows in neither group still train the firm (they are part of the
	// firm's data) but are never in the collective.
	rs.at = make(map[int]int, len(rs.train))
	rs.y = make([]bool, len(rs.train))
	for k, r := range rs.train {
		rs.at[r] = k
		rs.y[k] = train.Positive[r]
		if train.Group[r] == transform.GroupMinority {
			rs.minority = append(rs.minority, r)
			if !train.Positive[r] {
				rs.minNeg = append(rs.minNeg, r)
			}
		}
	}
	if len(rs.minority) == 0 {
		return fferr.Data("%s: no minority rows in the training part", train.Name)
	}
	trainCols := firmColumns(train, cfg.DropSensitive)
	testCols := firmColumns(testSet, cfg.DropSensitive)
	if err := checkSameColumns(trainCols, testCols, testSet.Name); err != nil {
		return err
	}
	d := FirmData{TrainCols: trainCols, TestCols: testCols, TrainRows: rs.train, TestRows: testRows, LabelName: cfg.Options.Label}
	var err error
	if rs.firm, err = cfg.newFirm(d); err != nil {
		return err
	}
	// The test labels and groups, for the metrics.
	yTest := make([]bool, len(testRows))
	gTest := make([]metrics.Group, len(testRows))
	for k, r := range testRows {
		yTest[k] = testSet.Positive[r]
		gTest[k] = metrics.Group(testSet.Group[r])
	}
	rs.evaluate = func(pred []bool) (metrics.Report, error) { return metrics.Evaluate(yTest, pred, gTest) }
	rs.testRows = testRows
	rs.testGroup = make([]int8, len(testRows))
	for k, r := range testRows {
		rs.testGroup[k] = testSet.Group[r]
	}
	rs.basePr, rs.base, err = rs.firm.Fit(ctx, rs.y, nil, nil)
	if err != nil {
		return err
	}
	rs.report, err = rs.evaluate(rs.basePr)
	return err
}

// splitRows marks the ⌈f·n⌉ rows with the smallest keyed hash of (seed, row)
// as test rows.
func splitRows(n int, f float64, seed uint64) []bool {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	test := transform.ChooseFraction(rows, f, seed^splitSalt)
	in := make([]bool, n)
	for _, r := range test {
		in[r] = true
	}
	return in
}

// splitSalt keeps the test split independent of the collective drawn with
// the same seed.
const splitSalt = 0x73706c6974746573 // "splittes"

// scoresFor returns the minority negatives of the run's training rows in
// flip order for a method (computed once per run and method).
func (cfg *Config) scoresFor(rs *runState, train *transform.Dataset, method string) (*methodScores, error) {
	rs.smu.Lock()
	ms := rs.scores[method]
	if ms == nil {
		ms = &methodScores{}
		rs.scores[method] = ms
	}
	rs.smu.Unlock()
	ms.once.Do(func() {
		o := cfg.Options
		o.Method = method
		o.Seed = rs.seed
		o.Workers = 1
		var log strings.Builder
		o.Log = &log // the scorer's notices, kept for ScoreNotices
		defer func() { ms.notices = noticeLines(log.String()) }()
		if len(rs.minNeg) == 0 {
			return
		}
		var refRows []int
		var refPos []bool
		if m, _ := scorer.Lookup(method); m.Learns {
			inTrain := func(r int) bool { _, ok := rs.at[r]; return ok }
			refRows, refPos = o.ReferenceRows(train, inTrain)
			if len(refRows) == 0 {
				ms.err = fferr.Data("%s: no majority rows in the training part to learn from", train.Name)
				return
			}
		}
		sc, err := o.ScoreRows(train, refRows, refPos, rs.minNeg)
		if err != nil {
			ms.err = err
			return
		}
		keys := make([]uint64, len(rs.minNeg))
		for i, r := range rs.minNeg {
			keys[i] = train.Key(r)
		}
		for _, i := range scorer.Rank(keys, sc) {
			ms.order = append(ms.order, rs.minNeg[i])
		}
		if sc.Positive != nil {
			ms.pos = map[int]bool{}
			for i, r := range rs.minNeg {
				if sc.Positive[i] {
					ms.pos[r] = true
				}
			}
		}
	})
	return ms, ms.err
}

// fitFlipped fits the firm with the given training rows flipped to
// positive, warm-starting from warm.
func (rs *runState) fitFlipped(ctx context.Context, flipped []int, promote bool, warm any) (metrics.Report, any, error) {
	y := append([]bool(nil), rs.y...)
	for _, r := range flipped {
		y[rs.at[r]] = promote
	}
	pred, state, err := rs.firm.Fit(ctx, y, nil, warm)
	if err != nil {
		return metrics.Report{}, nil, err
	}
	rep, err := rs.evaluate(pred)
	return rep, state, err
}

// runChain runs one (run, method, alpha) over the flip grid, in increasing
// flip counts, each fit warm-started from the previous one.
func (cfg *Config) runChain(ctx context.Context, rs *runState, train *transform.Dataset, method string, alpha float64, grid []flipValue, tick func()) ([]Result, error) {
	ms, err := cfg.scoresFor(rs, train, method)
	if err != nil {
		return nil, err
	}
	collective := transform.ChooseFraction(rs.minority, alpha, rs.seed)
	inColl := make(map[int]bool, len(collective))
	for _, r := range collective {
		inColl[r] = true
	}
	var pool []int // in flip order
	for _, r := range ms.order {
		if inColl[r] {
			pool = append(pool, r)
		}
	}
	// The grid's counts for this pool, in increasing order (auto last): each
	// fit warm-starts from the previous count's.
	steps := make([]flipValue, 0, len(grid))
	for _, g := range grid {
		if g.n == flipAuto && !hasAuto(method) {
			continue // the method has no estimate of the counterfactual label
		}
		steps = append(steps, g)
	}
	sort.SliceStable(steps, func(a, b int) bool {
		if (steps[a].n == flipAuto) != (steps[b].n == flipAuto) {
			return steps[b].n == flipAuto
		}
		return steps[a].count(len(pool)) < steps[b].count(len(pool))
	})
	var out []Result
	warm := rs.base
	prevN := -1
	var prev metrics.Report
	var prevDet *Detection
	for _, g := range steps {
		var flipped []int
		switch {
		case g.n == flipAuto:
			for _, r := range pool {
				if ms.pos[r] {
					flipped = append(flipped, r)
				}
			}
		default:
			flipped = pool[:min(g.count(len(pool)), len(pool))]
		}
		var rep metrics.Report
		var det *Detection
		switch {
		case len(flipped) == 0:
			rep = rs.report
			if g.n != 0 {
				tick() // counted as a fit by countFits
			}
			if cfg.Detect {
				if det, err = rs.screen(ctx, train, nil, rs.base); err != nil {
					return nil, err
				}
			}
		case g.n != flipAuto && len(flipped) == prevN:
			rep, det = prev, prevDet // the same rows as the previous count (the whole pool)
			tick()
		default:
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var state any
			rep, state, err = rs.fitFlipped(ctx, flipped, true, warm)
			if err != nil {
				return nil, err
			}
			if cfg.Detect {
				if det, err = rs.screen(ctx, train, flipped, state); err != nil {
					return nil, err
				}
			}
			if g.n != flipAuto {
				warm = state
			}
			tick()
		}
		if g.n != flipAuto {
			prevN, prev, prevDet = len(flipped), rep, det
		}
		res := makeResult(SideCollective, method, alpha, g.text, len(flipped), len(collective), len(pool), rep)
		res.Detect = det
		out = append(out, res)
	}
	return out, nil
}

// hasAuto reports whether a method estimates the counterfactual label
// (what flips "auto" flips).
func hasAuto(method string) bool {
	m, _ := scorer.Lookup(method)
	return m.Auto
}

func makeResult(side, method string, alpha float64, req string, flips, coll, pool int, r metrics.Report) Result {
	return Result{
		Side: side, Method: method, Alpha: alpha, FlipsRequested: req, Flips: flips, Collective: coll, Pool: pool,
		N: r.N, Error: r.Error, Accuracy: r.Accuracy, SP: r.SP, EqOdMean: r.EqOdMean, EqOdMax: r.EqOdMax,
		TPRMin: r.Minority.TPR, TPRMaj: r.Majority.TPR, FPRMin: r.Minority.FPR, FPRMaj: r.Majority.FPR,
		PPRMin: r.Minority.PositiveRate, PPRMaj: r.Majority.PositiveRate,
	}
}

// Check validates the grid (haveTest: a separate test table is given).
func (cfg *Config) Check(haveTest bool) error {
	_, err := cfg.validate(haveTest)
	return err
}

// Evaluate trains the firm once on every row of train and measures it on
// every row of test.
func Evaluate(ctx context.Context, cfg Config, train, test *transform.Dataset) (metrics.Report, string, error) {
	if err := cfg.checkFirm(); err != nil {
		return metrics.Report{}, "", err
	}
	rs := &runState{seed: cfg.Seed, scores: map[string]*methodScores{}}
	err := cfg.setupRun(ctx, rs, train, test)
	if c, ok := rs.firm.(interface{ Close() error }); ok {
		c.Close()
	}
	if err != nil {
		return metrics.Report{}, "", err
	}
	return rs.report, rs.firm.Describe(), nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
