package figures

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotCellLabel names a collective cell on a figure: "rb-prob, α 0.3, M 40";
// the cells without flips, which every method and alpha share, are
// "no action".
func plotCellLabel(c sweep.Cell) string {
	if c.FlipsRequested == "0" {
		return "no action"
	}
	return c.Method + ", α " + plotFmtAlpha(c.Alpha) + ", M " + c.FlipsRequested
}

// plotJoinLabels joins the distinct labels of points drawn at one place:
// the first two, then how many more.
func plotJoinLabels(labels []string) string {
	var distinct []string
	seen := map[string]bool{}
	for _, l := range labels {
		if !seen[l] {
			seen[l] = true
			distinct = append(distinct, l)
		}
	}
	if len(distinct) <= 2 {
		return strings.Join(distinct, "; ")
	}
	return strings.Join(distinct[:2], "; ") + "; +" + strconv.Itoa(len(distinct)-2) + " more"
}

// plotPointLabels draws a text beside each of its points (plot.Plotter).
// Each label goes to the place around its point, among a few, that overlaps
// least the labels already placed, the points and the data area's edges,
// so that the labels of a crowded front stay readable; a label set away
// from its point gets a thin leader line.
type plotPointLabels struct {
	x, y  []float64
	texts []string
	style text.Style
}

func newPlotPointLabels(x, y []float64, texts []string) *plotPointLabels {
	sty := plot.New().Title.TextStyle // the default font
	sty.Font.Size = vg.Points(7.5)
	sty.Color = color.Gray{Y: 40}
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YBottom
	return &plotPointLabels{x: x, y: y, texts: texts, style: sty}
}

// Plot implements plot.Plotter.
func (l *plotPointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	const gap, r = vg.Length(4), vg.Length(4.5) // label gap; the half size of a point's marker
	pts := make([]vg.Point, len(l.x))
	var taken []vg.Rectangle // the points' markers, then the labels placed
	nPts := len(l.x)
	for i := range l.x {
		pts[i] = vg.Point{X: trX(l.x[i]), Y: trY(l.y[i])}
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: pts[i].X - r, Y: pts[i].Y - r}, Max: vg.Point{X: pts[i].X + r, Y: pts[i].Y + r}})
	}
	for i, txt := range l.texts {
		if txt == "" {
			continue
		}
		w, h := l.style.Width(txt), l.style.Height(txt)
		pt := pts[i]
		// Candidate lower-left corners: right, left, above, below, the
		// diagonals, then the same farther out (with a leader line).
		var cands []vg.Point
		for _, far := range []vg.Length{0, 1.5 * h, 3 * h, 5 * h, 7 * h} {
			cands = append(cands,
				vg.Point{X: pt.X + gap + far, Y: pt.Y - h/2},
				vg.Point{X: pt.X - gap - w - far, Y: pt.Y - h/2},
				vg.Point{X: pt.X - w/2, Y: pt.Y + gap + far},
				vg.Point{X: pt.X - w/2, Y: pt.Y - gap - h - far},
				vg.Point{X: pt.X + gap, Y: pt.Y + gap + far},
				vg.Point{X: pt.X + gap, Y: pt.Y - gap - h - far},
				vg.Point{X: pt.X - gap - w, Y: pt.Y + gap + far},
				vg.Point{X: pt.X - gap - w, Y: pt.Y - gap - h - far},
			)
		}
		best, bestCost := 0, math.Inf(1)
		for k, cp := range cands {
			box := vg.Rectangle{Min: cp, Max: vg.Point{X: cp.X + w, Y: cp.Y + h}}
			cost := 0.0
			for k, t := range taken {
				o := overlap(box, t)
				if k >= nPts {
					o *= 3 // text over text is the worst
				}
				cost += o
			}
			// Outside the data area: as bad as covering its own size.
			out := float64(w*h) - overlap(box, c.Rectangle)
			cost += 2 * out
			cost += float64(k/8) * 0.04 * float64(w*h) // nearer is better
			if cost < bestCost {
				best, bestCost = k, cost
			}
		}
		cp := cands[best]
		box := vg.Rectangle{Min: cp, Max: vg.Point{X: cp.X + w, Y: cp.Y + h}}
		taken = append(taken, box)
		if best >= 8 { // set away from its point: a leader line to the nearest edge
			end := vg.Point{X: clampLen(pt.X, box.Min.X, box.Max.X), Y: clampLen(pt.Y, box.Min.Y, box.Max.Y)}
			c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 100}, Width: vg.Points(0.6)}, pt.X, pt.Y, end.X, end.Y)
		}
		// A translucent white box behind the text keeps it readable over
		// the front's line and the points.
		halo := vg.Points(1)
		c.SetColor(color.NRGBA{255, 255, 255, 190})
		c.Fill(vg.Rectangle{Min: vg.Point{X: box.Min.X - halo, Y: box.Min.Y}, Max: vg.Point{X: box.Max.X + halo, Y: box.Max.Y}}.Path())
		c.FillText(l.style, cp, txt)
	}
}

// overlap is the area two rectangles share.
func overlap(a, b vg.Rectangle) float64 {
	w := math.Min(float64(a.Max.X), float64(b.Max.X)) - math.Max(float64(a.Min.X), float64(b.Min.X))
	h := math.Min(float64(a.Max.Y), float64(b.Max.Y)) - math.Max(float64(a.Min.Y), float64(b.Min.Y))
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

func clampLen(v, lo, hi vg.Length) vg.Length {
	return max(lo, min(v, hi))
}
