package figures

import (
	"image/color"
	"math"
	"slices"
	"strconv"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotAlphas returns the distinct defined alphas of the collective cells, ascending.
func plotAlphas(cells []sweep.Cell) []float64 {
	var as []float64
	for _, c := range cells {
		if c.Side == sweep.SideCollective && plotFinite(c.Alpha) {
			as = append(as, c.Alpha)
		}
	}
	slices.Sort(as)
	return slices.Compact(as)
}

// plotFmtAlpha formats an alpha for file names and titles: 0.3 → "0.3".
func plotFmtAlpha(a float64) string {
	return strconv.FormatFloat(a, 'g', -1, 64)
}

func plotFinite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// plotPt is a point with a ±sd error bar (sd NaN or 0: no bar).
type plotPt struct{ x, y, sd float64 }

func plotXYs(pts []plotPt) plotter.XYs {
	xys := make(plotter.XYs, len(pts))
	for i, p := range pts {
		xys[i] = plotter.XY{X: p.x, Y: p.y}
	}
	return xys
}

// plotErrs are points with ±sd error bars (plotter.XYer and YErrorer).
type plotErrs []plotPt

func (e plotErrs) Len() int                        { return len(e) }
func (e plotErrs) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e plotErrs) YError(i int) (float64, float64) { return e[i].sd, e[i].sd }

// withBars keeps the points that have a defined, positive SD.
func (e plotErrs) withBars() plotErrs {
	return slices.DeleteFunc(slices.Clone(e), func(p plotPt) bool { return !plotFinite(p.sd) || p.sd <= 0 })
}

// plotAddErrBars draws ±SD bars for the points that have one.
func plotAddErrBars(p *plot.Plot, pts []plotPt, c color.Color) {
	bars := plotErrs(pts).withBars()
	if len(bars) == 0 {
		return
	}
	if eb, err := plotter.NewYErrorBars(bars); err == nil {
		eb.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(0.8)}
		eb.CapWidth = vg.Points(4)
		p.Add(eb)
	}
}

// plotMustScatter is a scatter of finite points (nil if they are not).
func plotMustScatter(xys plotter.XYs) *plotter.Scatter {
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil
	}
	return s
}

// plotAddSeries draws the points of one method: a line, its markers and ±SD
// bars. It returns the thumbnails for the legend.
func plotAddSeries(p *plot.Plot, pts []plotPt, st plotStyle) []plot.Thumbnailer {
	if len(pts) == 0 {
		return nil
	}
	xys := plotXYs(pts)
	plotAddErrBars(p, pts, st.color)
	var thumbs []plot.Thumbnailer
	if l, err := plotter.NewLine(xys); err == nil {
		l.LineStyle = draw.LineStyle{Color: st.color, Width: vg.Points(1.3)}
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	s := plotMustScatter(xys)
	if s != nil {
		s.GlyphStyle = draw.GlyphStyle{Color: st.color, Radius: vg.Points(3), Shape: st.glyph}
		p.Add(s)
		thumbs = append(thumbs, s)
	}
	return thumbs
}

// plotNoAction is the style of the "no action" reference line.
var plotNoAction = draw.LineStyle{
	Color:  color.Black,
	Width:  vg.Points(1),
	Dashes: []vg.Length{vg.Points(5), vg.Points(3)},
}

// plotMean is the mean of the defined values (NaN when there is none).
func plotMean(xs []float64) float64 {
	s, n := 0.0, 0
	for _, x := range xs {
		if plotFinite(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
