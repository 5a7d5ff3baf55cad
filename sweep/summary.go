package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/fairflip/fairflip/scorer"
)

// methodRank orders methods in reports: the registered methods in their
// order, then the firm-side baselines, then any other.
func methodRank(m string) int {
	if i := scorer.Index(m); i >= 0 {
		return i
	}
	n := len(scorer.Names())
	switch m {
	case BaselineMassaging:
		return n
	case BaselineReweighing:
		return n + 1
	}
	return n + 2
}

func flipsRank(s string) float64 {
	if s == "auto" {
		return math.Inf(1)
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

// Summarize aggregates the runs of each grid cell: mean and sample standard
// deviation of the flips made, error, SP and both EqOd forms. Undefined
// (NaN) values are left out of a mean and counted in Stat.N.
//
// The grouping is done with a gota DataFrame (GroupBy + Aggregation); the
// statistics are then recomputed NaN-aware, since gota's mean propagates NaN.
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
	df := dataframe.New(
		series.New(keys, series.String, "cell"),
		series.New(idx, series.Int, "i"),
	)
	groups := df.GroupBy("cell")
	if groups.Err != nil {
		return nil, groups.Err
	}
	agg := groups.Aggregation([]dataframe.AggregationType{dataframe.Aggregation_COUNT}, []string{"i"})
	if agg.Err != nil {
		return nil, agg.Err
	}
	byKey := map[string][]Result{}
	for i, k := range keys {
		byKey[k] = append(byKey[k], rs[i])
	}
	var cells []Cell
	for _, rec := range agg.Records()[1:] {
		members := byKey[rec[0]]
		first := members[0]
		if n, _ := strconv.ParseFloat(rec[1], 64); int(n) != len(members) {
			return nil, fmt.Errorf("summary: cell %s has %s runs in the frame but %d results", rec[0], rec[1], len(members))
		}
		c := Cell{Side: first.Side, Method: first.Method, Alpha: first.Alpha, FlipsRequested: first.FlipsRequested, Runs: len(members)}
		col := func(f func(Result) float64) Stat {
			xs := make([]float64, 0, len(members))
			for _, m := range members {
				if x := f(m); !math.IsNaN(x) {
					xs = append(xs, x)
				}
			}
			return stat(xs)
		}
		c.Flips = col(func(r Result) float64 { return float64(r.Flips) })
		c.Error = col(func(r Result) float64 { return r.Error })
		c.SP = col(func(r Result) float64 { return r.SP })
		c.EqOdMean = col(func(r Result) float64 { return r.EqOdMean })
		c.EqOdMax = col(func(r Result) float64 { return r.EqOdMax })
		cells = append(cells, c)
	}
	sort.SliceStable(cells, func(a, b int) bool {
		return lessCell(cells[a].Side, cells[a].Method, cells[a].Alpha, cells[a].FlipsRequested, cells[b].Side, cells[b].Method, cells[b].Alpha, cells[b].FlipsRequested)
	})
	return cells, nil
}

func cellKey(r Result) string {
	return r.Side + "\x00" + r.Method + "\x00" + fmtFloat(r.Alpha) + "\x00" + r.FlipsRequested
}

// stat returns the mean and the sample standard deviation (n−1; NaN for a
// single value) of xs.
func stat(xs []float64) Stat {
	s := Stat{Mean: math.NaN(), SD: math.NaN(), N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	s.Mean = sum / float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(xs)-1))
	}
	return s
}

// Recommendation is, for one collective size, what to do.
type Recommendation struct {
	Alpha float64 `json:"alpha"`
	// The cell with the lowest mean EqOd (mean form).
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
// reaches target (target ≤ 0: no target).
func Recommend(cells []Cell, target float64) []Recommendation {
	var alphas []float64
	seen := map[float64]bool{}
	for _, c := range cells {
		if c.Side == SideCollective && !seen[c.Alpha] {
			seen[c.Alpha] = true
			alphas = append(alphas, c.Alpha)
		}
	}
	sort.Float64s(alphas)
	var out []Recommendation
	for _, a := range alphas {
		r := Recommendation{Alpha: a, BestEqOd: math.Inf(1)}
		if target > 0 {
			r.TargetEqOd = target
			r.TargetFlips = math.Inf(1)
		}
		for _, c := range cells {
			if c.Side != SideCollective || c.Alpha != a || math.IsNaN(c.EqOdMean.Mean) {
				continue
			}
			if c.EqOdMean.Mean < r.BestEqOd {
				r.BestMethod, r.BestFlips, r.BestFlipsMade, r.BestEqOd, r.BestError = c.Method, c.FlipsRequested, c.Flips.Mean, c.EqOdMean.Mean, c.Error.Mean
			}
			if target > 0 && c.EqOdMean.Mean <= target && (c.Flips.Mean < r.TargetFlips || (c.Flips.Mean == r.TargetFlips && c.EqOdMean.Mean < r.TargetEqOdGot)) {
				r.TargetReached = true
				r.TargetMethod, r.TargetFlips, r.TargetEqOdGot, r.TargetError = c.Method, c.Flips.Mean, c.EqOdMean.Mean, c.Error.Mean
			}
		}
		if math.IsInf(r.BestEqOd, 1) {
			continue
		}
		if !r.TargetReached {
			r.TargetFlips = 0
		}
		out = append(out, r)
	}
	return out
}

// WriteResultsCSV writes one row per result.
func WriteResultsCSV(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rs {
		if err := cw.Write(r.CSVRecord()); err != nil {
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
	if err := cw.Write(SummaryCSVHeader); err != nil {
		return err
	}
	for _, c := range cells {
		rec := []string{c.Side, c.Method, fmtFloat(c.Alpha), c.FlipsRequested, strconv.Itoa(c.Runs),
			fmtFloat(c.Flips.Mean), fmtFloat(c.Flips.SD), fmtFloat(c.Error.Mean), fmtFloat(c.Error.SD),
			fmtFloat(c.SP.Mean), fmtFloat(c.SP.SD), fmtFloat(c.EqOdMean.Mean), fmtFloat(c.EqOdMean.SD),
			fmtFloat(c.EqOdMax.Mean), fmtFloat(c.EqOdMax.SD), strconv.Itoa(c.EqOdMean.N)}
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
	type jcell struct {
		Side           string  `json:"side"`
		Method         string  `json:"method"`
		Alpha          jsonNum `json:"alpha"`
		FlipsRequested string  `json:"flips_requested"`
		Runs           int     `json:"runs"`
		Flips          jstat   `json:"flips"`
		Error          jstat   `json:"error"`
		SP             jstat   `json:"sp"`
		EqOdMean       jstat   `json:"eqod_mean"`
		EqOdMax        jstat   `json:"eqod_max"`
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
	}
	out := struct {
		Dataset         string  `json:"dataset"`
		Model           string  `json:"model"`
		Grid            string  `json:"grid"`
		Cells           []jcell `json:"cells"`
		Recommendations []jrec  `json:"recommendations"`
	}{Dataset: info.Dataset, Model: info.Model, Grid: info.Grid}
	for _, c := range cells {
		out.Cells = append(out.Cells, jcell{c.Side, c.Method, jsonNum(c.Alpha), c.FlipsRequested, c.Runs, js(c.Flips), js(c.Error), js(c.SP), js(c.EqOdMean), js(c.EqOdMax)})
	}
	for _, r := range recs {
		out.Recommendations = append(out.Recommendations, jrec{r.Alpha, r.BestMethod, r.BestFlips, jsonNum(r.BestFlipsMade), jsonNum(r.BestEqOd), jsonNum(r.BestError),
			jsonNum(r.TargetEqOd), r.TargetReached, r.TargetMethod, jsonNum(r.TargetFlips), jsonNum(r.TargetEqOdGot), jsonNum(r.TargetError)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteSummaryTable writes the cells and recommendations for people.
func WriteSummaryTable(w io.Writer, cells []Cell, recs []Recommendation) error {
	f := func(s Stat, digits int) string {
		if math.IsNaN(s.Mean) {
			return "undefined"
		}
		if math.IsNaN(s.SD) {
			return strconv.FormatFloat(s.Mean, 'f', digits, 64)
		}
		return fmt.Sprintf("%.*f ± %.*f", digits, s.Mean, digits, s.SD)
	}
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
	base, hasBase := Base(cells)
	if len(recs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Recommendation (lowest mean EqOd, mean of the TPR and FPR gaps, over the grid):")
		if hasBase {
			fmt.Fprintf(w, "  without action: EqOd %.4f, error %.4f\n", base.EqOdMean.Mean, base.Error.Mean)
		}
		for _, r := range recs {
			line := fmt.Sprintf("  alpha %s: %s with %s flips (%.1f made on average): EqOd %.4f, error %.4f", fmtFloat(r.Alpha), r.BestMethod, r.BestFlips, r.BestFlipsMade, r.BestEqOd, r.BestError)
			if hasBase {
				line += fmt.Sprintf(" (%+.4f)", r.BestError-base.Error.Mean)
			}
			fmt.Fprintln(w, line)
			if r.TargetEqOd > 0 {
				if r.TargetReached {
					fmt.Fprintf(w, "    target EqOd <= %g: reached with %.1f flips (%s): EqOd %.4f, error %.4f\n", r.TargetEqOd, r.TargetFlips, r.TargetMethod, r.TargetEqOdGot, r.TargetError)
				} else {
					fmt.Fprintf(w, "    target EqOd <= %g: not reached on this grid\n", r.TargetEqOd)
				}
			}
		}
	}
	return nil
}

// GridDescription describes a grid for titles.
func GridDescription(cfg Config) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d methods", len(cfg.Methods)))
	parts = append(parts, fmt.Sprintf("%d alphas", len(cfg.Alphas)))
	parts = append(parts, fmt.Sprintf("%d flip counts", len(cfg.Flips)))
	parts = append(parts, fmt.Sprintf("%d runs", cfg.Runs))
	return strings.Join(parts, " × ")
}
