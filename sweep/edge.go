package sweep

import (
	"fmt"
	"math"
)

// EdgeNotices says, for each method and collective size whose lowest mean
// EqOd lies at the largest flip count of the grid while every run's
// candidate pool held more rows than were flipped there, that the grid
// stops too early: a larger --flips may do better. (A best cell at the
// grid's edge is no best at all.)
func EdgeNotices(results []Result, cells []Cell) []string {
	pool := map[float64]int{} // alpha → its smallest pool over the runs
	for _, r := range results {
		if r.Side != SideCollective {
			continue
		}
		if p, ok := pool[r.Alpha]; !ok || r.Pool < p {
			pool[r.Alpha] = r.Pool
		}
	}
	type key struct {
		method string
		alpha  float64
	}
	best := map[key]Cell{}
	largest := map[key]Cell{} // the cell of the largest flip count (or percentage) the grid asks for
	var order []key
	for _, c := range cells {
		if c.Side != SideCollective || math.IsNaN(c.EqOdMean.Mean) {
			continue
		}
		k := key{c.Method, c.Alpha}
		if b, ok := best[k]; !ok {
			order = append(order, k)
			best[k] = c
		} else if c.EqOdMean.Mean < b.EqOdMean.Mean {
			best[k] = c
		}
		if c.FlipsRequested == "auto" {
			continue
		}
		if l, ok := largest[k]; !ok || flipsRank(c.FlipsRequested) > flipsRank(l.FlipsRequested) {
			largest[k] = c
		}
	}
	var out []string
	for _, k := range order {
		b := best[k]
		if b.FlipsRequested == "0" || b.FlipsRequested != largest[k].FlipsRequested || float64(pool[k.alpha]) <= b.Flips.Mean {
			continue
		}
		out = append(out, fmt.Sprintf("%s at alpha %g: the lowest EqOd (%.4f) is at the grid's largest flip count, %s, and the candidate pool holds %d or more: the best may lie beyond the grid; give --flips up to the pool's size (100%%)",
			k.method, k.alpha, b.EqOdMean.Mean, b.FlipsRequested, pool[k.alpha]))
	}
	return out
}
