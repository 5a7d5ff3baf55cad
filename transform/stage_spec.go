package transform

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/fairflip/fairflip/model"
)

// Spec is how the model sees the features: the columns kept, their kind,
// their missing indicator and, for text, their levels in first-seen order.
type Spec struct {
	Index      []int // kept feature → index in Batch.Cells
	Names      []string
	Numeric    []bool
	HasMissing []bool
	Levels     [][]string // text columns: the levels, in first-seen order
	Notices    []string

	// index is levelIndex's, built on first use; the batches of a plan
	// use it from their goroutines, so it is built under indexMu.
	indexMu sync.Mutex
	index   []map[string]int32
}

// MakeSpec decides the features from the whole table's counts and levels:
// a column is text if any of its present cells is not a number (or it is
// named in --categorical), and its levels are its distinct values in
// first-seen order; identifier-like text columns are left out unless
// named.
func (o *Options) MakeSpec(st *Stats, lv *Levels) (*Spec, error) {
	sp := &Spec{}
	var ids []string
	for j, c := range st.Cols {
		var levels []string
		if c.Text {
			m := lv.First[j]
			levels = make([]string, 0, len(m))
			for v := range m {
				levels = append(levels, v)
			}
			slices.SortFunc(levels, func(a, b string) int { return cmp.Compare(m[a], m[b]) })
			if !st.Explicit[j] && c.Present >= 20 && float64(len(levels)) >= 0.9*float64(c.Present) {
				ids = append(ids, fmt.Sprintf("%s (%d distinct values)", st.Features[j], len(levels)))
				continue
			}
		}
		sp.Index = append(sp.Index, j)
		sp.Names = append(sp.Names, st.Features[j])
		sp.Numeric = append(sp.Numeric, !c.Text)
		sp.HasMissing = append(sp.HasMissing, !c.Text && (c.Missing > 0 || c.NonFinite > 0))
		sp.Levels = append(sp.Levels, levels)
	}
	if len(ids) > 0 {
		sp.Notices = append(sp.Notices, fmt.Sprintf("left out of the features because nearly all their values are distinct, like identifiers: %s; name a column in --features to use it", strings.Join(ids, ", ")))
	}
	for k, j := range sp.Index {
		if c := st.Cols[j]; sp.Numeric[k] && c.NonFinite > 0 {
			sp.Notices = append(sp.Notices, fmt.Sprintf("feature %s: %s infinite or beyond the range of a float64 (such as Inf, -Inf or 1e400); read as missing", sp.Names[k], plural(c.NonFinite, "number")))
		}
	}
	return sp, nil
}

// batchColumns builds the kept feature columns of rows of b as the loader
// would for the whole table: a numeric column's values (missing and
// non-finite numbers are NaN), a text column's codes into the table's
// levels.
func (sp *Spec) batchColumns(b *Batch, rows []int) []model.Column {
	cols := make([]model.Column, len(sp.Index))
	for k, j := range sp.Index {
		cc := &b.Cols[j]
		c := model.Column{Name: sp.Names[k], Numeric: sp.Numeric[k]}
		if c.Numeric {
			info := cc.infos() // NaN for a missing, non-finite or text level
			c.Num = make([]float64, len(rows))
			for i, r := range rows {
				c.Num[i] = info[cc.Codes[r]].num
			}
		} else {
			// Each level the rows use is looked up once.
			global := sp.levelIndex(k)
			code := make([]int32, len(cc.Levels))
			for l := range code {
				code[l] = -2 // not looked up yet
			}
			c.Levels = sp.Levels[k]
			c.Codes = make([]int32, len(rows))
			for i, r := range rows {
				l := cc.Codes[r]
				if code[l] == -2 {
					v := cc.Levels[l]
					g, ok := global[v]
					if !ok || model.IsMissing(v) {
						// Missing, or (only in a batch read after the
						// levels were taken) a value the table did not have.
						g = -1
					}
					code[l] = g
				}
				c.Codes[i] = code[l]
			}
		}
		cols[k] = c
	}
	return cols
}

// levelIndex maps the levels of kept feature k to their codes.
func (sp *Spec) levelIndex(k int) map[string]int32 {
	sp.indexMu.Lock()
	defer sp.indexMu.Unlock()
	if sp.index == nil {
		sp.index = make([]map[string]int32, len(sp.Index))
	}
	if sp.index[k] == nil {
		m := make(map[string]int32, len(sp.Levels[k]))
		for l, v := range sp.Levels[k] {
			m[v] = int32(l)
		}
		sp.index[k] = m
	}
	return sp.index[k]
}
