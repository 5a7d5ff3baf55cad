package figures

import (
	"image/color"
	"sort"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figures of sweep --detect (drawn only when the cells carry a
// detection), one pair per alpha of the collective cells:
//
//   - detect_flagged_alpha<A>: the share of the flipped rows the firm's
//     label screen flags (solid, ±1 SD) and the share of the untouched
//     minority rows labelled positive it flags (dashed, the flipped rows'
//     like), against the mean number of flips, one colour per method; a
//     dotted black line for the share of all untouched rows (mean over the
//     methods' cells).
//   - detect_eqod_alpha<A>: the EqOd after the firm drops the flagged rows
//     and retrains (solid, ±1 SD), and without the screen (dashed), against
//     the mean number of flips.
func plotNameDetectFlagged(alpha float64) string { return "detect_flagged_alpha" + plotFmtAlpha(alpha) }
func plotNameDetectEqOd(alpha float64) string    { return "detect_eqod_alpha" + plotFmtAlpha(alpha) }

// DetectFiles returns the names of the files Write adds for a sweep with
// --detect over alphas (see Files).
func DetectFiles(alphas []float64) []string {
	var files []string
	for _, a := range alphas {
		for _, n := range []string{plotNameDetectFlagged(a), plotNameDetectEqOd(a)} {
			files = append(files, n+".svg", n+".png")
		}
	}
	return files
}

// plotDetectFigures builds the --detect figures (none without a detection).
func plotDetectFigures(cells []sweep.Cell, methods []string, styles map[string]plotStyle) []*plotFigure {
	any := false
	for _, c := range cells {
		if c.Detect != nil {
			any = true
			break
		}
	}
	if !any {
		return nil
	}
	var figs []*plotFigure
	for _, a := range plotAlphas(cells) {
		if f := plotDetectFlagged(cells, a, methods, styles); f != nil {
			figs = append(figs, f)
		}
		if f := plotDetectEqOd(cells, a, methods, styles); f != nil {
			figs = append(figs, f)
		}
	}
	return figs
}

// detectCells returns a method's collective cells at alpha with a
// detection, in increasing mean flips (auto left out: it is no count).
func detectCells(cells []sweep.Cell, m string, alpha float64) []sweep.Cell {
	var out []sweep.Cell
	for _, c := range cells {
		if c.Side == sweep.SideCollective && c.Method == m && c.Alpha == alpha && c.Detect != nil && c.FlipsRequested != "auto" && plotFinite(c.Flips.Mean) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flips.Mean < out[j].Flips.Mean })
	return out
}

// plotDashes and plotDots are the styles of the comparison lines.
var (
	plotDashes = []vg.Length{vg.Points(5), vg.Points(3)}
	plotDots   = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
)

// plotAddLine draws a plain line through the finite points (no markers).
func plotAddLine(p *plot.Plot, pts []plotPt, c color.Color, dashes []vg.Length) *plotter.Line {
	var xys plotter.XYs
	for _, q := range pts {
		if plotFinite(q.x, q.y) {
			xys = append(xys, plotter.XY{X: q.x, Y: q.y})
		}
	}
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil
	}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1), Dashes: dashes}
	p.Add(l)
	return l
}

func plotDetectFlagged(cells []sweep.Cell, alpha float64, methods []string, styles map[string]plotStyle) *plotFigure {
	f := newPlotFigure(plotNameDetectFlagged(alpha),
		"Rows the firm's label screen flags, collective α = "+plotFmtAlpha(alpha)+" (mean ± 1 SD over runs)",
		plotLabelFlips, "share of rows flagged")
	drawn, dashed := false, false
	byX := map[float64][]float64{}
	for _, m := range methods {
		var flipped, like []plotPt
		for _, c := range detectCells(cells, m, alpha) {
			d := c.Detect
			if plotFinite(d.FlaggedFlipped.Mean) {
				flipped = append(flipped, plotPt{c.Flips.Mean, d.FlaggedFlipped.Mean, d.FlaggedFlipped.SD})
			}
			like = append(like, plotPt{c.Flips.Mean, d.FlaggedUntouchedMiPos.Mean, 0})
			if plotFinite(d.FlaggedUntouched.Mean) {
				byX[c.Flips.Mean] = append(byX[c.Flips.Mean], d.FlaggedUntouched.Mean)
			}
		}
		st := styles[m]
		thumbs := plotAddSeries(f.p, flipped, st)
		if len(thumbs) > 0 {
			f.legend.Add(m+": flipped rows", thumbs...)
			drawn = true
		}
		if l := plotAddLine(f.p, like, st.color, plotDashes); l != nil {
			dashed = true
		}
	}
	if !drawn {
		return nil
	}
	if dashed {
		addDashedKey(f, "dashed: untouched minority rows labelled positive")
	}
	var xs []float64
	for x := range byX {
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	var all []plotPt
	for _, x := range xs {
		all = append(all, plotPt{x, plotMean(byX[x]), 0})
	}
	if l := plotAddLine(f.p, all, color.Black, plotDots); l != nil {
		f.legend.Add("all untouched rows", l)
	}
	return f
}

func plotDetectEqOd(cells []sweep.Cell, alpha float64, methods []string, styles map[string]plotStyle) *plotFigure {
	f := newPlotFigure(plotNameDetectEqOd(alpha),
		"EqOd after the firm drops the flagged rows, α = "+plotFmtAlpha(alpha)+" (mean ± 1 SD over runs)",
		plotLabelFlips, plotLabelEqOd)
	drawn, dashed := false, false
	for _, m := range methods {
		var after, before []plotPt
		for _, c := range detectCells(cells, m, alpha) {
			if plotFinite(c.Detect.EqOdMean.Mean) {
				after = append(after, plotPt{c.Flips.Mean, c.Detect.EqOdMean.Mean, c.Detect.EqOdMean.SD})
			}
			before = append(before, plotPt{c.Flips.Mean, c.EqOdMean.Mean, 0})
		}
		st := styles[m]
		if thumbs := plotAddSeries(f.p, after, st); len(thumbs) > 0 {
			f.legend.Add(m+": after screening", thumbs...)
			drawn = true
		}
		if l := plotAddLine(f.p, before, st.color, plotDashes); l != nil {
			dashed = true
		}
	}
	if !drawn {
		return nil
	}
	if dashed {
		addDashedKey(f, "dashed: without the screen")
	}
	return f
}

// addDashedKey adds a legend entry for what the dashed lines show.
func addDashedKey(f *plotFigure, text string) {
	l, _ := plotter.NewLine(plotter.XYs{{}, {}})
	l.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1), Dashes: plotDashes}
	f.legend.Add(text, l)
}
