package main

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The axes' labels, as sweep's Pareto figure words them.
const (
	labelEqOd  = "EqOd = ½(|ΔTPR|+|ΔFPR|) on the test rows"
	labelError = "test error (misclassification rate)"
)

// drawnSeries is a fairflip series: its label and summary cells.
type drawnSeries struct {
	label string
	cells []cell
}

// figure is what paperfront draws.
type figure struct {
	title  string
	table  string // the paper's table drawn (its legend names it), or ""
	series []drawnSeries
	paper  []paperSeries
}

// The colours of fairflip's series (filled), and the glyphs and colours
// of the paper's (hollow), in order.
var (
	seriesColors = []color.Color{
		color.RGBA{0, 114, 178, 255},   // blue
		color.RGBA{213, 94, 0, 255},    // vermilion
		color.RGBA{0, 158, 115, 255},   // green
		color.RGBA{204, 121, 167, 255}, // purple
		color.RGBA{86, 180, 233, 255},  // sky blue
		color.RGBA{230, 159, 0, 255},   // orange
	}
	paperGlyphs = []draw.GlyphDrawer{draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
	paperColors = []color.Color{
		color.Gray{Y: 40},
		color.RGBA{170, 30, 30, 255},
		color.RGBA{90, 60, 150, 255},
		color.RGBA{150, 110, 0, 255},
		color.RGBA{0, 110, 110, 255},
	}
)

// render draws the figure as a PNG.
func (f *figure) render() ([]byte, error) {
	p := plot.New()
	p.Title.Text = f.title
	p.X.Label.Text = labelEqOd
	p.Y.Label.Text = labelError
	p.X.Min = 0 // EqOd is never negative: the ticks start at 0
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 225}, color.Gray{Y: 225}
	grid.Vertical.Dashes, grid.Horizontal.Dashes = nil, nil
	p.Add(grid)
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Size = vg.Points(9)
	leg.ThumbnailWidth = vg.Points(22)

	for i, s := range f.series {
		c := seriesColors[i%len(seriesColors)]
		var all plotter.XYs
		for _, x := range s.cells {
			all = append(all, plotter.XY{X: x.eqod, Y: x.err})
		}
		cloud, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		cloud.GlyphStyle = draw.GlyphStyle{Color: fade(c), Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
		var fr plotter.XYs
		for _, x := range front(s.cells) {
			fr = append(fr, plotter.XY{X: x.eqod, Y: x.err})
		}
		line, err := plotter.NewLine(fr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		line.StepStyle = plotter.PostStep
		line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
		marks, _ := plotter.NewScatter(fr)
		marks.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(cloud, line, marks)
		leg.Add(s.label+": front of the means", line, marks)
		leg.Add(s.label+": every cell", cloud)
	}
	for i, s := range f.paper {
		var xys plotter.XYs
		for _, x := range s.points {
			xys = append(xys, plotter.XY{X: x.eqod, Y: x.err})
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("paper %s: %w", s.name, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: paperColors[i%len(paperColors)], Radius: vg.Points(3.8), Shape: paperGlyphs[i%len(paperGlyphs)]}
		p.Add(sc)
		name := "paper: " + s.name
		if f.table != "" {
			name = "paper, " + f.table + ": " + s.name
		}
		leg.Add(name, sc)
	}
	c := vgimg.NewWith(vgimg.UseWH(10.5*vg.Inch, 5.5*vg.Inch), vgimg.UseDPI(110))
	layout(draw.New(c), p, leg)
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// layout draws p on c, on white, with the legend in a column on its
// right, level with the data area.
func layout(c draw.Canvas, p *plot.Plot, leg plot.Legend) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = draw.Crop(c, vg.Points(6), -vg.Points(6), vg.Points(4), -vg.Points(6))
	pc := c
	pc.Max.X -= leg.Rectangle(c).Size().X + vg.Points(12)
	p.Draw(pc)
	dc := p.DataCanvas(pc)
	lc := c
	lc.Min.X, lc.Min.Y, lc.Max.Y = pc.Max.X+vg.Points(12), dc.Min.Y, dc.Max.Y
	leg.Draw(lc)
}

// fade makes a colour translucent, for the cloud of cells.
func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 110}
}
