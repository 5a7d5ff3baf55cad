package tableio

// Rewriting: the changes asked for (ParquetRewrite), their validation (plan),
// and the steps of a rewrite (run). The values are written column by column
// (parquet_rewrite_columns.go) or row by row (parquet_rewrite_rows.go); the
// output's schema is made in parquet_output_schema.go, its key/value metadata
// in parquet_kv.go and its statistics in parquet_stats.go.

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ParquetRewrite says what to change when rewriting.
type ParquetRewrite struct {
	// Set maps a leaf column index to the cells to change in it: row → new
	// value in text form (converted to the column's type). A changed cell is
	// never null.
	Set map[int]map[int64]string
	// AppendColumn, if not empty, appends an optional string column of this
	// name as the last top-level column; Append maps row → its value; rows
	// not in the map are null.
	AppendColumn string
	Append       map[int64]string
	// DropColumn, if >= 0, drops this flat leaf column (it must be a top-level
	// column), e.g. the audit column on undo. Set it to -1 to drop nothing:
	// the zero value 0 drops the first column.
	DropColumn int
}

// RewriteParquet writes src to w with the changes applied, keeping everything
// else: the columns in their order with their physical and logical types,
// repetition and field ids; every value and null of the cells that are not
// changed, nested and repeated columns included; one output row group per
// non-empty input row group with the same number of rows; and the key/value
// metadata, except that:
//
//   - when a column is appended, ARROW:schema (which the new column would make
//     stale) moves to fairflip.original.ARROW:schema, and pandas is copied to
//     fairflip.original.pandas and gets an entry for the new column;
//   - when a column is dropped and fairflip.original.* keys exist, they are
//     restored to their original keys and removed.
//
// So rewriting with AppendColumn and then dropping that column gives back the
// original metadata exactly. Row groups without rows are not written, and
// no bloom filters.
//
// It splices where it can (parquet_splice.go; spliceable says where not):
// a column chunk without a changed cell is copied as the input's bytes, its
// pages verbatim, with the input's metadata (codec, encodings, statistics,
// column index, offset index shifted to its new place; the page index is
// dropped where the input's does not list the chunk's pages), and the
// footer keeps the input's schema elements and created_by (the copied pages
// are its writer's). A copied chunk's statistics and column index are the
// input's claims about the same bytes: true of its values exactly as far as
// they were in the input. Only the chunks with changed cells and the
// appended column are encoded, as below.
//
// An encoded chunk, and every chunk where the rewrite cannot splice, gets
// the codec of its column (that of its chunk in the first row group);
// dictionary encoding (and the first data page's encoding otherwise); the
// data page version of the first page; parquet-go's column and offset
// indexes; and statistics of its values by the column's logical order
// (parquet_stats.go): none where the order is undefined or a float chunk
// holds a NaN, and no column index where it could not be right. Without
// the splice, the file gets parquet-go's created_by (readers use it to work
// around bugs of the writer that made the file).
//
// Every page of the input is walked and checked first (checkPages), copied
// or not. VerifyParquetRewrite checks the result.
func RewriteParquet(src *ParquetFile, w io.Writer, rw ParquetRewrite) (err error) {
	rx := &parquetRewriter{p: src, rg: -1, col: -1}
	defer func() {
		if !src.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			recoverParquet(rec, src.name, src.leafName(rx.col), rx.rg, &err)
		}
	}()
	return rx.run(w, rw)
}

type parquetCellChange struct {
	row int64
	col int
	val parquet.Value
}

type parquetAppendCell struct {
	row int64
	val parquet.Value
}

type parquetRewriter struct {
	p       *ParquetFile
	rg, col int // where we are, for error messages

	sets       []parquetCellChange // sorted by row, then column
	appends    []parquetAppendCell // sorted by row
	drop       int
	append     bool
	appendName string
	outCol     int    // leaf index of the appended column in the output
	only       []bool // if not nil, the input leaves to write (and the appended column): runSplice's encoded columns

	maxDef, maxRep []int
	pos            []int // index in the current row of the first value of each column

	outLeaves []*parquetLeaf      // the leaf of each output column (initStats)
	stats     [][]parquetStatsAcc // by input row group, then output column
	reads     [][]valueDigest     // what parquet-go read, by row group and input leaf
}

// run rewrites the file: it checks the rewrite and every page of the input
// before writing anything, then splices (runSplice) where it can, else
// writes the row groups column by column (runColumns) where it can, else
// row by row (runRows).
func (x *parquetRewriter) run(w io.Writer, rw ParquetRewrite) error {
	if err := x.plan(rw); err != nil {
		return err
	}
	if err := x.checkPages(); err != nil {
		return err
	}
	x.p.copied, x.p.reads = nil, nil
	if x.spliceable() {
		return x.runSplice(w, rw)
	}
	wr, tw, err := x.newWriter(w, rw)
	if err != nil {
		return err
	}
	x.p.reads = nil
	if x.columnWise() {
		err = x.runColumns(wr)
	} else {
		err = x.runRows(wr)
	}
	if err != nil {
		return err
	}
	return x.close(wr, tw)
}

// checkPages checks every page of the input (checkChunk), the chunks on
// GOMAXPROCS goroutines; it returns the first error in file order.
func (x *parquetRewriter) checkPages() error {
	p := x.p
	n := len(p.meta.RowGroups) * len(p.leaves)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), n)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				p.walkChunk(i/len(p.leaves), i%len(p.leaves))
			}
		})
	}
	wg.Wait()
	for g := range p.meta.RowGroups {
		for c := range p.leaves {
			x.rg, x.col = g, c
			if err := p.checkChunk(g, c); err != nil {
				return err
			}
		}
	}
	x.rg, x.col = -1, -1
	return nil
}

// walkChunk runs checkChunk on chunk (g, c) on a goroutine of its own: a
// panic inside becomes the chunk's error.
func (p *ParquetFile) walkChunk(g, c int) {
	defer func() {
		if !p.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			var err error
			recoverParquet(rec, p.name, p.leafName(c), g, &err)
			p.mu.Lock()
			p.checks[[2]int{g, c}].err = err
			p.mu.Unlock()
		}
	}()
	p.chunkCheck(g, c)
}

// newWriter makes the writer of the output: its schema (outputSchema), data
// page version, page statistics and key/value metadata, through a tailWriter
// that keeps the footer for fixFooter. It also prepares the statistics.
func (x *parquetRewriter) newWriter(w io.Writer, rw ParquetRewrite) (*parquet.Writer, *tailWriter, error) {
	p := x.p
	schema, skip, pageVersion := x.outputSchema(rw)
	opts := []parquet.WriterOption{schema, parquet.DataPageVersion(pageVersion)}
	for _, s := range skip {
		opts = append(opts, parquet.SkipPageStatistics(s.path...))
		if s.noBounds {
			opts = append(opts, parquet.SkipPageBounds(s.path...))
		}
	}
	cfg, err := parquet.NewWriterConfig(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p.name, err)
	}
	x.initStats()
	tw := &tailWriter{w: w}
	wr := parquet.NewWriter(tw, cfg)
	for _, kv := range x.outputKV(rw) {
		wr.SetKeyValueMetadata(kv.Key, kv.Value)
	}
	return wr, tw, nil
}

// outputKV returns the output's key/value metadata (rewriteParquetKV), by
// key.
func (x *parquetRewriter) outputKV(rw ParquetRewrite) []format.KeyValue {
	kv := rewriteParquetKV(x.p.kv, rw, x.droppedName())
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]format.KeyValue, len(keys))
	for i, k := range keys {
		out[i] = format.KeyValue{Key: k, Value: kv[k]}
	}
	return out
}

// close finishes the file: parquet-go writes the page index and the footer,
// whose statistics are then fixed (fixFooter).
func (x *parquetRewriter) close(wr *parquet.Writer, tw *tailWriter) error {
	tw.capture = true
	if err := wr.Close(); err != nil {
		return fmt.Errorf("%s: writing: %w", x.p.name, err)
	}
	var stats [][]parquetStatsAcc
	for g, st := range x.stats {
		if x.p.rgSizes[g] > 0 { // row groups without rows are not written
			stats = append(stats, st)
		}
	}
	if err := tw.fixFooter(stats, x.outLeaves); err != nil {
		return fmt.Errorf("%s: writing: %w", x.p.name, err)
	}
	x.p.reads = x.reads
	return nil
}

// plan validates the rewrite and converts the new cells to the columns' types.
func (x *parquetRewriter) plan(rw ParquetRewrite) error {
	p := x.p
	x.drop = -1
	if rw.DropColumn >= 0 {
		if rw.DropColumn >= len(p.leaves) {
			return fmt.Errorf("%s: cannot drop column %d (the file has %d columns)", p.name, rw.DropColumn, len(p.leaves))
		}
		l := p.leaves[rw.DropColumn]
		if !l.flat {
			return p.nestedError(l)
		}
		if len(p.leaves) == 1 && rw.AppendColumn == "" {
			return fmt.Errorf("%s: cannot drop column %s, the file's only column", p.name, l.name)
		}
		x.drop = rw.DropColumn
	}
	for col, cells := range rw.Set {
		if col < 0 || col >= len(p.leaves) {
			return fmt.Errorf("%s: no column %d (the file has %d columns)", p.name, col, len(p.leaves))
		}
		l := p.leaves[col]
		if !l.flat {
			return p.nestedError(l)
		}
		if col == x.drop {
			return fmt.Errorf("%s: column %s is both changed and dropped", p.name, l.name)
		}
		for row, text := range cells {
			if row < 0 || row >= p.numRows {
				return fmt.Errorf("%s: column %s: row %d is out of range (the file has %d rows)", p.name, l.name, row, p.numRows)
			}
			v, err := parquetValueFromText(text, l)
			if err != nil {
				return fmt.Errorf("%s: row %d: %w", p.name, row, err)
			}
			x.sets = append(x.sets, parquetCellChange{row: row, col: col, val: v})
		}
	}
	slices.SortFunc(x.sets, func(a, b parquetCellChange) int {
		if a.row != b.row {
			if a.row < b.row {
				return -1
			}
			return 1
		}
		return a.col - b.col
	})
	if rw.AppendColumn != "" {
		for i, f := range p.f.Root().Columns() {
			if f.Name() == rw.AppendColumn && !(x.drop >= 0 && p.leaves[x.drop].top == i) {
				return fmt.Errorf("%s: the file already has a column %s", p.name, rw.AppendColumn)
			}
		}
		x.append, x.appendName = true, rw.AppendColumn
		x.outCol = len(p.leaves)
		if x.drop >= 0 {
			x.outCol--
		}
		for row, text := range rw.Append {
			if row < 0 || row >= p.numRows {
				return fmt.Errorf("%s: column %s: row %d is out of range (the file has %d rows)", p.name, rw.AppendColumn, row, p.numRows)
			}
			x.appends = append(x.appends, parquetAppendCell{row: row, val: parquet.ByteArrayValue([]byte(text))})
		}
		slices.SortFunc(x.appends, func(a, b parquetAppendCell) int {
			switch {
			case a.row < b.row:
				return -1
			case a.row > b.row:
				return 1
			}
			return 0
		})
	} else if len(rw.Append) > 0 {
		return fmt.Errorf("%s: values to append but no column name", p.name)
	}
	return nil
}

// outputSources returns the input leaf of each output column (-1: the
// appended one): the input's leaves but the dropped one (and, when x.only is
// set, but those it leaves out), in order, then the appended column.
func (x *parquetRewriter) outputSources() []int {
	src := make([]int, 0, len(x.p.leaves)+1)
	for c := range x.p.leaves {
		if c != x.drop && (x.only == nil || x.only[c]) {
			src = append(src, c)
		}
	}
	if x.append {
		src = append(src, -1)
	}
	return src
}

// setsByColumn returns the cells to change of each input leaf, by row.
func (x *parquetRewriter) setsByColumn() [][]parquetCellChange {
	setsOf := make([][]parquetCellChange, len(x.p.leaves))
	for _, s := range x.sets {
		setsOf[s.col] = append(setsOf[s.col], s)
	}
	return setsOf
}

func (x *parquetRewriter) droppedName() string {
	if x.drop < 0 {
		return ""
	}
	return x.p.leaves[x.drop].name
}
