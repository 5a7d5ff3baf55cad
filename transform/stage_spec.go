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
// first-seen order; identifier-like columns (text, or integers that
// number the rows: idCandidate) are left out unless named. Integer
// columns that look like category codes (codeLike) get a notice.
func (o *Options) MakeSpec(st *Stats, lv *Levels) (*Spec, error) {
	sp := &Spec{}
	var ids, codes []string
	for j, c := range st.Cols {
		var levels []string
		if c.Text {
			m := lv.First[j]
			levels = make([]string, 0, len(m))
			for v := range m {
				levels = append(levels, v)
			}
			slices.SortFunc(levels, func(a, b string) int { return cmp.Compare(m[a], m[b]) })
			if !st.Explicit[j] && identifierLike(len(levels), c.Present) {
				ids = append(ids, fmt.Sprintf("%s (%d distinct values)", st.Features[j], len(levels)))
				continue
			}
		} else if !st.Explicit[j] {
			if idCandidate(c) && j < len(lv.Ints) {
				if n := lv.Ints[j].len(); identifierLike(n, c.Present) {
					ids = append(ids, fmt.Sprintf("%s (%d distinct integers from %d to %d)", st.Features[j], n, int64(c.Min), int64(c.Max)))
					continue
				}
			}
			if codeLike(c) {
				codes = append(codes, fmt.Sprintf("%s (%d values)", st.Features[j], len(c.Values)))
			}
		}
		sp.Index = append(sp.Index, j)
		sp.Names = append(sp.Names, st.Features[j])
		sp.Numeric = append(sp.Numeric, !c.Text)
		sp.HasMissing = append(sp.HasMissing, !c.Text && (c.Missing > 0 || c.NonFinite > 0))
		sp.Levels = append(sp.Levels, levels)
	}
	if len(ids) > 0 {
		sp.Notices = append(sp.Notices, fmt.Sprintf("left out of the features because nearly all their values are distinct, like identifiers: %s; name a column in --features to use it", shownList(ids, noticeListMax)))
	}
	if len(codes) > 0 {
		sp.Notices = append(sp.Notices, fmt.Sprintf("integer columns with few distinct values are read as numbers: %s; if some are category codes rather than quantities, name them in --categorical", shownList(codes, noticeListMax)))
	}
	for k, j := range sp.Index {
		if c := st.Cols[j]; sp.Numeric[k] && c.NonFinite > 0 {
			sp.Notices = append(sp.Notices, fmt.Sprintf("feature %s: %s infinite or beyond the range of a float64 (such as Inf, -Inf or 1e400); read as missing", sp.Names[k], plural(c.NonFinite, "number")))
		}
	}
	return sp, nil
}

// noticeListMax is how many columns a notice names before "... (N in all)".
const noticeListMax = 8

// identifierLike says whether a column with this many distinct values
// among its present cells looks like an identifier: nearly all (90%) of
// its values distinct, in a column of at least 20 values. It is the rule
// for text and for numeric columns (where idCandidate must hold too).
func identifierLike(distinct, present int) bool {
	return present >= 20 && float64(distinct) >= 0.9*float64(present)
}

// idSpanMax bounds the span of a numeric identifier: a numeric column is
// an identifier candidate only if its cells are integers whose span
// (largest - smallest + 1) is at most idSpanMax times the number of
// cells, that is, they number the rows with few gaps, as an index or an
// ID does. Being nearly all distinct is not enough for numbers: integers
// drawn at random from a span of r·n values take on average
// r·(1-e^(-1/r)) of n distinct values, 0.79 for r = 2, so a column that
// is 90% distinct within twice its cell count is no draw from a
// quantity; real quantities that are nearly all distinct spread far
// wider. Measured on ../shared/data (span / cells): the identifiers
// COMPAS id 1.52, law_data's unnamed index 1.26, credit-default ID 1.00;
// the quantities German credit amount 18.2 (92% distinct: the 90% rule
// alone would drop it), Adult fnlwgt 45 (66% distinct), credit-default
// BILL_AMT1 38 (76%), bank balance 2.4 (16%).
const idSpanMax = 2

// numericNoticeMin is the fewest cells a numeric column needs to be left
// out as an identifier or flagged as codes: in a small table, a hand-made
// column of ages or scores can be dense and nearly all distinct, or have
// few values, by chance; the data this is meant for have thousands of
// rows (the smallest identifier measured, COMPAS id, has 7,214).
const numericNoticeMin = 100

// idCandidate says whether a numeric column's cells may number its rows
// (see idSpanMax); MakeSpec then counts its distinct integers
// (Levels.Ints) and leaves it out if they are identifierLike.
func idCandidate(c ColStats) bool {
	return !c.Text && !c.NotInt && c.Present >= numericNoticeMin && c.Max-c.Min+1 <= idSpanMax*float64(c.Present)
}

// codeValuesMax is the most distinct values an integer column may have
// to be flagged as perhaps holding category codes (codeLike).
const codeValuesMax = 20

// codeLike says whether a numeric column may hold category codes read as
// numbers: at least 20 cells, all integers, with 3 to codeValuesMax
// distinct values (0/1 columns read the same either way), and not a count
// of rare events (smallest value 0 in at least 3/4 of the cells, such as
// COMPAS's juv_fel_count). Measured on ../shared/data, it flags the codes
// of dutch.csv (all but sex and the 0/1 occupation), credit-default's
// EDUCATION, MARRIAGE and PAY_0..PAY_6 (status codes -2..8), ACSIncome's
// COW, MAR, RELP and RAC1P, German's 1..4 columns; it also flags ordered
// scales, which are fine as numbers: Adult's education-num (16 values,
// the only column flagged on Adult), COMPAS's decile_score and
// v_decile_score; the notice says "if some are category codes". It
// passes over ACSIncome's SCHL (23 or 24 values) and ages, hours and
// amounts (more values).
func codeLike(c ColStats) bool {
	if c.Text || c.NotInt || c.ManyValues || c.Present < numericNoticeMin || len(c.Values) < 3 {
		return false
	}
	if n0 := c.Values[0]; c.Min == 0 && 4*n0 >= 3*c.Present {
		return false
	}
	return true
}

// shownList joins items with ", ", naming at most max of them and then how
// many there are in all.
func shownList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, ... (%d in all)", strings.Join(items[:max], ", "), len(items))
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
