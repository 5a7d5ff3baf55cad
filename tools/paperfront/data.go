package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/figures"
)

// paperPoint is one (error, EqOd) point read off the paper's plots.
type paperPoint struct {
	dataset, series string
	err, eqod       float64
}

// parsePaper reads the paper's points: a header dataset,series,error,eqod
// and one point a row, every number in [0, 1].
func parsePaper(r io.Reader) ([]paperPoint, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "dataset,series,error,eqod" {
		return nil, errors.New("the header must be dataset,series,error,eqod")
	}
	var out []paperPoint
	for i, row := range rows[1:] {
		p := paperPoint{dataset: row[0], series: row[1]}
		var e1, e2 error
		p.err, e1 = strconv.ParseFloat(row[2], 64)
		p.eqod, e2 = strconv.ParseFloat(row[3], 64)
		if e1 != nil || e2 != nil || !(p.err >= 0 && p.err <= 1 && p.eqod >= 0 && p.eqod <= 1) {
			return nil, fmt.Errorf("line %d: error %q and eqod %q must be numbers in [0, 1]", i+2, row[2], row[3])
		}
		if p.dataset == "" || p.series == "" {
			return nil, fmt.Errorf("line %d: the dataset and the series must be named", i+2)
		}
		out = append(out, p)
	}
	return out, nil
}

// paperSeries is one series of the paper's points, in file order.
type paperSeries struct {
	name   string // without the table's prefix
	points []paperPoint
}

// selectPaper returns the series of dataset whose names begin with
// table + "/" (table empty: all), and are among names once that prefix is
// cut (names empty: all), in the order they first appear.
func selectPaper(points []paperPoint, dataset, table string, names []string) []paperSeries {
	var out []paperSeries
	for _, p := range points {
		if p.dataset != dataset {
			continue
		}
		name := p.series
		if table != "" {
			var ok bool
			if name, ok = strings.CutPrefix(name, table+"/"); !ok {
				continue
			}
		}
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		i := slices.IndexFunc(out, func(s paperSeries) bool { return s.name == name })
		if i < 0 {
			out = append(out, paperSeries{name: name})
			i = len(out) - 1
		}
		out[i].points = append(out[i].points, p)
	}
	return out
}

// seriesSpec is a parsed -series: a label, a summary file and the values
// each filtered column may take.
type seriesSpec struct {
	label, path string
	keep        map[string][]string
}

// filterColumns are the summary columns a -series may filter on.
var filterColumns = []string{"method", "alpha", "flips_requested", "side"}

// parseSeries parses LABEL=PATH[:KEY=V1,V2...]...
func parseSeries(s string) (seriesSpec, error) {
	label, rest, ok := strings.Cut(s, "=")
	if !ok || label == "" || rest == "" {
		return seriesSpec{}, fmt.Errorf("-series %q: want LABEL=FILE.summary.csv[:KEY=V1,V2...]", s)
	}
	parts := strings.Split(rest, ":")
	spec := seriesSpec{label: label, path: parts[0], keep: map[string][]string{"side": {"collective"}}}
	for _, f := range parts[1:] {
		key, vals, ok := strings.Cut(f, "=")
		if !ok || vals == "" || !slices.Contains(filterColumns, key) {
			return seriesSpec{}, fmt.Errorf("-series %q: filter %q: want KEY=V1,V2 with KEY one of %s", s, f, strings.Join(filterColumns, ", "))
		}
		spec.keep[key] = strings.Split(vals, ",")
	}
	return spec, nil
}

// cell is a summary cell: its mean EqOd and mean error, and what it is.
type cell struct {
	eqod, err float64
	what      string // method, α, M
}

// readSummary reads the cells of spec's summary CSV that pass its filters
// and have both means defined.
func readSummary(spec seriesSpec) ([]cell, error) {
	f, err := os.Open(spec.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s is empty", spec.path)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, need := range append([]string{"eqod_mean_mean", "error_mean"}, filterColumns...) {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: no column %q: is it a sweep summary (X.summary.csv)?", spec.path, need)
		}
	}
	var out []cell
	for _, row := range rows[1:] {
		keep := true
		for key, vals := range spec.keep {
			keep = keep && slices.Contains(vals, row[col[key]])
		}
		if !keep {
			continue
		}
		q, e1 := strconv.ParseFloat(row[col["eqod_mean_mean"]], 64)
		e, e2 := strconv.ParseFloat(row[col["error_mean"]], 64)
		if e1 != nil || e2 != nil || math.IsNaN(q) || math.IsNaN(e) {
			continue // an undefined mean (empty cell or NaN)
		}
		out = append(out, cell{eqod: q, err: e,
			what: fmt.Sprintf("%s, α %s, M %s", row[col["method"]], row[col["alpha"]], row[col["flips_requested"]])})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no cell passes the filters of %q", spec.path, spec.label)
	}
	return out, nil
}

// front returns the cells no other cell dominates (figures.ParetoFront:
// lower or equal in both EqOd and error, lower in one), by EqOd ascending:
// the lower-left front; of equal cells, the first.
func front(cells []cell) []cell {
	xs, ys := make([]float64, len(cells)), make([]float64, len(cells))
	for i, c := range cells {
		xs[i], ys[i] = c.eqod, c.err
	}
	var out []cell
	for _, i := range figures.ParetoFront(xs, ys) {
		c := cells[i]
		if !slices.ContainsFunc(out, func(o cell) bool { return o.eqod == c.eqod && o.err == c.err }) {
			out = append(out, c)
		}
	}
	return out
}
