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

	indexOnce sync.Once
	index     []map[string]int32 // levelIndex
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
	num, codes := make([][]float64, len(sp.Index)), make([][]int32, len(sp.Index))
	for k := range sp.Index {
		cols[k] = model.Column{Name: sp.Names[k], Numeric: sp.Numeric[k]}
		if sp.Numeric[k] {
			num[k] = make([]float64, len(rows))
			cols[k].Num = num[k]
		} else {
			codes[k] = make([]int32, len(rows))
			cols[k].Levels, cols[k].Codes = sp.Levels[k], codes[k]
		}
	}
	sp.readColumns(b, rows, num, codes)
	return cols
}

// readColumns writes the kept features of the batch's rows as the model
// reads them into num[k] (a numeric feature) or codes[k] (a text one,
// codes into the table's levels), each as long as rows.
func (sp *Spec) readColumns(b *Batch, rows []int, num [][]float64, codes [][]int32) {
	for k, j := range sp.Index {
		cc := &b.Cols[j]
		if sp.Numeric[k] {
			info := cc.infos() // NaN for a missing, non-finite or text level
			dst := num[k]
			for i, r := range rows {
				dst[i] = info[cc.Codes[r]].num
			}
			continue
		}
		// Each level the rows use is looked up once.
		global := sp.levelIndex(k)
		code := make([]int32, len(cc.Levels))
		for l := range code {
			code[l] = -2 // not looked up yet
		}
		dst := codes[k]
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
			dst[i] = code[l]
		}
	}
}

// levelIndex maps the levels of kept feature k to their codes. The maps
// are built once, for every worker that reads batches with sp.
func (sp *Spec) levelIndex(k int) map[string]int32 {
	sp.indexOnce.Do(func() {
		sp.index = make([]map[string]int32, len(sp.Index))
		for k, levels := range sp.Levels {
			if sp.Numeric[k] {
				continue
			}
			m := make(map[string]int32, len(levels))
			for l, v := range levels {
				m[v] = int32(l)
			}
			sp.index[k] = m
		}
	})
	return sp.index[k]
}
