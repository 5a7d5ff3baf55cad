package transform

// The global stages of a distributed flip (see dist.go), one file each:
// stage_stats.go (counts and text levels), stage_spec.go (the features),
// stage_collective.go, stage_reference.go, stage_score.go (fit once, score
// the candidates) and stage_finish.go (the plan). Each takes batches (and
// the results of earlier stages) and gives a partial result with a Merge.

import (
	"math"
	"math/bits"
	"slices"

	"github.com/fairflip/fairflip/model"
)

// ColStats counts one feature column's cells.
type ColStats struct {
	Present   int  // non-missing cells
	Missing   int  // missing cells ("", "?", "NA", ...)
	NonFinite int  // cells that are numbers but not finite (Inf, 1e400)
	Text      bool // some non-missing cell is not a number, or the column is --categorical

	// The finite numbers, for the notices on numeric columns that look
	// like identifiers or category codes (see MakeSpec).
	Numbers    int             // present cells that are finite numbers
	Min, Max   float64         // the smallest and largest (if Numbers > 0)
	NotInt     bool            // some present cell is not an integer below 2^53 (or is not finite)
	Values     map[float64]int // each distinct number and its count, while there are at most codeValuesMax
	ManyValues bool            // more than codeValuesMax distinct numbers (Values is then nil)
}

// addNumbers counts n cells of the finite number x.
func (c *ColStats) addNumbers(x float64, n int) {
	if c.Numbers == 0 {
		c.Min, c.Max = x, x
	} else {
		c.Min, c.Max = min(c.Min, x), max(c.Max, x)
	}
	c.Numbers += n
	if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
		c.NotInt = true
	}
	c.addValue(x, n)
}

// addValue counts n more cells of x in Values, up to codeValuesMax
// distinct numbers.
func (c *ColStats) addValue(x float64, n int) {
	if c.ManyValues {
		return
	}
	if c.Values == nil {
		c.Values = map[float64]int{}
	}
	c.Values[x] += n
	if len(c.Values) > codeValuesMax {
		c.Values, c.ManyValues = nil, true
	}
}

// mergeNumbers adds d's numbers to c's.
func (c *ColStats) mergeNumbers(d ColStats) {
	if d.Numbers > 0 {
		if c.Numbers == 0 {
			c.Min, c.Max = d.Min, d.Max
		} else {
			c.Min, c.Max = min(c.Min, d.Min), max(c.Max, d.Max)
		}
	}
	c.Numbers += d.Numbers
	c.NotInt = c.NotInt || d.NotInt
	if d.ManyValues {
		c.Values, c.ManyValues = nil, true
	}
	for x, n := range d.Values {
		c.addValue(x, n)
	}
}

// Stats are the table's counts and the feature columns' kinds.
type Stats struct {
	Rows, Minority, Majority, Neither int
	MinPos, MajPos                    int // positive labels in each group
	Members, MembersOutside           int // --members: marked rows in and outside the minority
	RefRows                           int // majority rows of the --reference file

	Features []string
	Explicit []bool
	Forced   []bool
	Cols     []ColStats

	PositiveText string
	PositiveAt   RowPos // the row where PositiveText was first seen; noPos: none

	Notices   []string // of the reader (Parquet layout), from the first batch that has any
	NoticesAt RowPos
	// Values set aside (label values near --positive, --members values
	// read as non-members), merged over the table's batches.
	NearPositive, NonMembers Tally
}

// RowPos is where a row is in the table, for "first seen" before the row
// keys are known (they need every shard's row count): by file (the
// --reference file after all others), shard, then the row in the shard.
type RowPos struct{ File, Shard, Row int }

var noPos = RowPos{File: math.MaxInt}

func (p RowPos) before(q RowPos) bool {
	file := func(f int) int {
		if f == RefFile {
			return math.MaxInt - 1
		}
		return f
	}
	if a, b := file(p.File), file(q.File); a != b {
		return a < b
	}
	if p.Shard != q.Shard {
		return p.Shard < q.Shard
	}
	return p.Row < q.Row
}

// BatchStats counts one batch; it needs no row keys, so a worker counts a
// shard as soon as it has read it.
func (o *Options) BatchStats(b *Batch) *Stats {
	s := &Stats{Features: b.Features, Explicit: b.Explicit, Forced: b.Forced, PositiveAt: noPos, NoticesAt: noPos}
	s.Cols = make([]ColStats, len(b.Features))
	for j := range s.Cols {
		s.Cols[j].Text = b.Forced[j]
	}
	if b.PositiveRow >= 0 {
		s.PositiveText, s.PositiveAt = b.PositiveText, RowPos{b.File, b.Shard, b.PositiveRow}
	}
	if len(b.Notices) > 0 {
		s.Notices, s.NoticesAt = b.Notices, RowPos{b.File, b.Shard, 0}
	}
	s.NearPositive.Merge(b.NearPositive)
	s.NonMembers.Merge(b.NonMembers)
	if b.Ref() {
		s.RefRows = len(b.Group)
	} else {
		s.Rows = b.Rows // the shard's, in its part 0 only
		for i, g := range b.Group {
			switch g {
			case GroupMinority:
				s.Minority++
				if b.Positive[i] {
					s.MinPos++
				}
			case GroupMajority:
				s.Majority++
				if b.Positive[i] {
					s.MajPos++
				}
			default:
				s.Neither++
			}
			if b.Member != nil && b.Member[i] {
				if g == GroupMinority {
					s.Members++
				} else {
					s.MembersOutside++
				}
			}
		}
	}
	for j := range b.Cols {
		col, c := &b.Cols[j], &s.Cols[j]
		count := make([]int, len(col.Levels))
		for _, k := range col.Codes {
			count[k]++
		}
		for k, li := range col.infos() {
			if li.kind == levelMissing {
				c.Missing += count[k]
				continue
			}
			c.Present += count[k]
			if count[k] == 0 {
				continue
			}
			switch li.kind {
			case levelText:
				c.Text = true
			case levelNonFinite:
				c.NonFinite += count[k]
				c.NotInt = true
			case levelNumber:
				c.addNumbers(li.num, count[k])
			}
		}
	}
	return s
}

// Merge adds t to s.
func (s *Stats) Merge(t *Stats) *Stats {
	if s.Features == nil {
		s.Features, s.Explicit, s.Forced = t.Features, t.Explicit, t.Forced
		s.Cols = make([]ColStats, len(t.Cols))
		for j := range s.Cols {
			s.Cols[j].Text = t.Forced[j]
		}
		s.PositiveAt, s.NoticesAt = noPos, noPos
	}
	s.Rows += t.Rows
	s.Minority += t.Minority
	s.Majority += t.Majority
	s.Neither += t.Neither
	s.MinPos += t.MinPos
	s.MajPos += t.MajPos
	s.Members += t.Members
	s.MembersOutside += t.MembersOutside
	s.RefRows += t.RefRows
	s.NearPositive.Merge(t.NearPositive)
	s.NonMembers.Merge(t.NonMembers)
	for j := range t.Cols {
		c, d := &s.Cols[j], t.Cols[j]
		c.mergeNumbers(d)
		c.Present += d.Present
		c.Missing += d.Missing
		c.NonFinite += d.NonFinite
		c.Text = c.Text || d.Text
	}
	if t.PositiveAt.before(s.PositiveAt) {
		s.PositiveText, s.PositiveAt = t.PositiveText, t.PositiveAt
	}
	if t.NoticesAt.before(s.NoticesAt) {
		s.Notices, s.NoticesAt = t.Notices, t.NoticesAt
	}
	return s
}

// Levels holds, for each text feature column, each distinct value and the
// first row key where it occurs.
type Levels struct {
	First []map[string]uint64 // [feature]; nil for a numeric column
	// Ints holds, for a numeric column that may be an identifier
	// (idCandidate), the integers it has; empty for other columns.
	Ints []IntSet
}

// IntSet is a set of integers of a column, as offsets from the column's
// smallest number: bit i of Words is offset Base+i. Base is a multiple of
// 64, and Words spans only the offsets between the set's smallest and
// largest, so the sets of batches of a sorted column stay small.
type IntSet struct {
	Base  int64
	Words []uint64
}

// add puts the sorted offsets in s (which must be empty).
func (s *IntSet) addSorted(offs []int64) {
	if len(offs) == 0 {
		return
	}
	s.Base = offs[0] &^ 63
	s.Words = make([]uint64, (offs[len(offs)-1]-s.Base)/64+1)
	for _, x := range offs {
		x -= s.Base
		s.Words[x/64] |= 1 << (x % 64)
	}
}

// union puts t's integers in s.
func (s *IntSet) union(t IntSet) {
	if len(t.Words) == 0 {
		return
	}
	if len(s.Words) == 0 {
		s.Base, s.Words = t.Base, slices.Clone(t.Words)
		return
	}
	lo := min(s.Base, t.Base)
	hi := max(s.Base+64*int64(len(s.Words)), t.Base+64*int64(len(t.Words)))
	if lo < s.Base || hi > s.Base+64*int64(len(s.Words)) {
		w := make([]uint64, (hi-lo)/64)
		copy(w[(s.Base-lo)/64:], s.Words)
		s.Base, s.Words = lo, w
	}
	d := (t.Base - s.Base) / 64
	for i, x := range t.Words {
		s.Words[d+int64(i)] |= x
	}
}

// len is the number of integers in s.
func (s *IntSet) len() int {
	n := 0
	for _, x := range s.Words {
		n += bits.OnesCount64(x)
	}
	return n
}

// BatchLevels collects the text levels of one batch.
func (o *Options) BatchLevels(b *Batch, off *Offsets, st *Stats) *Levels {
	l := &Levels{First: make([]map[string]uint64, len(st.Cols)), Ints: make([]IntSet, len(st.Cols))}
	for j := range b.Cols {
		if idCandidate(st.Cols[j]) {
			l.Ints[j] = batchInts(&b.Cols[j], st.Cols[j].Min)
			continue
		}
		if !st.Cols[j].Text {
			continue
		}
		col := &b.Cols[j]
		first := make([]int, len(col.Levels))
		for k := range first {
			first[k] = -1
		}
		for i, k := range col.Codes {
			if first[k] < 0 {
				first[k] = i // rows come in key order: the first is the smallest
			}
		}
		m := make(map[string]uint64, len(col.Levels))
		for k, v := range col.Levels {
			if first[k] < 0 || model.IsMissing(v) {
				continue
			}
			// A column that stopped deduplicating may repeat a level.
			if key, ok := m[v]; !ok || off.Key(b, first[k]) < key {
				m[v] = off.Key(b, first[k])
			}
		}
		l.First[j] = m
	}
	return l
}

// batchInts is the set of the integers of a batch's column, as offsets
// from lo (the column's smallest number in the table).
func batchInts(col *CodedColumn, lo float64) IntSet {
	used := make([]bool, len(col.Levels))
	for _, k := range col.Codes {
		used[k] = true
	}
	var offs []int64
	for k, li := range col.infos() {
		if used[k] && li.kind == levelNumber {
			offs = append(offs, int64(li.num-lo))
		}
	}
	slices.Sort(offs)
	var s IntSet
	s.addSorted(offs)
	return s
}

// Merge adds t to l.
func (l *Levels) Merge(t *Levels) *Levels {
	if l.First == nil {
		l.First = make([]map[string]uint64, len(t.First))
	}
	if len(l.Ints) < len(t.Ints) {
		l.Ints = append(l.Ints, make([]IntSet, len(t.Ints)-len(l.Ints))...)
	}
	for j := range t.Ints {
		l.Ints[j].union(t.Ints[j])
	}
	for j, m := range t.First {
		if m == nil {
			continue
		}
		if l.First[j] == nil {
			l.First[j] = map[string]uint64{}
		}
		for v, k := range m {
			if old, ok := l.First[j][v]; !ok || k < old {
				l.First[j][v] = k
			}
		}
	}
	return l
}
