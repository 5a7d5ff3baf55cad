// Command paperfront draws error–EqOd Pareto fronts of fairflip sweeps
// beside the points read off the paper's plots, as one PNG.
//
//	go run ./tools/paperfront -paper docs/reproduction/paper_points.csv \
//	    -dataset COMPAS -paper-table restricted \
//	    -series 'fairflip, 10 majority rows=out/compas_ref10.summary.csv:method=rb-prob,rb-label,rb-dist' \
//	    -series 'fairflip, all majority rows=docs/reproduction/compas.summary.csv:method=rb-prob,rb-label,rb-dist' \
//	    -o compas.png
//
// The axes are those of sweep's Pareto figure (figures/pareto.go): EqOd
// (mean of the two gaps) across, test error up. Each -series is
// LABEL=PATH[:KEY=V1,V2...]..., PATH a sweep summary CSV (what
// `sweep -o X.csv` writes as X.summary.csv); its cells (mean EqOd and mean
// error over the runs) are drawn as small points, and their lower-left
// Pareto front (no other cell has both a lower EqOd and a lower error) as
// a step line with filled markers. KEY is a column of the summary and the
// cells kept are those whose value is one of the Vs: method, alpha,
// flips_requested, side (default side=collective; side=firm for the
// firm-side baselines). PATH may not hold a colon.
//
// The paper's points come from a CSV with the columns
// dataset,series,error,eqod; -dataset picks its rows and -paper-table the
// series whose name begins with that table's name and a slash
// ("restricted/10 majority samples"), and -paper-series, if given, only
// the series of those names. Each paper series is drawn with its
// own marker, labelled "paper, TABLE: NAME".
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// seriesFlag collects repeated -series values.
type seriesFlag []string

func (s *seriesFlag) String() string     { return strings.Join(*s, "; ") }
func (s *seriesFlag) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var series seriesFlag
	paper := flag.String("paper", "docs/reproduction/paper_points.csv", "the paper's points: a CSV with the columns dataset,series,error,eqod")
	dataset := flag.String("dataset", "", "the data set of the paper's points to draw (its name in the dataset column); empty: none")
	table := flag.String("paper-table", "", "draw the paper series whose names begin with TABLE/ (restricted, firm-side); empty: every series of the data set")
	only := flag.String("paper-series", "", "of those, draw only these series (comma-separated names without TABLE/, e.g. 'base,collective action'); empty: all")
	title := flag.String("title", "", "the figure's title")
	out := flag.String("o", "", "the PNG file to write")
	flag.Var(&series, "series", "a fairflip series: LABEL=SUMMARY.csv[:KEY=V1,V2...]... (KEY: method, alpha, flips_requested, side; default side=collective); repeat for more")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: paperfront [-paper FILE] [-dataset NAME] [-paper-table TABLE] -series 'LABEL=FILE.summary.csv[:method=a,b]' ... -o OUT.png\n\n"+
			"Draws the error–EqOd Pareto front (lower-left: no other cell is better in both) of each series of sweep\n"+
			"summary cells beside the paper's plotted points. EqOd across, test error up, as sweep's Pareto figure.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	if err := run(*paper, *dataset, *table, names, *title, *out, series); err != nil {
		fmt.Fprintln(os.Stderr, "paperfront:", err)
		os.Exit(2)
	}
}

func run(paperPath, dataset, table string, names []string, title, out string, series []string) error {
	if out == "" {
		return fmt.Errorf("name the PNG to write with -o")
	}
	if len(series) == 0 && dataset == "" {
		return fmt.Errorf("nothing to draw: give -series, -dataset or both")
	}
	fig := figure{title: title, table: table}
	for _, s := range series {
		spec, err := parseSeries(s)
		if err != nil {
			return err
		}
		cells, err := readSummary(spec)
		if err != nil {
			return err
		}
		fig.series = append(fig.series, drawnSeries{label: spec.label, cells: cells})
	}
	if dataset != "" {
		f, err := os.Open(paperPath)
		if err != nil {
			return err
		}
		points, err := parsePaper(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", paperPath, err)
		}
		fig.paper = selectPaper(points, dataset, table, names)
		if len(fig.paper) == 0 {
			return fmt.Errorf("%s: no points of data set %q in table %q", paperPath, dataset, table)
		}
	}
	png, err := fig.render()
	if err != nil {
		return err
	}
	return os.WriteFile(out, png, 0o644)
}
