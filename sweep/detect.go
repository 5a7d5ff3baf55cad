package sweep

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// DetectFolds is the number of folds of the screen's cross-fitting.
const DetectFolds = 5

// errDetectCmdFirm refuses --detect with an external firm.
var errDetectCmdFirm = fferr.Usage("--detect screens the labels with the built-in logistic regression and retrains it without the flagged rows: it needs the built-in firm, not --firm-cmd")

// Detection is what a firm that screens its training labels would see in
// one cell and run (sweep --detect): confident learning (Northcutt, Jiang
// and Chuang, 2021) with out-of-fold probabilities from DetectFolds-fold
// cross-fitting of the built-in logistic regression. A row is flagged when
// the out-of-fold probability of its given label is below that class's
// average self-confidence (the mean out-of-fold probability of class c over
// the rows labelled c). The firm then drops every flagged row and retrains.
//
// Shares are NaN (undefined) when their denominator is empty, e.g. the
// share of flipped rows flagged when nothing was flipped.
type Detection struct {
	FlaggedFlipped     float64 // share of the flipped rows flagged
	FlaggedUntouched   float64 // share of the training rows not flipped flagged
	FlaggedUntouchedMi float64 // the same among the minority rows not flipped
	// FlaggedUntouchedMiPos is the same among the minority rows not flipped
	// whose label is positive: the flipped rows' like (minority, labelled
	// positive), judged against the same class threshold.
	FlaggedUntouchedMiPos float64
	Dropped               int // training rows flagged (and dropped)

	// The firm retrained without the flagged rows, on the test rows.
	Error, EqOdMean, EqOdMax float64
}

// DetectCSVHeader are the columns --detect adds to the per-run results.
var DetectCSVHeader = []string{"detect_flagged_flipped", "detect_flagged_untouched", "detect_flagged_untouched_minority",
	"detect_flagged_untouched_minority_pos", "detect_dropped", "detect_error", "detect_eqod_mean", "detect_eqod_max"}

// detectRecord returns r's detection columns (empty when it has none, as
// for the firm-side baselines).
func (r Result) detectRecord() []string {
	d := r.Detect
	if d == nil {
		return make([]string, len(DetectCSVHeader))
	}
	return []string{fmtFloat(d.FlaggedFlipped), fmtFloat(d.FlaggedUntouched), fmtFloat(d.FlaggedUntouchedMi),
		fmtFloat(d.FlaggedUntouchedMiPos), strconv.Itoa(d.Dropped), fmtFloat(d.Error), fmtFloat(d.EqOdMean), fmtFloat(d.EqOdMax)}
}

// anyDetect reports whether a result carries a detection (the sweep ran
// with --detect): only then are the detection columns written.
func anyDetect(rs []Result) bool {
	for _, r := range rs {
		if r.Detect != nil {
			return true
		}
	}
	return false
}

// DetectCell is the summary over runs of a cell's detections.
type DetectCell struct {
	FlaggedFlipped, FlaggedUntouched, FlaggedUntouchedMi, FlaggedUntouchedMiPos Stat
	Dropped                                                                     Stat
	Error, EqOdMean, EqOdMax                                                    Stat
}

// detectStats are summaryStats' entries for the detection (NaN, left out,
// for a result without one).
func detectStats() []struct {
	get func(Result) float64
	put func(*Cell) *Stat
} {
	field := func(f func(*Detection) float64) func(Result) float64 {
		return func(r Result) float64 {
			if r.Detect == nil {
				return math.NaN()
			}
			return f(r.Detect)
		}
	}
	return []struct {
		get func(Result) float64
		put func(*Cell) *Stat
	}{
		{field(func(d *Detection) float64 { return d.FlaggedFlipped }), func(c *Cell) *Stat { return &c.detect().FlaggedFlipped }},
		{field(func(d *Detection) float64 { return d.FlaggedUntouched }), func(c *Cell) *Stat { return &c.detect().FlaggedUntouched }},
		{field(func(d *Detection) float64 { return d.FlaggedUntouchedMi }), func(c *Cell) *Stat { return &c.detect().FlaggedUntouchedMi }},
		{field(func(d *Detection) float64 { return d.FlaggedUntouchedMiPos }), func(c *Cell) *Stat { return &c.detect().FlaggedUntouchedMiPos }},
		{field(func(d *Detection) float64 { return float64(d.Dropped) }), func(c *Cell) *Stat { return &c.detect().Dropped }},
		{field(func(d *Detection) float64 { return d.Error }), func(c *Cell) *Stat { return &c.detect().Error }},
		{field(func(d *Detection) float64 { return d.EqOdMean }), func(c *Cell) *Stat { return &c.detect().EqOdMean }},
		{field(func(d *Detection) float64 { return d.EqOdMax }), func(c *Cell) *Stat { return &c.detect().EqOdMax }},
	}
}

// detect returns the cell's detection summary, allocating it (every
// statistic undefined) on first use.
func (c *Cell) detect() *DetectCell {
	if c.Detect == nil {
		nan := Stat{Mean: math.NaN(), SD: math.NaN(), Min: math.NaN(), Max: math.NaN()}
		c.Detect = &DetectCell{nan, nan, nan, nan, nan, nan, nan, nan}
	}
	return c.Detect
}

// anyDetectCell reports whether a cell carries a detection summary.
func anyDetectCell(cells []Cell) bool {
	for _, c := range cells {
		if c.Detect != nil {
			return true
		}
	}
	return false
}

// DetectSummaryCSVHeader are the columns --detect adds to the summary file.
var DetectSummaryCSVHeader = []string{"detect_flagged_flipped_mean", "detect_flagged_flipped_sd",
	"detect_flagged_untouched_mean", "detect_flagged_untouched_sd",
	"detect_flagged_untouched_minority_mean", "detect_flagged_untouched_minority_sd",
	"detect_flagged_untouched_minority_pos_mean", "detect_flagged_untouched_minority_pos_sd",
	"detect_dropped_mean", "detect_error_mean", "detect_error_sd", "detect_eqod_mean_mean", "detect_eqod_mean_sd",
	"detect_eqod_max_mean", "detect_eqod_max_sd"}

// detectSummaryRecord returns a cell's detection columns (empty without).
func (c Cell) detectSummaryRecord() []string {
	d := c.Detect
	if d == nil {
		return make([]string, len(DetectSummaryCSVHeader))
	}
	return []string{fmtFloat(d.FlaggedFlipped.Mean), fmtFloat(d.FlaggedFlipped.SD),
		fmtFloat(d.FlaggedUntouched.Mean), fmtFloat(d.FlaggedUntouched.SD),
		fmtFloat(d.FlaggedUntouchedMi.Mean), fmtFloat(d.FlaggedUntouchedMi.SD),
		fmtFloat(d.FlaggedUntouchedMiPos.Mean), fmtFloat(d.FlaggedUntouchedMiPos.SD),
		fmtFloat(d.Dropped.Mean), fmtFloat(d.Error.Mean), fmtFloat(d.Error.SD), fmtFloat(d.EqOdMean.Mean), fmtFloat(d.EqOdMean.SD),
		fmtFloat(d.EqOdMax.Mean), fmtFloat(d.EqOdMax.SD)}
}

// FlagLabelIssues is the screen's rule. p[i] is the out-of-fold P(y=1) of
// row i and y[i] its given label. The threshold of class c is the mean
// probability of class c over the rows labelled c; row i is flagged when
// the probability of its given label is below its class's threshold. The
// thresholds are returned as t[0] (class 0) and t[1] (class 1), NaN for a
// class without rows.
func FlagLabelIssues(p []float64, y []bool) (flag []bool, t [2]float64) {
	var sum [2]float64
	var n [2]int
	self := func(i int) float64 { // probability of the given label
		if y[i] {
			return p[i]
		}
		return 1 - p[i]
	}
	for i := range p {
		c := b2i(y[i])
		sum[c] += self(i)
		n[c]++
	}
	for c := range t {
		t[c] = math.NaN()
		if n[c] > 0 {
			t[c] = sum[c] / float64(n[c])
		}
	}
	flag = make([]bool, len(p))
	for i := range p {
		flag[i] = self(i) < t[b2i(y[i])]
	}
	return flag, t
}

// detectFolds is a run's cross-fitting: fold[k] is training row k's fold,
// and fit[f] the rows outside fold f (positions into the training rows)
// with their matrix.
type detectFolds struct {
	fold []int
	rows [][]int
	x    []*model.Matrix
}

// foldsSalt keeps the folds independent of the collective and the test
// split drawn with the same seed.
const foldsSalt = 0x666f6c6473637265 // "foldscre"

// assignFolds deals the n training rows (keys: their row numbers) into k
// folds of sizes differing by at most one: the rows in order of their
// keyed hash of (seed, row), dealt round-robin.
func assignFolds(keys []int, k int, seed uint64) []int {
	order := make([]int, len(keys))
	h := make([]uint64, len(keys))
	for i, r := range keys {
		order[i] = i
		h[i] = rowhash.Hash(seed, foldsSalt, uint64(r))
	}
	sort.Slice(order, func(a, b int) bool {
		if h[order[a]] != h[order[b]] {
			return h[order[a]] < h[order[b]]
		}
		return keys[order[a]] < keys[order[b]]
	})
	fold := make([]int, len(keys))
	for rank, i := range order {
		fold[i] = rank % k
	}
	return fold
}

// detectState is a run's screening state, built once.
type detectState struct {
	once  sync.Once
	err   error
	lr    *LogRegFirm
	folds detectFolds
	isMin []bool // training position → minority row

	base    sync.Once // the screen without flips, shared by every chain of the run
	baseDet *Detection
	baseErr error
}

// detector returns the run's screening state, set up on first use.
func (rs *runState) detector(train *transform.Dataset) (*detectState, error) {
	ds := &rs.det
	ds.once.Do(func() {
		lr, ok := rs.firm.(*LogRegFirm)
		if !ok {
			ds.err = errDetectCmdFirm
			return
		}
		ds.lr = lr
		ds.folds.fold = assignFolds(rs.train, DetectFolds, rs.seed)
		ds.folds.rows = make([][]int, DetectFolds)
		ds.folds.x = make([]*model.Matrix, DetectFolds)
		for f := range DetectFolds {
			for k, g := range ds.folds.fold {
				if g != f {
					ds.folds.rows[f] = append(ds.folds.rows[f], k)
				}
			}
			ds.folds.x[f] = lr.Xtrain.Subset(ds.folds.rows[f])
		}
		ds.isMin = make([]bool, len(rs.train))
		for k, r := range rs.train {
			ds.isMin[k] = train.Group[r] == transform.GroupMinority
		}
	})
	return ds, ds.err
}

// screen runs the firm's screen on the training labels with the given rows
// flipped to positive, and retrains without the rows it flags. warm is the
// state of the firm's fit on those labels (each fold's fit and the retrain
// start from it).
func (rs *runState) screen(ctx context.Context, train *transform.Dataset, flipped []int, warm any) (*Detection, error) {
	ds, err := rs.detector(train)
	if err != nil {
		return nil, err
	}
	if len(flipped) == 0 {
		ds.base.Do(func() { ds.baseDet, ds.baseErr = rs.screenLabels(ctx, ds, nil, rs.base) })
		return ds.baseDet, ds.baseErr
	}
	return rs.screenLabels(ctx, ds, flipped, warm)
}

func (rs *runState) screenLabels(ctx context.Context, ds *detectState, flipped []int, warm any) (*Detection, error) {
	y := append([]bool(nil), rs.y...)
	isFlipped := make([]bool, len(y))
	for _, r := range flipped {
		k := rs.at[r]
		y[k] = true
		isFlipped[k] = true
	}
	init, _ := warm.(*model.LogReg)
	p := make([]float64, len(y))
	for f := range DetectFolds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows := ds.folds.rows[f]
		yf := make([]bool, len(rows))
		for i, k := range rows {
			yf[i] = y[k]
		}
		m, err := model.FitLogReg(ds.folds.x[f], yf, model.LogRegOptions{C: ds.lr.C, Workers: ds.lr.workers, Init: init})
		if err != nil {
			return nil, err
		}
		for k, g := range ds.folds.fold {
			if g == f {
				p[k] = m.Prob(ds.lr.Xtrain, k)
			}
		}
	}
	flag, _ := FlagLabelIssues(p, y)
	d := screenShares(flag, isFlipped, ds.isMin, y)
	// The firm drops the flagged rows (weight 0: the same objective as
	// without them) and retrains; the features' encoding is unchanged.
	w := make([]float64, len(y))
	for k, fl := range flag {
		if !fl {
			w[k] = 1
		}
	}
	pred, _, err := rs.firm.Fit(ctx, y, w, warm)
	if err != nil {
		return nil, err
	}
	rep, err := rs.evaluate(pred)
	if err != nil {
		return nil, err
	}
	d.Error, d.EqOdMean, d.EqOdMax = rep.Error, rep.EqOdMean, rep.EqOdMax
	return d, nil
}

// screenShares counts the flagged rows among the flipped rows, the
// untouched rows, the untouched minority rows and those of them labelled
// positive (y: the labels the firm sees).
func screenShares(flag, flipped, minority, y []bool) *Detection {
	var n, f [4]int // flipped, untouched, untouched minority, untouched minority positive
	d := &Detection{}
	for k, fl := range flag {
		var in [4]bool
		in[0] = flipped[k]
		in[1] = !flipped[k]
		in[2] = !flipped[k] && minority[k]
		in[3] = in[2] && y[k]
		for j, ok := range in {
			if ok {
				n[j]++
				if fl {
					f[j]++
				}
			}
		}
		if fl {
			d.Dropped++
		}
	}
	share := func(j int) float64 {
		if n[j] == 0 {
			return math.NaN() // undefined, never 0
		}
		return float64(f[j]) / float64(n[j])
	}
	d.FlaggedFlipped, d.FlaggedUntouched, d.FlaggedUntouchedMi, d.FlaggedUntouchedMiPos = share(0), share(1), share(2), share(3)
	return d
}

// jdetect is a cell's detection in the JSON summary.
type jdetect struct {
	FlaggedFlipped        jdstat `json:"flagged_flipped"`
	FlaggedUntouched      jdstat `json:"flagged_untouched"`
	FlaggedUntouchedMi    jdstat `json:"flagged_untouched_minority"`
	FlaggedUntouchedMiPos jdstat `json:"flagged_untouched_minority_pos"`
	Dropped               jdstat `json:"dropped"`
	Error                 jdstat `json:"error"`
	EqOdMean              jdstat `json:"eqod_mean"`
	EqOdMax               jdstat `json:"eqod_max"`
}

type jdstat struct {
	Mean jsonNum `json:"mean"`
	SD   jsonNum `json:"sd"`
	N    int     `json:"n"`
}

// jsonDetect returns a cell's detection for the JSON summary (nil without,
// so that the cell has no "detect" key).
func jsonDetect(d *DetectCell) *jdetect {
	if d == nil {
		return nil
	}
	j := func(s Stat) jdstat { return jdstat{jsonNum(s.Mean), jsonNum(s.SD), s.N} }
	return &jdetect{j(d.FlaggedFlipped), j(d.FlaggedUntouched), j(d.FlaggedUntouchedMi), j(d.FlaggedUntouchedMiPos),
		j(d.Dropped), j(d.Error), j(d.EqOdMean), j(d.EqOdMax)}
}

// writeDetectTable writes the screen's table for people (after the
// summary table; nothing without --detect).
func writeDetectTable(w io.Writer, cells []Cell) error {
	if !anyDetectCell(cells) {
		return nil
	}
	f := statText
	fmt.Fprintf(w, "\nWould the firm notice? Confident learning on the training labels (%d-fold out-of-fold probabilities; a row is flagged when its label's probability is below its class's mean); shares of rows flagged, and the firm retrained without the flagged rows:\n", DetectFolds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "method\talpha\tflips asked\tflipped flagged\tuntouched flagged\tuntouched minority flagged\tuntouched minority positives flagged\trows dropped\terror after\tEqOd after\tEqOd before")
	for _, c := range cells {
		d := c.Detect
		if d == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Method, fmtFloat(c.Alpha), c.FlipsRequested,
			f(d.FlaggedFlipped, 3), f(d.FlaggedUntouched, 3), f(d.FlaggedUntouchedMi, 3), f(d.FlaggedUntouchedMiPos, 3),
			f(d.Dropped, 0), f(d.Error, 4), f(d.EqOdMean, 4), f(c.EqOdMean, 4))
	}
	return tw.Flush()
}
