package figures

import (
	"image/color"
	"math"
	"sort"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotEqOdVsFlips is the paper's Figure 4 for one alpha.
func plotEqOdVsFlips(cells []sweep.Cell, alpha float64, methods []string, styles map[string]plotStyle) *plotFigure {
	f := newPlotFigure(
		plotNameEqOdVsFlips(alpha),
		"EqOd vs number of flips, collective α = "+plotFmtAlpha(alpha)+" (mean ± 1 SD over runs)",
		plotLabelFlips, plotLabelEqOd)

	var base0, baseAll []float64
	xmin, xmax := math.Inf(1), math.Inf(-1)
	anyAuto, drawn := false, false
	autoStyle := func(st plotStyle) draw.GlyphStyle {
		return draw.GlyphStyle{Color: st.color, Radius: vg.Points(4.5), Shape: plotDiamond{}}
	}
	for _, m := range methods {
		var line, auto []plotPt
		for _, c := range cells {
			if c.Side != sweep.SideCollective || c.Method != m {
				continue
			}
			if c.FlipsRequested == "0" {
				baseAll = append(baseAll, c.EqOdMean.Mean)
			}
			if c.Alpha != alpha {
				continue
			}
			if c.FlipsRequested == "0" {
				base0 = append(base0, c.EqOdMean.Mean)
			}
			pt := plotPt{c.Flips.Mean, c.EqOdMean.Mean, c.EqOdMean.SD}
			if !plotFinite(pt.x, pt.y) {
				continue
			}
			xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
			if c.FlipsRequested == "auto" {
				auto = append(auto, pt)
			} else {
				line = append(line, pt)
			}
		}
		sort.SliceStable(line, func(i, j int) bool { return line[i].x < line[j].x })
		st := styles[m]
		thumbs := plotAddSeries(f.p, line, st)
		if len(auto) > 0 {
			anyAuto = true
			s := plotMustScatter(plotXYs(auto))
			if s != nil {
				s.GlyphStyle = autoStyle(st)
				f.p.Add(s)
			}
			plotAddErrBars(f.p, auto, st.color)
			if len(thumbs) == 0 {
				thumbs = []plot.Thumbnailer{s}
			}
		}
		if len(thumbs) > 0 {
			f.legend.Add(m, thumbs...)
			drawn = true
		}
	}
	if !drawn {
		return nil
	}
	if anyAuto {
		s := plotMustScatter(plotter.XYs{{}})
		s.GlyphStyle = autoStyle(plotStyle{color: color.Black})
		f.legend.Add("flips “auto” (rule)", s)
	}
	base := plotMean(base0)
	if !plotFinite(base) {
		base = plotMean(baseAll)
	}
	if plotFinite(base) {
		if xmin == xmax {
			xmin, xmax = xmin-0.5, xmax+0.5
		}
		if l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: base}, {X: xmax, Y: base}}); err == nil {
			l.LineStyle = plotNoAction
			f.p.Add(l)
			f.legend.Add("no action", l)
		}
	}
	return f
}

// plotBestVsAlpha is the paper's Figure 3: the lowest mean EqOd over the flip
// counts (other than "0") of each method and alpha.
func plotBestVsAlpha(cells []sweep.Cell, methods []string, styles map[string]plotStyle) *plotFigure {
	f := newPlotFigure(plotNameBestVsAlpha,
		"Best EqOd over the flip counts vs collective size (± 1 SD of that cell)",
		plotLabelAlpha, "best "+plotLabelEqOd)
	alphas := plotAlphas(cells)
	drawn := false
	for _, m := range methods {
		var pts []plotPt
		for _, a := range alphas {
			best := plotPt{y: math.NaN()}
			for _, c := range cells {
				if c.Side != sweep.SideCollective || c.Method != m || c.Alpha != a || c.FlipsRequested == "0" {
					continue
				}
				if y := c.EqOdMean.Mean; plotFinite(y) && !(y >= best.y) {
					best = plotPt{a, y, c.EqOdMean.SD}
				}
			}
			if plotFinite(best.y) {
				pts = append(pts, best)
			}
		}
		if thumbs := plotAddSeries(f.p, pts, styles[m]); len(thumbs) > 0 {
			f.legend.Add(m, thumbs...)
			drawn = true
		}
	}
	if !drawn {
		return nil
	}
	var base plotter.XYs
	for _, a := range alphas {
		var ys []float64
		for _, c := range cells {
			if c.Side == sweep.SideCollective && c.Alpha == a && c.FlipsRequested == "0" {
				ys = append(ys, c.EqOdMean.Mean)
			}
		}
		if y := plotMean(ys); plotFinite(y) {
			base = append(base, plotter.XY{X: a, Y: y})
		}
	}
	if len(base) == 1 {
		// One alpha: a short horizontal segment rather than a lone point.
		base = append(base, base[0])
		base[0].X -= 0.01
		base[1].X += 0.01
	}
	if len(base) > 0 {
		if l, err := plotter.NewLine(base); err == nil {
			l.LineStyle = plotNoAction
			f.p.Add(l)
			f.legend.Add("no action", l)
		}
	}
	return f
}
