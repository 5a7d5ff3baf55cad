package transform

// The global stages of a distributed flip (see dist.go): each takes
// batches (and the results of earlier stages) and gives a partial result
// with a Merge; the last stages fit once and finish the plan.

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

const noKey = math.MaxUint64

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

// Spec is how the model sees the features: the columns kept, their kind,
// their missing indicator and, for text, their levels in first-seen order.
type Spec struct {
	Index      []int // kept feature → index in Batch.Cells
	Names      []string
	Numeric    []bool
	HasMissing []bool
	Levels     [][]string // text columns: the levels, in first-seen order
	Notices    []string

	index []map[string]int32 // levelIndex
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

// hashed is a row chosen by its keyed hash (smallest first, then key).
type hashed struct {
	H, Key   uint64
	Positive bool
}

func compareHashed(a, b hashed) int {
	if c := cmp.Compare(a.H, b.H); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}

// Smallest holds the M rows with the smallest keyed hash (M < 0: all rows).
type Smallest struct {
	M     int
	Items []hashed
}

func (s *Smallest) cut() {
	if s.M >= 0 && len(s.Items) > s.M {
		slices.SortFunc(s.Items, compareHashed)
		s.Items = slices.Clip(s.Items[:s.M])
	}
}

// Merge adds t to s, keeping the M smallest.
func (s *Smallest) Merge(t *Smallest) *Smallest {
	s.M = t.M
	s.Items = append(s.Items, t.Items...)
	s.cut()
	return s
}

// CollectiveSize returns the number of minority rows in the collective
// drawn by --alpha, and whether that is all of them.
func (o *Options) CollectiveSize(st *Stats) (m int, all bool) {
	n := st.Minority
	m = int(math.Ceil(o.Alpha*float64(n) - 1e-9))
	return min(m, n), m >= n
}

// BatchCollective gives the batch's candidates for the collective: with
// --members its marked minority rows; with --alpha its minority rows with
// the smallest keyed hashes (all of them if the collective is the whole
// minority).
func (o *Options) BatchCollective(b *Batch, off *Offsets, st *Stats) *Smallest {
	s := &Smallest{M: -1}
	if b.Ref() {
		return s
	}
	m, all := o.CollectiveSize(st)
	if o.Members == "" && !all {
		s.M = m
	}
	for i, g := range b.Group {
		if g != GroupMinority || (o.Members != "" && !b.Member[i]) {
			continue
		}
		k := off.Key(b, i)
		h := uint64(0)
		if s.M >= 0 {
			h = keyedHash(o.Seed, purposeCollective, k)
		}
		s.Items = append(s.Items, hashed{H: h, Key: k, Positive: b.Positive[i]})
	}
	s.cut()
	return s
}

// Pool returns the candidate pool (collective members with a negative
// label), as sorted row keys, and the collective's size.
func (s *Smallest) Pool() (pool []uint64, collective int) {
	for _, it := range s.Items {
		if !it.Positive {
			pool = append(pool, it.Key)
		}
	}
	slices.Sort(pool)
	return pool, len(s.Items)
}

// RefRows are reference rows, column by column: their keys, keyed hashes
// and labels, and their kept features as the model reads them (Num for a
// numeric feature, Codes into the table's levels for a text one). With
// M ≥ 0 only the M rows with the smallest hashes are kept.
type RefRows struct {
	M     int
	Keys  []uint64
	H     []uint64
	Pos   []bool
	Num   [][]float64 // [kept feature][row]; nil for a text feature
	Codes [][]int32   // [kept feature][row]; nil for a numeric feature
}

// Len returns the number of rows.
func (r *RefRows) Len() int { return len(r.Keys) }

// take keeps the rows at positions idx, in that order.
func (r *RefRows) take(idx []int) {
	keys, h, pos := make([]uint64, len(idx)), make([]uint64, len(idx)), make([]bool, len(idx))
	for i, x := range idx {
		keys[i], h[i], pos[i] = r.Keys[x], r.H[x], r.Pos[x]
	}
	r.Keys, r.H, r.Pos = keys, h, pos
	for k := range r.Num {
		if r.Num[k] != nil {
			v := make([]float64, len(idx))
			for i, x := range idx {
				v[i] = r.Num[k][x]
			}
			r.Num[k] = v
		}
		if r.Codes[k] != nil {
			v := make([]int32, len(idx))
			for i, x := range idx {
				v[i] = r.Codes[k][x]
			}
			r.Codes[k] = v
		}
	}
}

// order returns the row positions sorted by cmp.
func (r *RefRows) order(cmpRows func(a, b int) int) []int {
	idx := make([]int, r.Len())
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, cmpRows)
	return idx
}

func (r *RefRows) cut() {
	if r.M < 0 || r.Len() <= r.M {
		return
	}
	idx := r.order(func(a, b int) int {
		return compareHashed(hashed{H: r.H[a], Key: r.Keys[a]}, hashed{H: r.H[b], Key: r.Keys[b]})
	})
	r.take(idx[:r.M])
}

// Merge adds t to r, keeping the M smallest hashes.
func (r *RefRows) Merge(t *RefRows) *RefRows {
	r.M = t.M
	if r.Num == nil {
		r.Num, r.Codes = make([][]float64, len(t.Num)), make([][]int32, len(t.Codes))
	}
	r.Keys = append(r.Keys, t.Keys...)
	r.H = append(r.H, t.H...)
	r.Pos = append(r.Pos, t.Pos...)
	for k := range t.Num {
		if t.Num[k] != nil {
			r.Num[k] = append(r.Num[k], t.Num[k]...)
		}
		if t.Codes[k] != nil {
			r.Codes[k] = append(r.Codes[k], t.Codes[k]...)
		}
	}
	r.cut()
	return r
}

// GatherRefRows joins the reference rows of every batch into one, with one
// copy into arrays of the final size (merging them pairwise copies the
// growing whole again and again), in key order, and keeps the M smallest
// hashes.
func GatherRefRows(parts []*RefRows) *RefRows {
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b *RefRows) int {
		if a.Len() == 0 || b.Len() == 0 {
			return cmp.Compare(a.Len(), b.Len())
		}
		return cmp.Compare(a.Keys[0], b.Keys[0])
	})
	out := &RefRows{M: -1}
	n := 0
	for _, p := range parts {
		n += p.Len()
		out.M = p.M
		if out.Num == nil {
			out.Num, out.Codes = make([][]float64, len(p.Num)), make([][]int32, len(p.Codes))
		}
	}
	out.Keys, out.H, out.Pos = make([]uint64, 0, n), make([]uint64, 0, n), make([]bool, 0, n)
	for _, p := range parts {
		out.Keys = append(out.Keys, p.Keys...)
		out.H = append(out.H, p.H...)
		out.Pos = append(out.Pos, p.Pos...)
		for k := range p.Num {
			if p.Num[k] != nil {
				if out.Num[k] == nil {
					out.Num[k] = make([]float64, 0, n)
				}
				out.Num[k] = append(out.Num[k], p.Num[k]...)
			}
			if p.Codes[k] != nil {
				if out.Codes[k] == nil {
					out.Codes[k] = make([]int32, 0, n)
				}
				out.Codes[k] = append(out.Codes[k], p.Codes[k]...)
			}
		}
	}
	out.cut()
	return out
}

// BatchReference gives the batch's reference rows: its majority rows (the
// --reference file's, if given), down to the --reference-sample rows with
// the smallest keyed hashes.
func (o *Options) BatchReference(b *Batch, off *Offsets, sp *Spec) *RefRows {
	r := &RefRows{M: -1, Num: make([][]float64, len(sp.Index)), Codes: make([][]int32, len(sp.Index))}
	if !o.method().Learns || b.Ref() != (o.Reference != nil) {
		return r
	}
	if o.ReferenceSample > 0 {
		r.M = o.ReferenceSample
	}
	var rows []int
	for i, g := range b.Group {
		if g != GroupMajority {
			continue
		}
		k := off.Key(b, i)
		h := uint64(0)
		if r.M >= 0 {
			h = keyedHash(o.Seed, purposeReference, k)
		}
		rows = append(rows, i)
		r.Keys, r.H, r.Pos = append(r.Keys, k), append(r.H, h), append(r.Pos, b.Positive[i])
	}
	for k, c := range sp.batchColumns(b, rows) {
		if c.Numeric {
			r.Num[k] = c.Num
		} else {
			r.Codes[k] = c.Codes
		}
	}
	r.cut()
	return r
}

// Scorer is the fitted method, sent to the workers that score.
type Scorer struct {
	Method        string
	Encoder       []byte // model.Encoder, serialised; empty for a method that does not learn, or with nothing to learn from
	Model         []byte // the method's scorer.Fitted, serialised; empty with nothing to learn from
	ReferenceRows int
	Notices       []string

	// ID names this fit: a ScoreCache keeps the prepared scorer of the
	// last ID it saw, for all the batches it scores.
	ID string
}

// Fit fits the encoder and the method on the reference rows, once.
func (o *Options) Fit(ref *RefRows, sp *Spec) (*Scorer, error) {
	if err := o.checkMethod(); err != nil {
		return nil, err
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	sc := &Scorer{Method: o.Method, ID: hex.EncodeToString(id)}
	var x *model.Matrix
	var pos []bool
	if o.method().Learns {
		n := ref.Len()
		sc.ReferenceRows = n
		if n == 0 || len(sp.Index) == 0 {
			return sc, nil // nothing to learn from: Score and Finish refuse, if there are candidates
		}
		// Row order, as in the one-process reference: by key.
		if !slices.IsSorted(ref.Keys) {
			ref.take(ref.order(func(a, b int) int { return cmp.Compare(ref.Keys[a], ref.Keys[b]) }))
		}
		cols := make([]model.Column, len(sp.Index))
		for k := range cols {
			cols[k] = model.Column{Name: sp.Names[k], Numeric: sp.Numeric[k], Num: ref.Num[k], Codes: ref.Codes[k]}
			if !sp.Numeric[k] {
				cols[k].Levels = sp.Levels[k]
			}
		}
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		enc, err := model.FitEncoder(cols, rows, model.EncoderOptions{MaxLevels: o.MaxLevels, HasMissing: sp.HasMissing})
		if err != nil {
			return nil, fferr.Data("encoding the features: %v", err)
		}
		if sc.Encoder, err = enc.MarshalBinary(); err != nil {
			return nil, err
		}
		x, pos = enc.Encode(cols, rows), ref.Pos
	}
	f, notices, err := o.fit(x, pos)
	if err != nil {
		return nil, err
	}
	if sc.Model, err = f.MarshalBinary(); err != nil {
		return nil, err
	}
	sc.Notices = notices
	return sc, nil
}

// Scored is a candidate with its scores.
type Scored = scorer.Scored

// Top holds the best M candidates (M < 0: all) and counts of the pool.
type Top struct {
	M         int
	Pool      int // candidates scored
	Positives int // of them, estimated positive
	Items     []Scored
}

func (t *Top) cut() {
	slices.SortFunc(t.Items, scorer.Compare)
	if t.M >= 0 && len(t.Items) > t.M {
		t.Items = slices.Clip(t.Items[:t.M])
	}
}

// Merge adds u to t, keeping the best M.
func (t *Top) Merge(u *Top) *Top {
	t.M = u.M
	t.Pool += u.Pool
	t.Positives += u.Positives
	t.Items = append(t.Items, u.Items...)
	t.cut()
	return t
}

// FlipBound returns how many of the best candidates the flip rule and
// --max-flips can take from a pool of n (-1: no bound: --flips auto takes
// every candidate estimated positive).
func (o *Options) FlipBound(n int) int {
	m := -1
	switch o.Flips.Kind {
	case FlipCount:
		m = min(o.Flips.N, n)
	case FlipPercent:
		m = int(math.Round(o.Flips.Percent / 100 * float64(n)))
	}
	if o.MaxFlips >= 0 && (m < 0 || m > o.MaxFlips) {
		m = o.MaxFlips
	}
	return m
}

// Score scores the batch's candidates (the rows of pool in it) and keeps
// its best FlipBound(len(pool)). cache, if not nil, keeps the prepared
// scorer for the next batches.
func (o *Options) Score(b *Batch, off *Offsets, sp *Spec, pool []uint64, sc *Scorer, cache *ScoreCache) (*Top, error) {
	t := &Top{M: o.FlipBound(len(pool))}
	if b.Ref() {
		return t, nil
	}
	var rows []int
	var keys []uint64
	for i, g := range b.Group {
		if g != GroupMinority || b.Positive[i] {
			continue
		}
		k := off.Key(b, i)
		if _, ok := slices.BinarySearch(pool, k); ok {
			rows, keys = append(rows, i), append(keys, k)
		}
	}
	t.Pool = len(rows)
	if len(rows) == 0 {
		return t, nil
	}
	scores, err := o.scoreBatch(b, rows, keys, sp, sc, cache)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		s := Scored{Key: k, Primary: scores.Primary[i], Secondary: scores.Secondary[i]}
		if scores.Positive != nil {
			s.Positive = scores.Positive[i]
		}
		if s.Positive {
			t.Positives++
		}
		if o.Flips.Kind == FlipAuto && !s.Positive {
			continue
		}
		t.Items = append(t.Items, s)
	}
	t.cut()
	return t, nil
}

func (o *Options) scoreBatch(b *Batch, rows []int, keys []uint64, sp *Spec, sc *Scorer, cache *ScoreCache) (*model.Scores, error) {
	if err := o.checkScorable(sc.ReferenceRows, len(sp.Index)); err != nil {
		return nil, err
	}
	enc, f, err := cache.prepare(sc, o.Workers)
	if err != nil {
		return nil, err
	}
	var cand *model.Matrix
	if enc != nil {
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		cand = enc.Encode(sp.batchColumns(b, rows), idx)
	}
	s, err := f.Score(scorer.Candidates{X: cand, Keys: keys})
	if err != nil {
		return nil, o.scoreErr(err)
	}
	return s, nil
}

// DistPlan is the outcome of a distributed pass 1: the rows to flip in
// each file, and the summary.
type DistPlan struct {
	Summary Summary
	Flips   [][]Scored // per file: the rows to flip (Key: the row in the file), ascending
	Pool    [][]int    // per file: the candidate pool's rows, ascending
}

// Finish makes the plan from the global results: the best candidates, the
// pool, the counts, and the files (in table order) with their row counts.
func (o *Options) Finish(files []*DistFile, off *Offsets, st *Stats, sp *Spec, pool []uint64, collective int, sc *Scorer, top *Top) (*DistPlan, error) {
	name := make([]string, len(files))
	for i, f := range files {
		name[i] = f.Name
	}
	in := strings.Join(name, ", ")
	dp := &DistPlan{Flips: make([][]Scored, len(files)), Pool: make([][]int, len(files))}
	s := &dp.Summary
	positive := st.PositiveText
	if positive == "" {
		positive = strings.TrimSpace(o.Positive[0])
	}
	label := ""
	if len(files) > 0 {
		lay, err := o.buildLayout(files[0].Names, files[0].NFields, files[0].Delim, files[0].Name)
		if err != nil {
			return nil, err
		}
		label = lay.colName(lay.label)
		if o.Members != "" {
			s.Members = lay.colName(lay.members)
		}
	}
	*s = Summary{
		Input: in, SHA256: TableSHA256(files), Rows: st.Rows, Members: s.Members,
		Label: label, PositiveWritten: positive,
		Minority: st.Minority, Majority: st.Majority, Neither: st.Neither,
	}
	var prior PriorFlips // --replace-audit: the labels of rows flipped before
	for _, f := range files {
		prior.Merge(f.Prior)
	}
	if err := prior.check(positive); err != nil {
		return nil, err
	}
	note := o.startSummary(s)
	for _, n := range st.Notices {
		note("%s", n)
	}
	for _, n := range o.tallyNotices(st.NearPositive, st.NonMembers) {
		note("%s", n)
	}
	for _, n := range sp.Notices {
		note("%s", n)
	}
	if st.Rows == 0 {
		if len(files) > 1 {
			return nil, fferr.Data("%s: no file has data rows", in)
		}
		return nil, fferr.Data("%s has %s", in, map[bool]string{true: "a header but no data rows", false: "no data rows"}[o.Dialect.Header])
	}
	if err := o.checkGroups(s, st.MajPos, note); err != nil {
		return nil, err
	}
	if o.Members != "" {
		if st.MembersOutside > 0 {
			note("%d rows marked in --members %s are not in the minority; only minority members can join the collective, so they are left unchanged", st.MembersOutside, s.Members)
		}
	} else {
		s.Alpha = o.Alpha
	}
	s.Collective = collective
	s.Pool = len(pool)
	s.Features = sp.Names
	s.ReferenceRows = sc.ReferenceRows
	if !o.method().Learns && o.Reference != nil {
		// The reference file is read, and sampled, even when nothing learns from it.
		s.ReferenceRows = st.RefRows
		if o.ReferenceSample > 0 {
			s.ReferenceRows = min(s.ReferenceRows, o.ReferenceSample)
		}
	}
	if o.Reference != nil {
		s.ReferenceFile = o.Reference.Name
	}
	var chosen []Scored
	if len(pool) == 0 {
		note("the candidate pool is empty (no collective member has a negative label): nothing to flip; the table is written unchanged apart from the empty audit column")
	} else {
		if err := o.checkScorable(sc.ReferenceRows, len(sp.Index)); err != nil {
			return nil, err
		}
		for _, n := range sc.Notices {
			o.notice("%s", n)
		}
		if top.Pool != len(pool) {
			return nil, invariantf("%d candidates were scored, but the pool has %d", top.Pool, len(pool))
		}
		want := top.Positives
		switch o.Flips.Kind {
		case FlipCount:
			want = o.Flips.N
			if want > len(pool) {
				note("--flips %d is more than the pool (%s): the whole pool is flipped", want, plural(len(pool), "candidate"))
				want = len(pool)
			}
		case FlipPercent:
			want = int(math.Round(o.Flips.Percent / 100 * float64(len(pool))))
		}
		if o.MaxFlips >= 0 && want > o.MaxFlips {
			note("--max-flips %d caps the %d flips the rule %s asks for", o.MaxFlips, want, o.Flips)
		}
		chosen = slices.Clone(top.Items)
		slices.SortFunc(chosen, scorer.Compare)
		if m := o.FlipBound(len(pool)); m >= 0 && len(chosen) > m {
			chosen = chosen[:m]
		}
	}
	slices.SortFunc(chosen, func(a, b Scored) int { return cmp.Compare(a.Key, b.Key) })
	for _, c := range chosen {
		f, r := int(c.Key>>40), c.Key&(1<<40-1)
		if f < 0 || f >= len(files) {
			return nil, invariantf("a chosen row key %#x names no file", c.Key)
		}
		c.Key = r
		dp.Flips[f] = append(dp.Flips[f], c)
	}
	for _, k := range pool {
		f := int(k >> 40)
		dp.Pool[f] = append(dp.Pool[f], int(k&(1<<40-1)))
	}
	s.Flips = len(chosen)
	sum := 0
	for i, f := range files {
		n := off.FileRows(i)
		sum += n
		s.Files = append(s.Files, PartSummary{Input: f.Name, Rows: n, Flips: len(dp.Flips[i]), SHA256: f.SHA256})
	}
	s.MinorityRateBefore = rate(st.MinPos, s.Minority)
	s.MinorityRateAfter = rate(st.MinPos+s.Flips, s.Minority)
	if sum != st.Rows {
		return nil, invariantf("the files hold %d rows, the batches %d", sum, st.Rows)
	}
	return dp, nil
}
