package transform

// A distributed flip: the plan of MakePlanFiles computed in stages that
// separate workers can run, for an engine such as Apache Beam (see the beam
// module). Each stage is a plain function over plain values, so that the
// pipeline only wires them together and PlanStaged runs them in one
// process (the tests compare it with MakePlanFiles).
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
// row key), so the result does not depend on how the rows were split. The
// features reach the model exactly as in the one-process path: a feature's
// kind, missing indicator and text levels (in first-seen order) are those
// of the whole table, and the reference rows are in row-key order.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// DefaultShardBytes is the byte size a CSV file is split at.
const DefaultShardBytes = 64 << 20

// RefFile is the file index of the --reference file.
const RefFile = -1

// DistFile is one input file of a distributed flip, as Inspect found it.
type DistFile struct {
	Index   int // position in the table (lexical order); RefFile for --reference
	Path    string
	Parquet bool
	Size    int64
	ModTime int64 // nanoseconds since the epoch, when inspected
	SHA256  string
	Empty   bool // a 0-byte CSV file: a part with no rows

	Names     []string // column names (header, --header-names, or nil)
	NFields   int
	Delim     byte
	CountLine int // line of the record that fixed the field count
	Shards    []Shard
}

// Shard is a piece of one file that a worker reads on its own: whole CSV
// records in the bytes [Start, End), or Parquet row groups [Start, End).
type Shard struct {
	File    int
	Index   int
	Path    string
	Parquet bool
	Start   int64
	End     int64
	// CSV: the physical lines before Start, and what a scanner that starts
	// there must know (Resume).
	Line      int
	Delim     byte
	NFields   int
	CountLine int
	Names     []string
	// A shard of the --reference file: the table's column names and
	// count, set by CheckFiles, so that its columns are found by name.
	TableNames   []string
	TableNFields int
}

// layout resolves a shard's columns: the table's, or for a --reference
// shard the reference's columns that hold the table's label, sensitive
// and feature columns (referenceLayout). tableLay is the table's layout,
// against which --categorical is resolved.
func (o *Options) shardLayout(sh Shard) (lay, tableLay *layout, err error) {
	if sh.File != RefFile {
		lay, err = o.buildLayout(sh.Names, sh.NFields, sh.Delim, sh.Path)
		return lay, lay, err
	}
	if sh.TableNFields == 0 {
		return nil, nil, fmt.Errorf("a --reference shard of %s was read before CheckFiles matched its columns to the table's", sh.Path)
	}
	if tableLay, err = o.buildLayout(sh.TableNames, sh.TableNFields, sh.Delim, sh.Path); err != nil {
		return nil, nil, err
	}
	lay, err = referenceLayout(tableLay, sh.Names, sh.NFields, sh.Delim, sh.Path)
	return lay, tableLay, err
}

// Batch is what Extract reads from one shard: per data row its group,
// label, membership and feature cells. A shard of the --reference file
// keeps only its majority rows (Local holds their row numbers).
type Batch struct {
	File, Shard int
	// Part numbers the pieces of a shard's batch (Split); its rows start
	// at the shard's data row RowBase.
	Part, RowBase int
	Rows          int     // data rows in the shard (in part 0; 0 in the others)
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
}

// CodedColumn holds one column's cells of a batch, dictionary-coded: row
// i's cell is Levels[Codes[i]]. Most columns have few distinct values, so
// a batch is small to send, and each distinct value is parsed once.
type CodedColumn struct {
	Levels []string
	Codes  []int32

	index map[string]int32
}

func (c *CodedColumn) add(v []byte) {
	if c.index == nil {
		c.index = map[string]int32{}
	}
	k, ok := c.index[string(v)]
	if !ok {
		k = int32(len(c.Levels))
		s := string(v)
		c.Levels = append(c.Levels, s)
		c.index[s] = k
	}
	c.Codes = append(c.Codes, k)
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
			p.Rows, p.PositiveText, p.PositiveRow, p.Notices = b.Rows, b.PositiveText, b.PositiveRow, b.Notices
			p.NearPositive, p.NonMembers = b.NearPositive, b.NonMembers
		}
		p.Cols = make([]CodedColumn, len(b.Cols))
		for j := range b.Cols {
			p.Cols[j] = b.Cols[j].slice(lo, hi)
		}
		parts = append(parts, p)
	}
	return parts
}

// slice returns rows [lo, hi) of the column, with only their levels.
func (c *CodedColumn) slice(lo, hi int) CodedColumn {
	remap := make([]int32, len(c.Levels))
	for i := range remap {
		remap[i] = -1
	}
	var out CodedColumn
	out.Codes = make([]int32, hi-lo)
	for i, k := range c.Codes[lo:hi] {
		if remap[k] < 0 {
			remap[k] = int32(len(out.Levels))
			out.Levels = append(out.Levels, c.Levels[k])
		}
		out.Codes[i] = remap[k]
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
func (f *Offsets) Key(b *Batch, i int) uint64 {
	r := uint64(f.Start[[2]int{b.File, b.Shard}] + b.local(i))
	if b.Ref() {
		return refKeyBase + r
	}
	return uint64(b.File)<<40 | r
}

// Inspect reads one file: its header, SHA-256 and shards. CSV files are
// split into pieces of about shardBytes at record starts (a file with a
// quote character is split where the real scanner finds its records, so
// that quoted line breaks stay whole); Parquet files by row group.
func (o *Options) Inspect(ctx context.Context, path string, index int, shardBytes int64) (*DistFile, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if shardBytes <= 0 {
		shardBytes = DefaultShardBytes
	}
	in := FileInput(path)
	st, err := os.Stat(path)
	if err != nil {
		return nil, fferr.IO(err)
	}
	f := &DistFile{Index: index, Path: path, Parquet: in.Format == tableio.Parquet, Size: st.Size(), ModTime: st.ModTime().UnixNano()}
	if f.Parquet {
		return f, o.inspectParquet(in, f)
	}
	if f.Size == 0 {
		if index == RefFile {
			return nil, fferr.Data("--reference %s is empty", path)
		}
		f.Empty = true
		sum := sha256.Sum256(nil)
		f.SHA256 = hex.EncodeToString(sum[:])
		return f, nil
	}
	// The head: delimiter, names, field count, and where the data starts.
	rc, err := in.Open()
	if err != nil {
		return nil, fferr.IO(err)
	}
	sc := tableio.NewScanner(rc, path, dialectFor(in, o.Dialect))
	var dataStart int64
	for {
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			rc.Close()
			if errors.Is(err, tableio.ErrEmptyInput) {
				err = &tableio.RowError{File: path, Err: tableio.ErrNoHeader}
			}
			return nil, classify(err)
		}
		dataStart += int64(len(rec.Raw) + len(rec.Term))
		if rec.Kind == tableio.Passthrough {
			continue
		}
		f.Delim, f.NFields, f.CountLine = sc.Delimiter(), len(rec.Fields), rec.Line
		f.Names = sc.HeaderNames()
		if !o.Dialect.Header {
			dataStart -= int64(len(rec.Raw) + len(rec.Term)) // the first record is data
			if len(o.HeaderNames) > 0 {
				if len(o.HeaderNames) != f.NFields {
					rc.Close()
					return nil, fferr.Usage("--header-names gives %d names, but %s has %d columns (line %d)", len(o.HeaderNames), path, f.NFields, rec.Line)
				}
				if err := headerAsData(rec, o.HeaderNames, path); err != nil {
					rc.Close()
					return nil, err
				}
				f.Names = o.HeaderNames
			}
		}
		break
	}
	rc.Close()
	if f.NFields == 0 {
		if index == RefFile {
			return nil, fferr.Data("--reference %s has no header or data record", path)
		}
		return nil, fferr.Data("%s has no header or data record (only lines passed through): a part of a table needs its header, or no bytes at all", path)
	}
	cuts, lines, quoted, err := o.hashAndCut(ctx, f, dataStart, shardBytes)
	if err != nil {
		return nil, err
	}
	if quoted {
		if cuts, lines, err = o.recordCuts(ctx, in, dataStart, shardBytes); err != nil {
			return nil, err
		}
	}
	start, line := int64(0), 0
	for i := 0; i <= len(cuts); i++ {
		end := f.Size
		if i < len(cuts) {
			end = cuts[i]
		}
		f.Shards = append(f.Shards, Shard{File: index, Index: i, Path: path, Start: start, End: end, Line: line,
			Delim: f.Delim, NFields: f.NFields, CountLine: f.CountLine, Names: f.Names})
		if i < len(cuts) {
			start, line = cuts[i], lines[i]
		}
	}
	return f, nil
}

// hashAndCut reads a CSV file once: its SHA-256, and cut points after line
// breaks about every shardBytes past dataStart (with the lines before
// each). quoted reports a quote character anywhere: the cuts are then not
// trusted (a line break may be inside a quoted field).
func (o *Options) hashAndCut(ctx context.Context, f *DistFile, dataStart, shardBytes int64) (cuts []int64, lines []int, quoted bool, err error) {
	r, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, false, fferr.IO(err)
	}
	defer r.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var pos int64
	line := 0
	next := dataStart + shardBytes
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, false, err
		}
		n, rerr := r.Read(buf)
		b := buf[:n]
		h.Write(b)
		if !quoted && bytes.IndexByte(b, '"') >= 0 {
			quoted = true
		}
		for i := 0; i < len(b); {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				break
			}
			line++
			at := pos + int64(i+j+1)
			if at >= next && at < f.Size {
				cuts, lines = append(cuts, at), append(lines, line)
				next = at + shardBytes
			}
			i += j + 1
		}
		pos += int64(n)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, nil, false, fferr.IO(rerr)
		}
	}
	if pos != f.Size {
		return nil, nil, false, fferr.Data("%s changed while it was being read (%d bytes, %d before)", f.Path, pos, f.Size)
	}
	f.SHA256 = hex.EncodeToString(h.Sum(nil))
	return cuts, lines, quoted, nil
}

// recordCuts finds cut points with the scanner: at the start of the first
// record at or past every shardBytes after dataStart.
func (o *Options) recordCuts(ctx context.Context, in *Input, dataStart, shardBytes int64) (cuts []int64, lines []int, err error) {
	rc, err := in.Open()
	if err != nil {
		return nil, nil, fferr.IO(err)
	}
	defer rc.Close()
	sc := tableio.NewScanner(rc, in.Name, dialectFor(in, o.Dialect))
	var pos int64
	next := dataStart + shardBytes
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		rec, err := sc.Next()
		if err == io.EOF {
			return cuts, lines, nil
		}
		if err != nil {
			return nil, nil, classify(err)
		}
		if pos >= next && rec.Kind != tableio.Header {
			cuts, lines = append(cuts, pos), append(lines, rec.Line-1)
			next = pos + shardBytes
		}
		pos += int64(len(rec.Raw) + len(rec.Term))
	}
}

func (o *Options) inspectParquet(in *Input, f *DistFile) error {
	if f.Index == RefFile {
		return fferr.Usage("--reference must be a CSV file")
	}
	pf, ra, size, done, err := openParquet(in, o.ParquetLimits)
	if err != nil {
		return err
	}
	defer done()
	lay, _, _, err := o.parquetLayout(pf, in.Name)
	if err != nil {
		return err
	}
	if err := pf.CheckRows(lay.label); err != nil {
		return fferr.Wrap(fferr.ErrData, err)
	}
	f.Names, f.NFields = lay.names, lay.nfields
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, size)); err != nil {
		return fferr.IO(err)
	}
	f.SHA256 = hex.EncodeToString(h.Sum(nil))
	for g := range pf.RowGroupSizes() {
		f.Shards = append(f.Shards, Shard{File: f.Index, Index: g, Path: f.Path, Parquet: true, Start: int64(g), End: int64(g + 1), Names: f.Names, NFields: f.NFields})
	}
	return nil
}

// Extract reads one shard with fairflip's own readers.
func (o *Options) Extract(ctx context.Context, sh Shard) (*Batch, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	b := &Batch{File: sh.File, Shard: sh.Index, PositiveRow: -1}
	if sh.Parquet {
		err = o.extractParquet(ctx, sh, rules, b)
	} else {
		err = o.extractCSV(ctx, sh, rules, b)
	}
	if err != nil {
		return nil, err
	}
	if !b.Ref() {
		b.NearPositive, b.NonMembers = rules.tallies()
	}
	return b, nil
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

func (o *Options) extractCSV(ctx context.Context, sh Shard, rules *rowRules, b *Batch) error {
	in := FileInput(sh.Path)
	r, err := os.Open(sh.Path)
	if err != nil {
		return fferr.IO(err)
	}
	defer r.Close()
	d := dialectFor(in, o.Dialect)
	if sh.Start > 0 {
		d.Delimiter, d.Header, d.SkipLines = sh.Delim, false, 0
	}
	sc := tableio.NewScanner(io.NewSectionReader(r, sh.Start, sh.End-sh.Start), sh.Path, d)
	if sh.Start > 0 {
		sc.Resume(sh.Line, sh.NFields, sh.CountLine)
	}
	lay, tableLay, err := o.shardLayout(sh)
	if err != nil {
		return err
	}
	if err := o.featureLayout(b, lay, tableLay, sh.Path); err != nil {
		return err
	}
	cells := make([]string, len(lay.sensitive))
	ref := sh.File == RefFile
	for {
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, tableio.ErrEmptyInput) {
				break
			}
			return classify(err)
		}
		if rec.Kind != tableio.Data {
			continue
		}
		if rec.Row&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b.Rows++
		for i, c := range lay.sensitive {
			cells[i] = rec.Value(c)
		}
		g, err := rules.group(cells)
		if err != nil {
			return rowErr(sh.Path, rec.Line, lay.sensitive[0], lay, "%v", err)
		}
		had := rules.positiveText != ""
		p, err := rules.label(rec.Value(lay.label))
		if err != nil {
			return rowErr(sh.Path, rec.Line, lay.label, lay, "%v", err)
		}
		if !had && rules.positiveText != "" {
			b.PositiveText, b.PositiveRow = rules.positiveText, rec.Row
		}
		if ref && g != GroupMajority {
			continue
		}
		if ref {
			b.Local = append(b.Local, int64(rec.Row))
		}
		b.Group = append(b.Group, g)
		b.Positive = append(b.Positive, p)
		if lay.members >= 0 && !ref {
			b.Member = append(b.Member, rules.member(rec.Value(lay.members)))
		}
		for j, c := range lay.features {
			b.Cols[j].add(rec.ValueBytes(c))
		}
	}
	return nil
}

func (o *Options) extractParquet(ctx context.Context, sh Shard, rules *rowRules, b *Batch) error {
	in := FileInput(sh.Path)
	pf, _, _, done, err := openParquet(in, o.ParquetLimits)
	if err != nil {
		return err
	}
	defer done()
	lay, cols, notices, err := o.parquetLayout(pf, in.Name)
	if err != nil {
		return err
	}
	if sh.Index == 0 {
		b.Notices = notices
	}
	if err := o.featureLayout(b, lay, lay, sh.Path); err != nil {
		return err
	}
	g0, g1 := int(sh.Start), int(sh.End)
	sizes := pf.RowGroupSizes()
	var first int64
	for _, n := range sizes[:g0] {
		first += n
	}
	var n int64
	for _, s := range sizes[g0:g1] {
		n += s
	}
	b.Rows = int(n)
	scan := func(col int, fn func(i int, text []byte, null bool) error) error {
		err := pf.ScanColumnGroups(col, g0, g1, func(row int64, text []byte, null bool) error {
			return fn(int(row-first), text, null)
		})
		if err != nil && !errors.Is(err, fferr.ErrData) {
			return classify(err)
		}
		return err
	}
	rowErrAt := func(i, col int, err error) error {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Row: first + int64(i) + 1, Column: col + 1, Name: cols[col].Name, Err: err})
	}
	sens := make([][]string, len(lay.sensitive))
	for j, c := range lay.sensitive {
		sens[j] = make([]string, 0, n)
		if err := scan(c, func(_ int, text []byte, null bool) error {
			v := ""
			if !null {
				v = string(text)
			}
			sens[j] = append(sens[j], v)
			return nil
		}); err != nil {
			return err
		}
	}
	cells := make([]string, len(sens))
	b.Group = make([]int8, n)
	for i := range b.Group {
		for j := range sens {
			cells[j] = sens[j][i]
		}
		g, err := rules.group(cells)
		if err != nil {
			return rowErrAt(i, lay.sensitive[0], err)
		}
		b.Group[i] = g
	}
	b.Positive = make([]bool, 0, n)
	if err := scan(lay.label, func(i int, text []byte, null bool) error {
		v := ""
		if !null {
			v = string(text)
		}
		had := rules.positiveText != ""
		p, err := rules.label(v)
		if err != nil {
			return rowErrAt(i, lay.label, err)
		}
		if !had && rules.positiveText != "" {
			b.PositiveText, b.PositiveRow = rules.positiveText, i
		}
		b.Positive = append(b.Positive, p)
		return nil
	}); err != nil {
		return err
	}
	if lay.members >= 0 {
		if err := scan(lay.members, func(_ int, text []byte, null bool) error {
			b.Member = append(b.Member, !null && rules.member(string(text)))
			if null {
				rules.member("")
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for j, f := range lay.features {
		if err := ctx.Err(); err != nil {
			return err
		}
		col := &b.Cols[j]
		col.Codes = make([]int32, 0, n)
		if err := scan(f, func(_ int, text []byte, null bool) error {
			col.add(text) // a null is "": missing
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
