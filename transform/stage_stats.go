package transform

// The global stages of a distributed flip (see dist.go), one file each:
// stage_stats.go (counts and text levels), stage_spec.go (the features),
// stage_collective.go, stage_reference.go, stage_score.go (fit once, score
// the candidates) and stage_finish.go (the plan). Each takes batches (and
// the results of earlier stages) and gives a partial result with a Merge.

import (
	"math"

	"github.com/fairflip/fairflip/model"
)

// ColStats counts one feature column's cells.
type ColStats struct {
	Present   int  // non-missing cells
	Missing   int  // missing cells ("", "?", "NA", ...)
	NonFinite int  // cells that are numbers but not finite (Inf, 1e400)
	Text      bool // some non-missing cell is not a number, or the column is --categorical
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
}

// BatchLevels collects the text levels of one batch.
func (o *Options) BatchLevels(b *Batch, off *Offsets, st *Stats) *Levels {
	l := &Levels{First: make([]map[string]uint64, len(st.Cols))}
	for j := range b.Cols {
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

// Merge adds t to l.
func (l *Levels) Merge(t *Levels) *Levels {
	if l.First == nil {
		l.First = make([]map[string]uint64, len(t.First))
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
