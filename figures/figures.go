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
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/internal/tmpfile"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
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
//     Figure 3.
//   - pareto_error_eqod: every per-run result, collective and firm-side, as a
//     point (EqOd, error), with the Pareto front of the collective cells' means
//     as a step line. The paper's Figures 5–6.
//
// Undefined (NaN or infinite) values are left out, never drawn as 0. A figure
// with nothing to draw is not written. Methods are ordered rb-prob, rb-label,
// rb-dist, random, then the others alphabetically, and alphas ascending, so
// the same input always gives the same SVG bytes.
func Write(dir string, results []sweep.Result, cells []sweep.Cell, info sweep.PlotInfo) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	methods := plotMethods(results, cells)
	styles := plotStyles(methods)

	var figs []*plotFigure
	for _, a := range plotAlphas(cells) {
		if f := plotEqOdVsFlips(cells, a, methods, styles); f != nil {
			figs = append(figs, f)
		}
	}
	if f := plotBestVsAlpha(cells, methods, styles); f != nil {
		figs = append(figs, f)
	}
	if f := plotParetoFigure(results, cells, methods, styles); f != nil {
		figs = append(figs, f)
	}

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
	names = append(names, plotNameBestVsAlpha, plotNamePareto)
	var files []string
	for _, n := range names {
		files = append(files, n+".svg", n+".png")
	}
	return files
}

// plotFile is one rendered figure file.
type plotFile struct {
	name string // NAME.svg or NAME.png
	data []byte
}

// plotFigure is a plot with its legend, drawn outside the data area.
type plotFigure struct {
	name    string
	heading string
	p       *plot.Plot
	legend  plot.Legend
}

func newPlotFigure(name, heading, xlabel, ylabel string) *plotFigure {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(10)
		ax.Tick.Label.Font.Size = vg.Points(9)
		ax.Tick.Marker = plotTicker{}
	}
	p.X.Label.Padding = vg.Points(2)
	p.Y.Label.Padding = vg.Points(2)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	grid.Vertical.Dashes = nil
	grid.Horizontal.Dashes = nil
	p.Add(grid)

	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(9)
	leg.Top = true
	leg.Left = true
	leg.ThumbnailWidth = vg.Points(22)
	leg.Padding = vg.Points(2)
	return &plotFigure{name: name, heading: heading, p: p, legend: leg}
}

// render draws the figure as NAME.svg and NAME.png, in memory.
func (f *plotFigure) render(info sweep.PlotInfo) ([]plotFile, error) {
	sc := vgsvg.New(plotWidth, plotHeight)
	f.draw(draw.New(sc), info)
	var svg bytes.Buffer
	if _, err := sc.WriteTo(&svg); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.name, err)
	}
	ic := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
	f.draw(draw.New(ic), info)
	var png bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: ic}).WriteTo(&png); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.name, err)
	}
	return []plotFile{{f.name + ".svg", svg.Bytes()}, {f.name + ".png", png.Bytes()}}, nil
}

// draw lays the figure out on c: the title lines on top (the heading, then
// dataset · model · grid, wrapped to the width), the plot below on the left,
// the legend in a column on the right, level with the data area.
func (f *plotFigure) draw(c draw.Canvas, info sweep.PlotInfo) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	const margin = 6
	c = draw.Crop(c, vg.Points(margin), -vg.Points(margin), vg.Points(margin/2), -vg.Points(margin))

	head := f.p.Title.TextStyle
	head.Font.Size = vg.Points(11)
	head.XAlign = draw.XCenter
	head.YAlign = draw.YTop
	sub := head
	sub.Font.Size = vg.Points(9)
	sub.Color = color.Gray{Y: 60}

	y := c.Max.Y
	fill := func(sty text.Style, line string) {
		c.FillText(sty, vg.Point{X: c.Center().X, Y: y}, line)
		y -= sty.Height(line) + vg.Points(1)
	}
	if f.heading != "" {
		fill(head, f.heading)
	}
	for _, line := range plotWrap(sub, c.Size().X, info.Dataset, info.Model, info.Grid) {
		fill(sub, line)
	}
	c.Max.Y = y - vg.Points(4)

	lw := vg.Length(0)
	if r := f.legend.Rectangle(c); r.Size().Y > 0 { // the legend has entries
		lw = r.Size().X + vg.Points(10)
	}
	pc := c
	pc.Max.X -= lw
	f.p.Draw(pc)
	if lw > 0 {
		dc := f.p.DataCanvas(pc)
		lc := c
		lc.Min.X = pc.Max.X + vg.Points(10)
		lc.Max.Y = dc.Max.Y
		lc.Min.Y = dc.Min.Y
		f.legend.Draw(lc)
	}
}

// plotTicker puts about 5 to 10 labelled ticks on an axis at round steps
// (1, 2, 2.5 or 5 × 10^k), with unlabelled ticks halfway between.
type plotTicker struct{}

func (plotTicker) Ticks(lo, hi float64) []plot.Tick {
	if !plotFinite(lo, hi) || !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	prec := 0
	for d := step; prec < 15 && math.Abs(d-math.Round(d)) > 1e-9*step; d *= 10 {
		prec++
	}
	var ticks []plot.Tick
	half := step / 2
	for k := math.Ceil(lo / half); k*half <= hi+1e-9*step; k++ {
		v := k * half
		if int64(k)%2 != 0 {
			ticks = append(ticks, plot.Tick{Value: v})
			continue
		}
		if v == 0 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
	}
	return ticks
}

// plotWrap joins the non-empty parts with " · " into lines no wider than w
// (a part wider than w gets a line of its own).
func plotWrap(sty text.Style, w vg.Length, parts ...string) []string {
	var lines []string
	cur := ""
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if cur == "" {
			cur = p
			continue
		}
		if next := cur + " · " + p; sty.Width(next) <= w {
			cur = next
			continue
		}
		lines = append(lines, cur)
		cur = p
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// plotStyle is the colour and point shape of one method.
type plotStyle struct {
	color color.Color
	glyph draw.GlyphDrawer
}

// plotKnown are the fixed colours (Okabe–Ito, colour-blind safe) and
// shapes of the first registered methods (package scorer), which are
// plotted first, in their order.
var plotKnown = []plotStyle{
	{color.RGBA{0, 114, 178, 255}, draw.CircleGlyph{}},
	{color.RGBA{213, 94, 0, 255}, draw.BoxGlyph{}},
	{color.RGBA{0, 158, 115, 255}, draw.PyramidGlyph{}},
	{color.RGBA{110, 110, 110, 255}, plotDiamond{fill: true}},
}

// plotOther colours the other methods (firm-side baselines, new methods) in
// alphabetical order.
var plotOther = []plotStyle{
	{color.RGBA{204, 121, 167, 255}, plotInvTriangle{}},
	{color.RGBA{230, 159, 0, 255}, draw.SquareGlyph{}},
	{color.RGBA{86, 180, 233, 255}, draw.TriangleGlyph{}},
	{color.RGBA{0, 0, 0, 255}, draw.RingGlyph{}},
	{color.RGBA{170, 150, 0, 255}, draw.PlusGlyph{}},
}

// plotRank orders methods: the known ones first, in their order.
func plotRank(m string) int {
	if i := scorer.Index(m); i >= 0 && i < len(plotKnown) {
		return i
	}
	return len(plotKnown)
}

// plotMethods returns every method of the results and cells in plotting order.
func plotMethods(results []sweep.Result, cells []sweep.Cell) []string {
	var ms []string
	for _, r := range results {
		ms = append(ms, r.Method)
	}
	for _, c := range cells {
		ms = append(ms, c.Method)
	}
	slices.SortFunc(ms, func(a, b string) int {
		if ra, rb := plotRank(a), plotRank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(ms)
}

// plotStyles gives each method its style.
func plotStyles(methods []string) map[string]plotStyle {
	st := make(map[string]plotStyle, len(methods))
	other := 0
	for _, m := range methods {
		if r := plotRank(m); r < len(plotKnown) {
			st[m] = plotKnown[r]
			continue
		}
		st[m] = plotOther[other%len(plotOther)]
		other++
	}
	return st
}

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

// plotParetoFigure is the paper's Figures 5–6: error against EqOd for every run.
func plotParetoFigure(results []sweep.Result, cells []sweep.Cell, methods []string, styles map[string]plotStyle) *plotFigure {
	f := newPlotFigure(plotNamePareto,
		"Test error vs EqOd, every run (collective and firm-side baselines)",
		plotLabelEqOd, plotLabelError)
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

	var xs, ys []float64
	for _, c := range cells {
		if c.Side == sweep.SideCollective {
			xs = append(xs, c.EqOdMean.Mean)
			ys = append(ys, c.Error.Mean)
		}
	}
	if front := plotParetoFront(xs, ys); len(front) > 0 {
		var xys plotter.XYs
		for _, i := range front {
			xys = append(xys, plotter.XY{X: xs[i], Y: ys[i]})
		}
		l, err := plotter.NewLine(xys)
		s := plotMustScatter(xys)
		if err == nil && s != nil {
			l.StepStyle = plotter.PostStep
			l.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.3)}
			s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: plotRing{}}
			f.p.Add(l, s)
			f.legend.Add("Pareto front (collective, means)", l, s)
			drawn = true
		}
	}
	if !drawn {
		return nil
	}
	return f
}

// plotFade makes a colour translucent, for clouds of per-run points.
func plotFade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 140} // 55% opaque
}

// plotParetoFront returns the indices of the points (xs[i], ys[i]) that no
// other point dominates, lower being better in both: q dominates p when
// q.x ≤ p.x and q.y ≤ p.y, one of them strictly. Equal points do not dominate
// each other and are all kept. Points with an undefined coordinate are left
// out and dominate nothing. The indices are ordered by x, then y, then index,
// so the front runs from the lowest x (highest y) down to the lowest y.
func plotParetoFront(xs, ys []float64) []int {
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

// Glyphs that gonum does not have, or with a thicker stroke than its 0.5 pt.

// plotDiamond is a diamond, filled or hollow.
type plotDiamond struct{ fill bool }

func (g plotDiamond) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.15
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	if g.fill {
		c.Fill(p)
		return
	}
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.2)})
	c.Stroke(p)
}

// plotInvTriangle is a filled triangle pointing down.
type plotInvTriangle struct{}

func (plotInvTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r*0.5})
	p.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r*0.5})
	p.Close()
	c.Fill(p)
}

// plotCross is a bold ×, for firm-side baselines.
type plotCross struct{}

func (plotCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.6)}
	c.StrokeLine2(ls, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

// plotRing is a circle outline with a visible stroke.
type plotRing struct{}

func (plotRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.2)})
	c.Stroke(p)
}
