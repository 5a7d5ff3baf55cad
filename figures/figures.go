// Package figures draws the figures of a sweep (package sweep) as SVG and
// PNG files: EqOd against the number of flips, the best EqOd against the
// collective size, and the error-EqOd Pareto front (the paper's Figures 3–6).
//
// It is a package of its own so that sweep, and whatever imports it, does
// not pull in gonum/plot and its fonts, PDF and image code: sweep computes
// the results and their summaries, figures draws them, and the command
// (cmd/fairflip) imports both.
package figures

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fairflip/fairflip/internal/tmpfile"
	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot/vg"
)

// Figure size and PNG resolution.
const (
	plotWidth  = 16 * vg.Centimeter
	plotHeight = 10 * vg.Centimeter
	plotDPI    = 150 // 16×10 cm → 945×591 px
)

// Axis labels shared by the figures.
const (
	plotLabelEqOd  = "EqOd = ½(|ΔTPR|+|ΔFPR|) on the test rows"
	plotLabelError = "test error (misclassification rate)"
	plotLabelFlips = "flips (labels changed), mean over runs"
	plotLabelAlpha = "collective size α (fraction of the minority)"
)

// Write writes the figures of a sweep to dir (created if missing), each as
// NAME.svg and NAME.png, and returns the paths written (for each figure the
// SVG, then the PNG).
//
// The figures, drawn from the collective side (sweep.SideCollective) unless noted:
//
//   - eqod_vs_flips_alpha<A>, one per alpha of the collective cells (0.3 →
//     "0.3"): mean EqOd ±1 SD against the mean number of flips made, one line
//     per method; cells with FlipsRequested "auto" as unconnected hollow
//     diamonds in the method's colour; a dashed "no action" line at the mean
//     EqOd of the cells with FlipsRequested "0" at that alpha (of all alphas
//     when that alpha has none). The paper's Figure 4.
//   - best_eqod_vs_alpha: for each method and alpha, the lowest mean EqOd over
//     the flip counts other than "0" (±1 SD of that cell) against alpha, with
//     the flips-0 EqOd per alpha as a dashed "no action" line. The paper's
//     Figure 3. Drawn only for two alphas or more: for one, it would be a
//     single point per method, which eqod_vs_flips_alpha<A> shows in full
//     (see Notices).
//   - pareto_error_eqod: every per-run result, collective and firm-side, as a
//     point (EqOd, error), with the Pareto front of the collective cells' means
//     as a step line. The paper's Figures 5–6.
//   - detect_flagged_alpha<A> and detect_eqod_alpha<A>, with sweep --detect
//     only (figures/detect.go).
//
// Undefined (NaN or infinite) values are left out, never drawn as 0. A figure
// with nothing to draw is not written. Methods are ordered rb-prob, rb-label,
// rb-dist, random, then the others alphabetically, and alphas ascending, so
// the same input always gives the same SVG bytes.
func Write(dir string, results []sweep.Result, cells []sweep.Cell, info sweep.PlotInfo) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	figs := plotFigures(results, cells)

	// Render every file first, then write each to a temporary file beside
	// its target, and rename them all only once all are written: a failure
	// leaves the folder's previous figures as they were.
	var files []plotFile
	for _, f := range figs {
		fs, err := f.render(info)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	var tmps []string
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	for _, pf := range files {
		t, err := tmpfile.Beside(filepath.Join(dir, pf.name))
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("plot: %w", err)
		}
		tmps = append(tmps, t.Name())
		_, err = t.Write(pf.data)
		if cerr := t.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(t.Name(), 0o644)
		}
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("plot: writing %s: %w", filepath.Join(dir, pf.name), err)
		}
	}
	var paths []string
	for _, pf := range files {
		paths = append(paths, filepath.Join(dir, pf.name))
	}
	defer tmpfile.Lock(paths...)() // two sweeps into one folder: all of one's figures
	paths = paths[:0]
	for i, pf := range files {
		path := filepath.Join(dir, pf.name)
		if err := os.Rename(tmps[i], path); err != nil {
			cleanup()
			return paths, fmt.Errorf("plot: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Notices says what Write leaves out of a sweep's figures and why, for the
// command to print: with a single alpha, best_eqod_vs_alpha.
func Notices(cells []sweep.Cell) []string {
	if as := plotAlphas(cells); len(as) == 1 {
		a := plotFmtAlpha(as[0])
		return []string{"plots: " + plotNameBestVsAlpha + " is drawn for two collective sizes or more; with one (α = " + a +
			"), " + plotNameEqOdVsFlips(as[0]) + " shows EqOd against the flips instead (give --alpha a list to compare sizes)"}
	}
	return nil
}

// plotFigures builds the figures of a sweep, in the order Write writes them.
func plotFigures(results []sweep.Result, cells []sweep.Cell) []*plotFigure {
	methods := plotMethods(results, cells)
	styles := plotStyles(methods)
	var figs []*plotFigure
	for _, a := range plotAlphas(cells) {
		if f := plotEqOdVsFlips(cells, a, methods, styles); f != nil {
			figs = append(figs, f)
		}
	}
	if len(plotAlphas(cells)) > 1 {
		if f := plotBestVsAlpha(cells, methods, styles); f != nil {
			figs = append(figs, f)
		}
	}
	if f := plotParetoFigure(results, cells, methods, styles); f != nil {
		figs = append(figs, f)
	}
	figs = append(figs, plotDetectFigures(cells, methods, styles)...) // sweep --detect only
	return figs
}

// Figure is one figure of a sweep drawn as SVG in memory (for a report).
type Figure struct {
	Name    string // as in Write's file names, without .svg
	Heading string // the figure's title
	SVG     []byte // a complete SVG document, the bytes Write writes to NAME.svg
}

// Render draws the figures that Write writes, as SVG, in the same order,
// without writing anything.
func Render(results []sweep.Result, cells []sweep.Cell, info sweep.PlotInfo) ([]Figure, error) {
	var out []Figure
	for _, f := range plotFigures(results, cells) {
		svg, err := f.renderSVG(info)
		if err != nil {
			return nil, err
		}
		out = append(out, Figure{Name: f.name, Heading: f.heading, SVG: svg})
	}
	return out, nil
}

// The figures' names (each is written as NAME.svg and NAME.png).
const (
	plotNameBestVsAlpha = "best_eqod_vs_alpha"
	plotNamePareto      = "pareto_error_eqod"
)

func plotNameEqOdVsFlips(alpha float64) string { return "eqod_vs_flips_alpha" + plotFmtAlpha(alpha) }

// Files returns the names of every file Write may write into its folder
// for a sweep over alphas, so that a command can check them before the
// sweep runs (no output may be an input).
func Files(alphas []float64) []string {
	var names []string
	for _, a := range alphas {
		names = append(names, plotNameEqOdVsFlips(a))
	}
	if len(alphas) > 1 {
		names = append(names, plotNameBestVsAlpha)
	}
	names = append(names, plotNamePareto)
	var files []string
	for _, n := range names {
		files = append(files, n+".svg", n+".png")
	}
	return files
}
