package transform

// The flip plan, the one implementation of it: stages that separate
// workers can run. Each stage is a plain function over plain values (only
// Inspect and Extract read files), so that a runner only wires them together: PlanLocal runs
// them in this process on every core (fairflip flip and undo's checks), the
// beam module runs them on Apache Beam.
//
//	Inspect    one file:   its header, size, SHA-256 and its shards
//	Extract    one shard:  group, label, member and feature cells per row
//	Offsets    all shards: row counts → the row key of every row
//	Stats      all rows:   counts, feature kinds, first positive text
//	Levels     all rows:   the text levels of text features, first-seen order
//	Collective all rows:   the ⌈α·n⌉ smallest keyed hashes of the minority
//	Reference  all rows:   the majority rows, or a seeded sample of them
//	Fit        once:       the encoder and the model (or the k-NN reference)
//	Score      per shard:  the pool's scores, and the shard's best M
//	Finish     once:       the global best M, rows per file, the summary
//
// Every global stage is a merge of partial results that is associative and
// commutative (a Beam combiner), and every choice is a function of (seed,
// row key), so the result does not depend on how the rows were split. A
// feature's kind, missing indicator and text levels (in first-seen order)
// are those of the whole table, and the reference rows are in row-key
// order, however the table was cut.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unsafe"

	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// DefaultShardBytes is the byte size a CSV file is split at.
const DefaultShardBytes = 64 << 20

// RefFile is the file index of the --reference file.
const RefFile = -1

// Source is a file of a flip: the path it is read from, and the name
// messages give it (empty: the path). A copy of standard input is read
// from /proc/self/fd/N and named <stdin>.
type Source struct {
	Path, Name string
	Format     tableio.Format // "": from the name, else the first bytes
}

// input is the Input that reads the source.
func (s Source) input() *Input {
	in := FileInput(s.Path)
	in.Name = s.name()
	if s.Format != "" {
		in.Format = s.Format
	}
	return in
}

func (s Source) name() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Path
}

// DistFile is one input file of a distributed flip, as Inspect found it.
type DistFile struct {
	Index   int // position in the table (lexical order); RefFile for --reference
	Path    string
	Name    string         // for messages (the path, or <stdin> for a copy of standard input)
	Format  tableio.Format // as read
	Size    int64
	ModTime int64 // nanoseconds since the epoch, when inspected
	SHA256  string
	// ChangeSum is a cheaper checksum of the bytes than the SHA-256, which
	// pass 2 compares (a CSV file's CRC-32; "" for other formats).
	ChangeSum string
	Empty     bool // a file with no bytes (a format that allows it: a part with no rows)

	Names   []string // column names (header, --header-names, or nil)
	NFields int
	Columns []tableio.Column // the columns (with their types, in a typed format)
	Rows    int64            // the rows the file says it has (a typed format), or 0
	// Prior: with --replace-audit, the label on the rows that already have
	// an audit cell (every one checked as undo would), where first seen.
	Prior     PriorFlips
	Delim     byte
	CountLine int // line of the record that fixed the field count
	Shards    []Shard
	// pipe, for a file that a local flip reads in one pass (inspect with
	// pipe workers): its shards are cut while it is read, and added to
	// Shards as they are (a shardFeed).
	pipe *tableio.ShardPipe
}

// Shard is a piece of one file that a worker reads on its own: whole CSV
// records in the bytes [Start, End), or Parquet row groups [Start, End).
type Shard struct {
	File   int
	Index  int
	Path   string
	Name   string // for messages
	Format tableio.Format
	Start  int64
	End    int64
	// CSV: the physical lines before Start, and what a scanner that starts
	// there must know (Resume).
	Line      int
	Delim     byte
	NFields   int
	CountLine int
	Names     []string
	// A shard of the --reference file: the table's columns, set by
	// CheckFiles, so that its columns are found by name.
	TableColumns []tableio.Column
	TableNamed   bool
	// data are the shard's bytes, as its file's pipe read them (nil: read
	// from the file); only while the shard is read.
	data []byte
}

func (sh Shard) source() Source { return Source{Path: sh.Path, Name: sh.Name, Format: sh.Format} }

func (f *DistFile) source() Source { return Source{Path: f.Path, Name: f.Name, Format: f.Format} }

// shardLayout resolves a shard's columns in its open table t: the
// table's (tableLayout, with its notices), or for a --reference shard the
// reference's columns that hold the table's label, sensitive and feature
// columns (referenceLayout). tableLay is the table's layout, against which
// --categorical is resolved.
func (o *Options) shardLayout(sh Shard, t tableio.Table) (lay, tableLay *layout, notices []string, err error) {
	if sh.File != RefFile {
		lay, notices, err = o.tableLayout(t, sh.Delim, sh.Name)
		return lay, lay, notices, err
	}
	if len(sh.TableColumns) == 0 {
		return nil, nil, nil, fmt.Errorf("a --reference shard of %s was read before CheckFiles matched its columns to the table's", sh.Name)
	}
	if tableLay, _, err = o.columnLayout(sh.TableColumns, sh.TableNamed, sh.Delim, sh.Name); err != nil {
		return nil, nil, nil, err
	}
	lay, err = referenceLayout(tableLay, sh.Names, sh.NFields, sh.Delim, sh.Name)
	return lay, tableLay, nil, err
}

// Batch is what Extract reads from one shard: per data row its group,
// label, membership and feature cells. A shard of the --reference file
// keeps only its majority rows (Local holds their row numbers).
type Batch struct {
	File, Shard int
	// Part numbers the pieces of a shard's batch (Split); its rows start
	// at the shard's data row RowBase.
	Part, RowBase int
	Rows          int     // data rows in the shard (in part 0; 0 in the others), those --where keeps
	RowsRead      int     // data rows read, before --where (in part 0)
	Local         []int64 // Ref batches: the kept rows' numbers in the shard
	Group         []int8
	Positive      []bool
	Member        []bool
	Cols          []CodedColumn // the feature cells, as the loader reads them
	Features      []string      // the feature columns' names
	Explicit      []bool        // named in --features (never left out as identifier-like)
	Forced        []bool        // named in --categorical
	// PositiveText is how the shard first writes the first --positive
	// value, at its data row PositiveRow (-1: not in this shard; for a
	// --reference shard the row is counted over all its data rows).
	PositiveText string
	PositiveRow  int
	Notices      []string
	// Values set aside, for notices (in part 0 of a split batch).
	NearPositive, NonMembers Tally
	// Sens holds the sensitive cells, for eval and sweep (KeepSensitive).
	Sens []CodedColumn
}

// CodedColumn holds one column's cells of a batch, dictionary-coded: row
// i's cell is Levels[Codes[i]]. Most columns have few distinct values, so
// a batch is small to send, and each distinct value is parsed once. A
// feature column whose values are nearly all distinct (a weight, an
// amount) stops being deduplicated: its levels may then repeat a value.
type CodedColumn struct {
	Levels []string
	Codes  []int32

	index map[string]int32
	plain bool   // levels are no longer deduplicated
	arena []byte // holds the bytes of the levels (one allocation per chunk, not per level)
	info  []levelInfo
}

// dedupLimit is the number of levels past which a feature column that
// has more than one level for every two rows stops being deduplicated: a
// lookup per cell would find almost nothing.
const dedupLimit = 1 << 12

// add appends a cell (a feature's: it may stop deduplicating).
func (c *CodedColumn) add(v []byte) {
	if !c.plain && len(c.Levels) >= dedupLimit && 2*len(c.Levels) > len(c.Codes) {
		c.plain, c.index = true, nil
	}
	if c.plain {
		c.Codes = append(c.Codes, int32(len(c.Levels)))
		c.Levels = append(c.Levels, c.intern(v))
		return
	}
	c.addDistinct(v)
}

// addDistinct appends a cell, keeping the levels distinct.
func (c *CodedColumn) addDistinct(v []byte) {
	if c.index == nil {
		c.index = map[string]int32{}
	}
	k, ok := c.index[string(v)]
	if !ok {
		k = int32(len(c.Levels))
		s := c.intern(v)
		c.Levels = append(c.Levels, s)
		c.index[s] = k
	}
	c.Codes = append(c.Codes, k)
}

// intern returns v as a string held in the column's arena. The arena's
// blocks start small and double up to 64 KiB: a column of a few short
// levels (most categorical columns) takes a few hundred bytes, not 64 KiB
// per batch (a local flip reads about 50 batches per 100 MB).
func (c *CodedColumn) intern(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if len(c.arena)+len(v) > cap(c.arena) {
		c.arena = make([]byte, 0, max(min(2*cap(c.arena), 64<<10), 256, len(v)))
	}
	start := len(c.arena)
	c.arena = append(c.arena, v...)
	return unsafe.String(&c.arena[start], len(v)) // the arena's bytes are never written again
}

// levelInfo is how the scorers read a level: missing, a finite number, a
// number beyond a float64's range, or text.
type levelInfo struct {
	kind uint8
	num  float64 // levelNumber: the value; otherwise NaN
}

const (
	levelMissing uint8 = iota
	levelNumber
	levelNonFinite
	levelText
)

// infos returns every level's levelInfo, parsing each level once (a batch
// decoded from the wire parses them again).
func (c *CodedColumn) infos() []levelInfo {
	for _, v := range c.Levels[len(c.info):] {
		x, num, fin := model.CellNumber(v)
		li := levelInfo{kind: levelText, num: math.NaN()}
		switch {
		case model.IsMissing(v):
			li.kind = levelMissing
		case num && fin:
			li = levelInfo{kind: levelNumber, num: x}
		case num:
			li.kind = levelNonFinite
		}
		c.info = append(c.info, li)
	}
	return c.info
}

// Ref reports whether the batch comes from the --reference file.
func (b *Batch) Ref() bool { return b.File == RefFile }

func (b *Batch) local(i int) int64 {
	if b.Local != nil {
		return b.Local[i]
	}
	return int64(b.RowBase + i)
}

// DefaultBatchRows is the rows of one batch part (Split): a runner moves
// parts of a few MB better than one element per shard.
const DefaultBatchRows = 1 << 16

// Split cuts the batch into parts of at most n rows, each with its own
// dictionaries. The shard's row count, first positive text and notices
// stay with part 0.
func (b *Batch) Split(n int) []*Batch {
	parts := b.splitRows(n)
	if len(parts) == 1 {
		return parts
	}
	total := len(b.Group)
	for _, p := range parts {
		p.Cols = make([]CodedColumn, len(b.Cols))
		if b.Sens != nil {
			p.Sens = make([]CodedColumn, len(b.Sens))
		}
	}
	// Column by column, so that one remap table serves every part.
	for j := range b.Cols {
		var sl slicer
		for i, p := range parts {
			p.Cols[j] = sl.slice(&b.Cols[j], i*n, min((i+1)*n, total))
		}
	}
	for j := range b.Sens {
		var sl slicer
		for i, p := range parts {
			p.Sens[j] = sl.slice(&b.Sens[j], i*n, min((i+1)*n, total))
		}
	}
	return parts
}

// splitRows cuts the batch into parts of at most n rows, without their
// columns: the rows' groups, labels and members, and the shard's counts,
// first positive text and notices in part 0.
func (b *Batch) splitRows(n int) []*Batch {
	total := len(b.Group)
	if total <= n || n <= 0 {
		return []*Batch{b}
	}
	var parts []*Batch
	for lo := 0; lo < total; lo += n {
		hi := min(lo+n, total)
		p := &Batch{File: b.File, Shard: b.Shard, Part: len(parts), RowBase: lo,
			Group: b.Group[lo:hi], Positive: b.Positive[lo:hi],
			Features: b.Features, Explicit: b.Explicit, Forced: b.Forced, PositiveRow: -1}
		if b.Local != nil {
			p.Local, p.RowBase = b.Local[lo:hi], 0
		}
		if b.Member != nil {
			p.Member = b.Member[lo:hi]
		}
		if lo == 0 {
			p.Rows, p.RowsRead, p.PositiveText, p.PositiveRow, p.Notices = b.Rows, b.RowsRead, b.PositiveText, b.PositiveRow, b.Notices
			p.NearPositive, p.NonMembers = b.NearPositive, b.NonMembers
		}
		parts = append(parts, p)
	}
	return parts
}

// Parts cuts the batch into parts of at most n rows, as Split does, but
// without copying: each part's columns are views of the batch's (its
// codes a slice of the batch's, its levels all of the batch's, some of
// them unused). For a runner that keeps every batch in memory and sends
// none (the local runner); Split is for one that sends them.
func (b *Batch) Parts(n int) []*Batch {
	parts := b.splitRows(n)
	if len(parts) == 1 {
		return parts
	}
	view := func(c *CodedColumn, lo, hi int) CodedColumn {
		return CodedColumn{Levels: c.Levels, Codes: c.Codes[lo:hi:hi], info: c.info}
	}
	for j := range b.Cols {
		b.Cols[j].infos() // parsed once, here, for every part
	}
	for i, p := range parts {
		lo, hi := i*n, min((i+1)*n, len(b.Group))
		p.Cols = make([]CodedColumn, len(b.Cols))
		for j := range b.Cols {
			p.Cols[j] = view(&b.Cols[j], lo, hi)
		}
		if b.Sens != nil {
			p.Sens = make([]CodedColumn, len(b.Sens))
			for j := range b.Sens {
				p.Sens[j] = view(&b.Sens[j], lo, hi)
			}
		}
	}
	return parts
}

// keepRows returns a batch of the given rows of b only (ascending), for
// a runner that keeps batches in memory but needs only some of their rows
// from some stage on: their columns are copied with only their levels, so
// that the rest of b can be let go. Keys are kept (Local holds the rows'
// numbers in the shard); the shard's counts and notices are not.
func (b *Batch) keepRows(rows []int) *Batch {
	k := &Batch{File: b.File, Shard: b.Shard, Part: b.Part, PositiveRow: -1,
		Features: b.Features, Explicit: b.Explicit, Forced: b.Forced,
		Local: make([]int64, len(rows)), Group: make([]int8, len(rows)), Positive: make([]bool, len(rows))}
	if b.Member != nil {
		k.Member = make([]bool, len(rows))
	}
	for i, r := range rows {
		k.Local[i], k.Group[i], k.Positive[i] = b.local(r), b.Group[r], b.Positive[r]
		if b.Member != nil {
			k.Member[i] = b.Member[r]
		}
	}
	pick := func(cols []CodedColumn) []CodedColumn {
		if cols == nil {
			return nil
		}
		out := make([]CodedColumn, len(cols))
		for j := range cols {
			c := &cols[j]
			remap := make(map[int32]int32)
			keepInfo := len(c.info) == len(c.Levels)
			out[j].Codes = make([]int32, len(rows))
			for i, r := range rows {
				l, ok := remap[c.Codes[r]]
				if !ok {
					l = int32(len(out[j].Levels))
					remap[c.Codes[r]] = l
					// A copy: the level may be held in the column's arena,
					// which it would keep whole.
					out[j].Levels = append(out[j].Levels, strings.Clone(c.Levels[c.Codes[r]]))
					if keepInfo {
						out[j].info = append(out[j].info, c.info[c.Codes[r]])
					}
				}
				out[j].Codes[i] = l
			}
		}
		return out
	}
	k.Cols, k.Sens = pick(b.Cols), pick(b.Sens)
	return k
}

// slicer cuts one column into parts. Its remap table, as long as the
// column's levels, is made once for all the parts (a column that stopped
// deduplicating has about as many levels as rows): stamp marks the part
// whose remap an entry holds.
type slicer struct {
	remap, stamp []int32
	part         int32
}

// slice returns rows [lo, hi) of c, with only their levels.
func (s *slicer) slice(c *CodedColumn, lo, hi int) CodedColumn {
	if s.remap == nil {
		s.remap, s.stamp = make([]int32, len(c.Levels)), make([]int32, len(c.Levels))
	}
	s.part++
	var out CodedColumn
	out.Codes = make([]int32, hi-lo)
	keepInfo := len(c.info) == len(c.Levels)
	for i, k := range c.Codes[lo:hi] {
		if s.stamp[k] != s.part {
			s.stamp[k], s.remap[k] = s.part, int32(len(out.Levels))
			out.Levels = append(out.Levels, c.Levels[k])
			if keepInfo {
				out.info = append(out.info, c.info[k])
			}
		}
		out.Codes[i] = s.remap[k]
	}
	return out
}

// ShardRows is a shard's row count, for the offsets.
type ShardRows struct {
	File, Shard, Rows int
}

// Offsets gives each row its key: file i row r is i<<40 | r, a --reference
// row refKeyBase + r.
type Offsets struct {
	Start map[[2]int]int64 // (file, shard) → the shard's first row in its file
	Rows  map[int]int      // file → its data rows
}

// FileRows returns the data rows of file i.
func (f *Offsets) FileRows(i int) int { return f.Rows[i] }

// MakeOffsets computes the offsets from every shard's row count.
func MakeOffsets(rows []ShardRows) *Offsets {
	rows = slices.Clone(rows)
	sort.Slice(rows, func(a, b int) bool {
		if rows[a].File != rows[b].File {
			return rows[a].File < rows[b].File
		}
		return rows[a].Shard < rows[b].Shard
	})
	off := &Offsets{Start: map[[2]int]int64{}, Rows: map[int]int{}}
	var n int64
	for i, r := range rows {
		if i == 0 || r.File != rows[i-1].File {
			n = 0
		}
		off.Start[[2]int{r.File, r.Shard}] = n
		n += int64(r.Rows)
		off.Rows[r.File] += r.Rows
	}
	return off
}

// Key returns the row key of row i of batch b.
func (f *Offsets) Key(b *Batch, i int) uint64 { return f.Keys(b)(i) }

// Keys returns Key for the rows of batch b, its shard's start looked up
// once (for a loop over the batch's rows).
func (f *Offsets) Keys(b *Batch) func(i int) uint64 {
	start := f.Start[[2]int{b.File, b.Shard}]
	base := uint64(b.File) << 40
	if b.Ref() {
		base = refKeyBase
	}
	return func(i int) uint64 { return base + uint64(start+b.local(i)) }
}

// featureLayout fills the batch's feature names and flags from a layout;
// --categorical names the table's columns (tableLay: the same layout, or
// for a --reference shard the table's, whose features are in the same
// order).
func (o *Options) featureLayout(b *Batch, lay, tableLay *layout, file string) error {
	if !o.method().Learns {
		lay.features = nil // the method needs no features
	}
	forced := map[int]bool{}
	for _, c := range o.Categorical {
		i, err := resolve(tableLay.names, tableLay.nfields, c, "--categorical", file)
		if err != nil {
			return err
		}
		forced[i] = true
	}
	b.Cols = make([]CodedColumn, len(lay.features))
	for j := range lay.features {
		t := tableLay.features[j]
		b.Features = append(b.Features, tableLay.colName(t))
		b.Explicit = append(b.Explicit, tableLay.explicit[t])
		b.Forced = append(b.Forced, forced[t])
	}
	return nil
}
