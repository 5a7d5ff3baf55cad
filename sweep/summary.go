package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

// methodRank orders methods in reports: the registered methods in their
// order, then the firm-side baselines, then any other.
func methodRank(m string) int {
	if i := scorer.Index(m); i >= 0 {
		return i
	}
	n := len(scorer.Names())
	if i := slices.Index(Baselines, m); i >= 0 {
		return n + i
	}
	return n + len(Baselines)
}

// flipsRank orders the flips requested: counts, then percentages of the
// pool, then auto; the reductions baseline's bounds ("eps=ε") by ε.
func flipsRank(s string) float64 {
	if s == "auto" {
		return math.Inf(1)
	}
	if eps, ok := ReductionsBound(s); ok {
		return eps
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		x, _ := strconv.ParseFloat(p, 64)
		return 1<<40 + x
	}
	n, _ := strconv.Atoi(s)
	return float64(n)
}

// SortResults orders results by side, method, alpha, flips and run.
func SortResults(rs []Result) {
	sort.SliceStable(rs, func(a, b int) bool {
		return lessCell(rs[a].Side, rs[a].Method, rs[a].Alpha, rs[a].FlipsRequested, rs[b].Side, rs[b].Method, rs[b].Alpha, rs[b].FlipsRequested) || (sameCell(rs[a], rs[b]) && rs[a].Run < rs[b].Run)
	})
}

func sameCell(a, b Result) bool {
	return a.Side == b.Side && a.Method == b.Method && (a.Alpha == b.Alpha || (math.IsNaN(a.Alpha) && math.IsNaN(b.Alpha))) && a.FlipsRequested == b.FlipsRequested
}

func lessCell(sa, ma string, aa float64, fa string, sb, mb string, ab float64, fb string) bool {
	if sa != sb {
		return sa == SideCollective
	}
	if ra, rb := methodRank(ma), methodRank(mb); ra != rb {
		return ra < rb
	}
	if ma != mb {
		return ma < mb
	}
	if aa != ab && !(math.IsNaN(aa) && math.IsNaN(ab)) {
		return aa < ab || math.IsNaN(ab)
	}
	return flipsRank(fa) < flipsRank(fb)
}

// summaryStats are the per-run values that Summarize aggregates into a Cell,
// numbered by their index (the "stat" column of its data frames).
var summaryStats = []struct {
	get func(Result) float64
	put func(*Cell) *Stat
}{
	{func(r Result) float64 { return float64(r.Flips) }, func(c *Cell) *Stat { return &c.Flips }},
	{func(r Result) float64 { return r.Error }, func(c *Cell) *Stat { return &c.Error }},
	{func(r Result) float64 { return r.SP }, func(c *Cell) *Stat { return &c.SP }},
	{func(r Result) float64 { return r.EqOdMean }, func(c *Cell) *Stat { return &c.EqOdMean }},
	{func(r Result) float64 { return r.EqOdMax }, func(c *Cell) *Stat { return &c.EqOdMax }},
	{func(r Result) float64 { return float64(r.Pool) }, func(c *Cell) *Stat { return &c.Pool }},
	{func(r Result) float64 { return r.TPRMin }, func(c *Cell) *Stat { return &c.TPRMin }},
	{func(r Result) float64 { return r.TPRMaj }, func(c *Cell) *Stat { return &c.TPRMaj }},
	{func(r Result) float64 { return r.FPRMin }, func(c *Cell) *Stat { return &c.FPRMin }},
	{func(r Result) float64 { return r.FPRMaj }, func(c *Cell) *Stat { return &c.FPRMaj }},
}

func init() { summaryStats = append(summaryStats, detectStats()...) } // --detect's (undefined without)

// Summarize aggregates the runs of each grid cell (side, method, alpha,
// flips requested): the mean and the sample standard deviation (n − 1; NaN
// for a single value) of the flips made, error, SP and both EqOd forms.
// Undefined (NaN) values are left out of a mean and of Stat.N. The cells
// are in report order (side, method, alpha, flips requested).
//
// The grouping and the sums are gota's (DataFrame.GroupBy and
// Groups.Aggregation); the mean and SD are then divided out here, because
// gota's own MEAN and STD are not the figures fairflip has always written:
// MEAN sums with gonum's vectorised floats.Sum and STD is gonum's
// compensated two-pass variance, which can differ in the last bits from
//
//	mean = (x₁ + x₂ + … + xₙ) / n,  SD = √(((x₁ − mean)² + … + (xₙ − mean)²) / (n − 1)),
//
// each sum taken in run order. gota's SUM is that plain sum in row order
// (which GroupBy keeps within a group), so the figures are bit-identical
// to it. NaN values are left out before the frame is built, since gota's
// sums would propagate them.
//
// gota's sharp edges, and why they do not bite here: GroupBy keys are
// built with fmt (a float formatted with %f, 6 decimals), so the groups are
// keyed by a string (cellKey) and an int, never by a float; keys of
// several columns are joined with "_", and the last one, the statistic's
// index, is all digits while a cellKey's last field (the flips requested)
// holds no "_", so two different (cell, statistic) pairs never share a key; a frame's values pass through fmt.Sprint and
// strconv.ParseFloat, which round-trips every float64 exactly; a string
// equal to "NA", "NaN" or "<nil>" would become a missing value, and no
// cellKey is one (each holds three NUL separators).
func Summarize(rs []Result) ([]Cell, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(rs))
	idx := make([]int, len(rs))
	for i, r := range rs {
		keys[i] = cellKey(r)
		idx[i] = i
	}

	// The cells: one row per run; a cell's first run (its smallest index)
	// gives its side, method, alpha and flips requested.
	runs, err := aggregate(dataframe.New(
		series.New(keys, series.String, "cell"),
		series.New(idx, series.Int, "i"),
	), []string{"cell"}, []dataframe.AggregationType{dataframe.Aggregation_COUNT, dataframe.Aggregation_MIN}, []string{"i", "i"})
	if err != nil {
		return nil, err
	}
	runs = runs.Arrange(dataframe.Sort("i_MIN")) // in order of first appearance: ties in report order stay in it
	if runs.Err != nil {
		return nil, fmt.Errorf("summary: %w", runs.Err)
	}
	cellKeys := runs.Col("cell").Records()
	count, first := runs.Col("i_COUNT").Float(), runs.Col("i_MIN").Float()
	cells := make([]Cell, len(cellKeys))
	at := make(map[string]int, len(cells)) // cellKey → index in cells
	nan := Stat{Mean: math.NaN(), SD: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	for i, k := range cellKeys {
		r := rs[int(first[i])]
		cells[i] = Cell{Side: r.Side, Method: r.Method, Alpha: r.Alpha, FlipsRequested: r.FlipsRequested, Runs: int(count[i]),
			Flips: nan, Error: nan, SP: nan, EqOdMean: nan, EqOdMax: nan,
			Pool: nan, TPRMin: nan, TPRMaj: nan, FPRMin: nan, FPRMaj: nan}
		at[k] = i
	}

	// The values: one row per run and statistic whose value is defined.
	var vCell []string
	var vStat []int
	var vX []float64
	for i, r := range rs {
		for j, st := range summaryStats {
			if x := st.get(r); !math.IsNaN(x) {
				vCell, vStat, vX = append(vCell, keys[i]), append(vStat, j), append(vX, x)
			}
		}
	}
	if len(vX) == 0 {
		return sortCells(cells), nil // every value undefined
	}
	vals := dataframe.New(
		series.New(vCell, series.String, "cell"),
		series.New(vStat, series.Int, "stat"),
		series.New(vX, series.Float, "x"),
	)
	by := []string{"cell", "stat"}
	sums, err := aggregate(vals, by, []dataframe.AggregationType{dataframe.Aggregation_SUM, dataframe.Aggregation_COUNT,
		dataframe.Aggregation_MIN, dataframe.Aggregation_MAX}, []string{"x", "x", "x", "x"})
	if err != nil {
		return nil, err
	}
	type cs struct {
		cell string
		stat int
	}
	stats := map[cs]*Stat{}
	sc, ss, err := groupKeys(sums)
	if err != nil {
		return nil, err
	}
	sum, n := sums.Col("x_SUM").Float(), sums.Col("x_COUNT").Float()
	lo, hi := sums.Col("x_MIN").Float(), sums.Col("x_MAX").Float()
	for i := range sc {
		st := summaryStats[ss[i]].put(&cells[at[sc[i]]])
		// + 0: the loop "sum := 0.0; sum += x" turns a sum of only −0s into +0.
		*st = Stat{Mean: (sum[i] + 0) / n[i], SD: math.NaN(), N: int(n[i]), Min: lo[i], Max: hi[i]}
		stats[cs{sc[i], ss[i]}] = st
	}

	// The squared deviations from each cell's mean, summed per cell.
	dev := make([]float64, len(vX))
	for i, x := range vX {
		d := x - stats[cs{vCell[i], vStat[i]}].Mean
		dev[i] = d * d
	}
	sq, err := aggregate(vals.Mutate(series.New(dev, series.Float, "dev2")), by,
		[]dataframe.AggregationType{dataframe.Aggregation_SUM}, []string{"dev2"})
	if err != nil {
		return nil, err
	}
	if sc, ss, err = groupKeys(sq); err != nil {
		return nil, err
	}
	for i, s2 := range sq.Col("dev2_SUM").Float() {
		if st := stats[cs{sc[i], ss[i]}]; st.N > 1 {
			st.SD = math.Sqrt((s2 + 0) / float64(st.N-1))
		}
	}
	return sortCells(cells), nil
}

// aggregate groups df by the columns by and aggregates it (gota).
func aggregate(df dataframe.DataFrame, by []string, typs []dataframe.AggregationType, cols []string) (dataframe.DataFrame, error) {
	if df.Err != nil {
		return df, fmt.Errorf("summary: %w", df.Err)
	}
	g := df.GroupBy(by...)
	if g.Err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("summary: %w", g.Err)
	}
	agg := g.Aggregation(typs, cols)
	if agg.Err != nil {
		return agg, fmt.Errorf("summary: %w", agg.Err)
	}
	return agg, nil
}

// groupKeys returns the "cell" and "stat" columns of an aggregate.
func groupKeys(agg dataframe.DataFrame) ([]string, []int, error) {
	stat, err := agg.Col("stat").Int()
	if err != nil {
		return nil, nil, fmt.Errorf("summary: %w", err)
	}
	return agg.Col("cell").Records(), stat, nil
}

// sortCells puts cells in report order.
func sortCells(cells []Cell) []Cell {
	sort.SliceStable(cells, func(a, b int) bool {
		return lessCell(cells[a].Side, cells[a].Method, cells[a].Alpha, cells[a].FlipsRequested, cells[b].Side, cells[b].Method, cells[b].Alpha, cells[b].FlipsRequested)
	})
	return cells
}

func cellKey(r Result) string {
	return r.Side + "\x00" + r.Method + "\x00" + fmtFloat(r.Alpha) + "\x00" + r.FlipsRequested
}

// Recommendation is, for one collective size, what to do.
type Recommendation struct {
	Alpha float64 `json:"alpha"`
	// The cell with the lowest mean EqOd (mean form) over the whole grid,
	// whatever its error.
	BestMethod    string  `json:"best_method"`
	BestFlips     string  `json:"best_flips_requested"`
	BestFlipsMade float64 `json:"best_flips_made"`
	BestEqOd      float64 `json:"best_eqod_mean"`
	BestError     float64 `json:"best_error"`
	// The smallest mean number of flips that reaches the target EqOd, if any.
	TargetEqOd    float64 `json:"target_eqod,omitempty"`
	TargetMethod  string  `json:"target_method,omitempty"`
	TargetFlips   float64 `json:"target_flips_made,omitempty"`
	TargetEqOdGot float64 `json:"target_eqod_mean,omitempty"`
	TargetError   float64 `json:"target_error,omitempty"`
	TargetReached bool    `json:"target_reached"`

	// The advice (see Advise): Action is one of the Action constants and
	// Reason says why, for people.
	Action string `json:"action"`
	Reason string `json:"reason"`
	// Advised is the cell advised: the base cell (0 flips) for no action.
	Advised Choice `json:"advised"`
	// Base is the cell without action, its Method empty (nil when the grid
	// has no 0).
	Base *Choice `json:"base,omitempty"`
	// MinorityFavoured: without action the minority's TPR and FPR are both
	// higher than the majority's.
	MinorityFavoured bool `json:"minority_favoured"`
	// TiedWith are the other methods whose best cell within the error
	// limit ties the advised one (see Tied).
	TiedWith []Choice `json:"tied_with,omitempty"`
	// Excluded is the cell of lowest mean EqOd when the error limit
	// excluded it (and it beats the advised cell by more than a tie).
	Excluded *Choice `json:"excluded_by_error_limit,omitempty"`
	// MaxErrorIncrease is the error limit the advice applied.
	MaxErrorIncrease float64 `json:"max_error_increase"`
}

// Base returns the cell of the firm's model without any action (0 flips);
// all methods share it. ok is false when the grid has no 0.
func Base(cells []Cell) (Cell, bool) {
	for _, c := range cells {
		if c.Side == SideCollective && c.FlipsRequested == "0" {
			return c, true
		}
	}
	return Cell{}, false
}

// Recommend returns, per alpha, the best cell and the cheapest cell that
// reaches target (target ≤ 0: no target), with the advice of Advise at the
// default error limit (DefaultMaxErrorIncrease).
func Recommend(cells []Cell, target float64) []Recommendation {
	return Advise(cells, AdviceOptions{TargetEqOd: target, MaxErrorIncrease: DefaultMaxErrorIncrease})
}

// WriteResultsCSV writes one row per result.
func WriteResultsCSV(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	detect := anyDetect(rs)
	header := CSVHeader
	if detect {
		header = append(append([]string(nil), CSVHeader...), DetectCSVHeader...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rs {
		rec := r.CSVRecord()
		if detect {
			rec = append(rec, r.detectRecord()...)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SummaryCSVHeader is the header of the summary file.
var SummaryCSVHeader = []string{"side", "method", "alpha", "flips_requested", "runs",
	"flips_mean", "flips_sd", "error_mean", "error_sd", "sp_mean", "sp_sd",
	"eqod_mean_mean", "eqod_mean_sd", "eqod_max_mean", "eqod_max_sd", "eqod_mean_defined_runs"}

// WriteSummaryCSV writes one row per cell.
func WriteSummaryCSV(w io.Writer, cells []Cell) error {
	cw := csv.NewWriter(w)
	detect := anyDetectCell(cells)
	header := SummaryCSVHeader
	if detect {
		header = append(append([]string(nil), SummaryCSVHeader...), DetectSummaryCSVHeader...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, c := range cells {
		rec := []string{c.Side, c.Method, fmtFloat(c.Alpha), c.FlipsRequested, strconv.Itoa(c.Runs),
			fmtFloat(c.Flips.Mean), fmtFloat(c.Flips.SD), fmtFloat(c.Error.Mean), fmtFloat(c.Error.SD),
			fmtFloat(c.SP.Mean), fmtFloat(c.SP.SD), fmtFloat(c.EqOdMean.Mean), fmtFloat(c.EqOdMean.SD),
			fmtFloat(c.EqOdMax.Mean), fmtFloat(c.EqOdMax.SD), strconv.Itoa(c.EqOdMean.N)}
		if detect {
			rec = append(rec, c.detectSummaryRecord()...)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonNum is a float64 that marshals NaN as null.
type jsonNum float64

func (x jsonNum) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(x), 'g', -1, 64), nil
}

// WriteSummaryJSON writes the cells and the recommendations.
func WriteSummaryJSON(w io.Writer, info PlotInfo, cells []Cell, recs []Recommendation) error {
	type jstat struct {
		Mean jsonNum `json:"mean"`
		SD   jsonNum `json:"sd"`
		N    int     `json:"n"`
	}
	js := func(s Stat) jstat { return jstat{jsonNum(s.Mean), jsonNum(s.SD), s.N} }
	// A figure of the advice and the grid: with its range over the runs.
	type jspread struct {
		Mean jsonNum `json:"mean"`
		SD   jsonNum `json:"sd"`
		Min  jsonNum `json:"min"`
		Max  jsonNum `json:"max"`
		N    int     `json:"n"`
	}
	jsp := func(s Stat) jspread {
		return jspread{jsonNum(s.Mean), jsonNum(s.SD), jsonNum(s.Min), jsonNum(s.Max), s.N}
	}
	type jchoice struct {
		Method        string  `json:"method"`
		Flips         string  `json:"flips_requested"`
		FlipsMade     jspread `json:"flips_made"`
		Pool          jspread `json:"pool"`
		EqOd          jspread `json:"eqod_mean"`
		Error         jspread `json:"error"`
		ErrorIncrease jsonNum `json:"error_increase"`
	}
	jch := func(c Choice) jchoice {
		return jchoice{c.Method, c.Flips, jsp(c.FlipsMade), jsp(c.Pool), jsp(c.EqOd), jsp(c.Error), jsonNum(c.ErrorIncrease)}
	}
	type jcell struct {
		Side           string   `json:"side"`
		Method         string   `json:"method"`
		Alpha          jsonNum  `json:"alpha"`
		FlipsRequested string   `json:"flips_requested"`
		Runs           int      `json:"runs"`
		Flips          jstat    `json:"flips"`
		Error          jstat    `json:"error"`
		SP             jstat    `json:"sp"`
		EqOdMean       jstat    `json:"eqod_mean"`
		EqOdMax        jstat    `json:"eqod_max"`
		Detect         *jdetect `json:"detect,omitempty"`
	}
	type jrec struct {
		Alpha         float64 `json:"alpha"`
		BestMethod    string  `json:"best_method"`
		BestFlips     string  `json:"best_flips_requested"`
		BestFlipsMade jsonNum `json:"best_flips_made"`
		BestEqOd      jsonNum `json:"best_eqod_mean"`
		BestError     jsonNum `json:"best_error"`
		TargetEqOd    jsonNum `json:"target_eqod,omitempty"`
		TargetReached bool    `json:"target_reached"`
		TargetMethod  string  `json:"target_method,omitempty"`
		TargetFlips   jsonNum `json:"target_flips_made,omitempty"`
		TargetEqOdGot jsonNum `json:"target_eqod_mean,omitempty"`
		TargetError   jsonNum `json:"target_error,omitempty"`

		Action           string    `json:"action"`
		Reason           string    `json:"reason"`
		Advised          jchoice   `json:"advised"`
		Base             *jchoice  `json:"base"`
		MinorityFavoured bool      `json:"minority_favoured"`
		TiedWith         []jchoice `json:"tied_with"`
		Excluded         *jchoice  `json:"excluded_by_error_limit"`
		MaxErrorIncrease jsonNum   `json:"max_error_increase"`
	}
	type jstep struct {
		Requested string  `json:"flips_requested"`
		Method    string  `json:"method,omitempty"`
		Flips     jspread `json:"flips_made"`
	}
	type jgrid struct {
		Alpha jsonNum `json:"alpha"`
		Pool  jspread `json:"pool"`
		Steps []jstep `json:"steps"`
	}
	out := struct {
		Dataset         string  `json:"dataset"`
		Model           string  `json:"model"`
		Grid            string  `json:"grid"`
		GridUsed        []jgrid `json:"grid_used"`
		Cells           []jcell `json:"cells"`
		Spread          string  `json:"spread"`
		TieRule         string  `json:"tie_rule"`
		Recommendations []jrec  `json:"recommendations"`
	}{Dataset: info.Dataset, Model: info.Model, Grid: info.Grid, Spread: SpreadRule, TieRule: TieRule}
	for _, g := range GridUsed(cells) {
		jg := jgrid{Alpha: jsonNum(g.Alpha), Pool: jsp(g.Pool)}
		for _, st := range g.Steps {
			jg.Steps = append(jg.Steps, jstep{st.Requested, st.Method, jsp(st.Flips)})
		}
		out.GridUsed = append(out.GridUsed, jg)
	}
	for _, c := range cells {
		out.Cells = append(out.Cells, jcell{c.Side, c.Method, jsonNum(c.Alpha), c.FlipsRequested, c.Runs, js(c.Flips), js(c.Error), js(c.SP), js(c.EqOdMean), js(c.EqOdMax), jsonDetect(c.Detect)})
	}
	for _, r := range recs {
		jr := jrec{r.Alpha, r.BestMethod, r.BestFlips, jsonNum(r.BestFlipsMade), jsonNum(r.BestEqOd), jsonNum(r.BestError),
			jsonNum(r.TargetEqOd), r.TargetReached, r.TargetMethod, jsonNum(r.TargetFlips), jsonNum(r.TargetEqOdGot), jsonNum(r.TargetError),
			r.Action, r.Reason, jch(r.Advised), nil, r.MinorityFavoured, []jchoice{}, nil, jsonNum(r.MaxErrorIncrease)}
		if r.Base != nil {
			b := jch(*r.Base)
			jr.Base = &b
		}
		for _, t := range r.TiedWith {
			jr.TiedWith = append(jr.TiedWith, jch(t))
		}
		if r.Excluded != nil {
			x := jch(*r.Excluded)
			jr.Excluded = &x
		}
		out.Recommendations = append(out.Recommendations, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// statText writes a statistic for people: "0.0827 ± 0.0012", the mean
// alone when there is no SD (one run), "undefined" when there is no mean.
func statText(s Stat, digits int) string {
	if math.IsNaN(s.Mean) {
		return "undefined"
	}
	if math.IsNaN(s.SD) {
		return strconv.FormatFloat(s.Mean, 'f', digits, 64)
	}
	return fmt.Sprintf("%.*f ± %.*f", digits, s.Mean, digits, s.SD)
}

// WriteSummaryTable writes the cells and recommendations for people.
func WriteSummaryTable(w io.Writer, cells []Cell, recs []Recommendation) error {
	f := statText
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "side\tmethod\talpha\tflips asked\tflips made\terror\tSP\tEqOd (mean of gaps)\tEqOd (max of gaps)\truns")
	for _, c := range cells {
		alpha := fmtFloat(c.Alpha)
		if alpha == "" {
			alpha = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", c.Side, c.Method, alpha, c.FlipsRequested,
			f(c.Flips, 1), f(c.Error, 4), f(c.SP, 4), f(c.EqOdMean, 4), f(c.EqOdMax, 4), c.Runs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeDetectTable(w, cells); err != nil {
		return err
	}
	if grid := GridUsed(cells); len(grid) > 0 {
		fmt.Fprintln(w)
		if err := WriteGridUsed(w, grid); err != nil {
			return err
		}
	}
	if len(recs) > 0 {
		fmt.Fprintln(w)
		writeAdvice(w, recs)
	}
	return nil
}

// GridDescription describes a grid for titles.
func GridDescription(cfg Config) string {
	var parts []string
	parts = append(parts, transform.Plural(len(cfg.Methods), "method"))
	parts = append(parts, transform.Plural(len(cfg.Alphas), "alpha"))
	parts = append(parts, transform.Plural(len(cfg.Flips), "flip count"))
	parts = append(parts, transform.Plural(cfg.Runs, "run"))
	return strings.Join(parts, " × ")
}
