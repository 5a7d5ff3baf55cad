package sweep

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// DefaultFlips is sweep's default flip grid: no flip, then 5%, 10%, ...,
// 100% of each collective's candidate pool (its members with a negative
// label, so the grid follows the data and each collective size), then
// each method's own rule (auto).
var DefaultFlips = func() []string {
	out := []string{"0"}
	for p := 5; p <= 100; p += 5 {
		out = append(out, strconv.Itoa(p)+"%")
	}
	return append(out, "auto")
}()

// DefaultFlipsText is DefaultFlips as --flips takes it.
var DefaultFlipsText = strings.Join(DefaultFlips, ",")

// GridUse is the flip grid as a sweep used it at one collective size: the
// candidate pool and the flips each requested value made, over the runs.
type GridUse struct {
	Alpha float64
	Pool  Stat // candidates per run
	Steps []GridStep
}

// GridStep is one requested grid value at one collective size.
type GridStep struct {
	Requested string // a count, a percentage of the pool, or auto
	Method    string // auto only: its count is each method's own
	Flips     Stat   // flips made, over the runs
}

// GridUsed returns, per collective size (ascending), the pool and the
// flips made by each requested value of the grid. A count or percentage
// makes the same flips with every method (they share the pool), so it is
// listed once; auto once per method that has it.
func GridUsed(cells []Cell) []GridUse {
	var out []GridUse
	at := map[float64]int{}
	seen := map[string]bool{}
	for _, c := range cells {
		if c.Side != SideCollective || math.IsNaN(c.Alpha) {
			continue
		}
		i, ok := at[c.Alpha]
		if !ok {
			i = len(out)
			at[c.Alpha] = i
			out = append(out, GridUse{Alpha: c.Alpha, Pool: c.Pool})
		}
		g := &out[i]
		g.Pool = widen(g.Pool, c.Pool)
		step := GridStep{Requested: c.FlipsRequested, Flips: c.Flips}
		if c.FlipsRequested == "auto" {
			step.Method = c.Method
		}
		k := fmtFloat(c.Alpha) + "\x00" + step.Requested + "\x00" + step.Method
		if seen[k] {
			continue
		}
		seen[k] = true
		g.Steps = append(g.Steps, step)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Alpha < out[b].Alpha })
	for _, g := range out {
		sort.SliceStable(g.Steps, func(a, b int) bool { return flipsRank(g.Steps[a].Requested) < flipsRank(g.Steps[b].Requested) })
	}
	return out
}

// widen returns s with its range widened to t's (the pool is the same for
// every method; this only guards against cells of different runs).
func widen(s, t Stat) Stat {
	if t.N > 0 {
		s.Min, s.Max = math.Min(s.Min, t.Min), math.Max(s.Max, t.Max)
	}
	return s
}

// rangeText writes a count's range over the runs: "42", or "40–45".
func rangeText(s Stat) string {
	if s.N == 0 || math.IsNaN(s.Min) {
		return "undefined"
	}
	if s.Min == s.Max {
		return strconv.FormatFloat(s.Min, 'f', -1, 64)
	}
	return strconv.FormatFloat(s.Min, 'f', -1, 64) + "–" + strconv.FormatFloat(s.Max, 'f', -1, 64)
}

// WriteGridUsed writes the grid as used, one line per collective size:
// its candidate pool and each requested value with the flips it made (a
// range over the runs when they differ).
func WriteGridUsed(w io.Writer, grid []GridUse) error {
	if len(grid) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "Flip grid used (per collective size: the candidate pool, the collective's members with a negative label, and the flips made for each requested value; a–b is the range over the runs):"); err != nil {
		return err
	}
	for _, g := range grid {
		var parts []string
		for _, s := range g.Steps {
			name := s.Requested
			if s.Method != "" {
				name += " (" + s.Method + ")"
			}
			parts = append(parts, name+": "+rangeText(s.Flips))
		}
		if _, err := fmt.Fprintf(w, "  alpha %s: pool %s; %s\n", fmtFloat(g.Alpha), rangeText(g.Pool), strings.Join(parts, ", ")); err != nil {
			return err
		}
	}
	return nil
}
