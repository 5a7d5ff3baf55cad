package figures

import (
	"image/color"
	"sort"
	"strconv"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotParetoFigure is the paper's Figures 5–6: error against EqOd for every run.
func plotParetoFigure(results []sweep.Result, cells []sweep.Cell, methods []string, styles map[string]plotStyle) *plotFigure {
	heading := "Test error vs EqOd, every run of the collective"
	for _, r := range results {
		if r.Side == sweep.SideFirm {
			heading = "Test error vs EqOd, every run (collective and firm-side baselines)"
			break
		}
	}
	f := newPlotFigure(plotNamePareto, heading+"; front labelled method, α, M flips", plotLabelEqOd, plotLabelError)
	drawn := false
	for _, side := range []string{sweep.SideCollective, sweep.SideFirm} {
		for _, m := range methods {
			var xys plotter.XYs
			for _, r := range results {
				if r.Side == side && r.Method == m && plotFinite(r.EqOdMean, r.Error) {
					xys = append(xys, plotter.XY{X: r.EqOdMean, Y: r.Error})
				}
			}
			if len(xys) == 0 {
				continue
			}
			st := styles[m]
			s := plotMustScatter(xys)
			if s == nil {
				continue
			}
			label := m
			s.GlyphStyle = draw.GlyphStyle{Color: plotFade(st.color), Radius: vg.Points(2.5), Shape: st.glyph}
			if side != sweep.SideCollective {
				label += " (firm-side)"
				s.GlyphStyle = draw.GlyphStyle{Color: st.color, Radius: vg.Points(3.5), Shape: plotCross{}}
			}
			f.p.Add(s)
			f.legend.Add(label, s)
			drawn = true
		}
	}

	if plotReductionsFront(f, cells, styles) {
		drawn = true
	}
	var xs, ys []float64
	var labels []string
	for _, c := range cells {
		if c.Side == sweep.SideCollective {
			xs = append(xs, c.EqOdMean.Mean)
			ys = append(ys, c.Error.Mean)
			labels = append(labels, plotCellLabel(c))
		}
	}
	if front := ParetoFront(xs, ys); len(front) > 0 {
		var xys plotter.XYs
		// One label per place: equal points (the cells without flips of
		// every method and alpha) share one.
		var lx, ly []float64
		var lt []string
		for k, i := range front {
			xys = append(xys, plotter.XY{X: xs[i], Y: ys[i]})
			if k > 0 && xs[i] == lx[len(lx)-1] && ys[i] == ly[len(ly)-1] {
				continue
			}
			var same []string
			for _, j := range front[k:] {
				if xs[j] == xs[i] && ys[j] == ys[i] {
					same = append(same, labels[j])
				}
			}
			lx, ly, lt = append(lx, xs[i]), append(ly, ys[i]), append(lt, plotJoinLabels(same))
		}
		l, err := plotter.NewLine(xys)
		s := plotMustScatter(xys)
		if err == nil && s != nil {
			l.StepStyle = plotter.PostStep
			l.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.3)}
			s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: plotRing{}}
			f.p.Add(l, s, newPlotPointLabels(lx, ly, lt))
			f.legend.Add("Pareto front (collective, means)", l, s)
			drawn = true
		}
	}
	if !drawn {
		return nil
	}
	return f
}

// plotReductionsFront draws the reductions baseline's cells (means over
// the runs) as one line in the order of their bound ε, each point labelled
// with its ε; it reports whether it drew anything.
func plotReductionsFront(f *plotFigure, cells []sweep.Cell, styles map[string]plotStyle) bool {
	type pt struct{ eps, x, y float64 }
	var pts []pt
	for _, c := range cells {
		eps, ok := sweep.ReductionsBound(c.FlipsRequested)
		if c.Side != sweep.SideFirm || c.Method != sweep.BaselineReductions || !ok || !plotFinite(c.EqOdMean.Mean, c.Error.Mean) {
			continue
		}
		pts = append(pts, pt{eps, c.EqOdMean.Mean, c.Error.Mean})
	}
	if len(pts) == 0 {
		return false
	}
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].eps < pts[b].eps })
	var xys plotter.XYs
	var lx, ly []float64
	var lt []string
	for _, p := range pts {
		xys = append(xys, plotter.XY{X: p.x, Y: p.y})
		lx, ly, lt = append(lx, p.x), append(ly, p.y), append(lt, "ε "+strconv.FormatFloat(p.eps, 'g', -1, 64))
	}
	l, err := plotter.NewLine(xys)
	s := plotMustScatter(xys)
	if err != nil || s == nil {
		return false
	}
	st := styles[sweep.BaselineReductions]
	l.LineStyle = draw.LineStyle{Color: st.color, Width: vg.Points(1.3), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
	s.GlyphStyle = draw.GlyphStyle{Color: st.color, Radius: vg.Points(3.5), Shape: plotRing{}}
	f.p.Add(l, s, newPlotPointLabels(lx, ly, lt))
	f.legend.Add(sweep.BaselineReductions+" by bound ε (means)", l, s)
	return true
}

// plotFade makes a colour translucent, for clouds of per-run points.
func plotFade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 140} // 55% opaque
}

// ParetoFront returns the indices of the points (xs[i], ys[i]) that no
// other point dominates, lower being better in both: q dominates p when
// q.x ≤ p.x and q.y ≤ p.y, one of them strictly. Equal points do not dominate
// each other and are all kept. Points with an undefined coordinate are left
// out and dominate nothing. The indices are ordered by x, then y, then index,
// so the front runs from the lowest x (highest y) down to the lowest y.
func ParetoFront(xs, ys []float64) []int {
	var front []int
	for i := range xs {
		if !plotFinite(xs[i], ys[i]) {
			continue
		}
		dominated := false
		for j := range xs {
			if j == i || !plotFinite(xs[j], ys[j]) {
				continue
			}
			if xs[j] <= xs[i] && ys[j] <= ys[i] && (xs[j] < xs[i] || ys[j] < ys[i]) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, i)
		}
	}
	sort.SliceStable(front, func(a, b int) bool {
		i, j := front[a], front[b]
		if xs[i] != xs[j] {
			return xs[i] < xs[j]
		}
		return ys[i] < ys[j]
	})
	return front
}
