package figures

import (
	"image/color"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/sweep"
	"gonum.org/v1/plot/vg/draw"
)

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
