package figures

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

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
	svg, err := f.renderSVG(info)
	if err != nil {
		return nil, err
	}
	ic := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
	f.draw(draw.New(ic), info)
	var png bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: ic}).WriteTo(&png); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.name, err)
	}
	return []plotFile{{f.name + ".svg", svg}, {f.name + ".png", png.Bytes()}}, nil
}

// renderSVG draws the figure as an SVG document, in memory.
func (f *plotFigure) renderSVG(info sweep.PlotInfo) ([]byte, error) {
	sc := vgsvg.New(plotWidth, plotHeight)
	f.draw(draw.New(sc), info)
	var svg bytes.Buffer
	if _, err := sc.WriteTo(&svg); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.name, err)
	}
	return svg.Bytes(), nil
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
