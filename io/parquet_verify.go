package tableio

// The check of a rewrite: VerifyParquetRewrite checks a column chunk that
// the rewrite copied from the input (the splice) by its bytes, metadata and
// page index (parquet_splice_verify.go), and decodes every other column
// chunk of the output and of the input with the reference reader (parquet_ref.go),
// which does not share parquet-go's page reader, and compares them value by
// value, levels included: every column that the rewrite does not change must
// hold what the input holds, the changed cells their new values, the appended
// column its cells. It also checks every statistic of the output against its
// values: each chunk's null count, min and max (parquetStatsAcc), each column
// index and page header, and the offset index.
//
// When the output differs from the input where it should not, the cell is
// decoded again with parquet-go, as the rewrite read it: if parquet-go reads
// the input differently from the reference reader, the input cannot be read
// faithfully (ErrParquetDecode, bad input data); otherwise the rewrite wrote
// something else than it read (ErrParquetMismatch, a bug). An input page that
// the reference reader finds corrupt (a checksum that does not match, a page
// that does not decompress to its declared size) is ErrParquetDecode too.
//
// Memory is bounded by two pages (one of each file) per goroutine; the
// column chunks are checked on GOMAXPROCS goroutines.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// ErrParquetDecode marks an input that parquet-go does not decode as the
// Parquet format says it should, or that is corrupt: bad input data.
var ErrParquetDecode error = kindSentinel{"the file cannot be read faithfully", ErrMalformed}

// ErrParquetMismatch marks a rewritten file that does not hold what the
// rewrite should have written (values, statistics or structure): a bug.
var ErrParquetMismatch error = kindSentinel{"the rewritten file is not what it should be", ErrInternal}

// VerifyParquetRewrite checks that out holds exactly src rewritten with rw
// (see RewriteParquet): a chunk copied from src holds src's bytes with src's
// metadata and page index; every other chunk holds src's values but the
// changed cells, with true statistics. out is opened from the
// rewritten bytes. Errors wrap ErrParquetDecode (the input cannot be read
// faithfully), ErrParquetMismatch (the output is wrong), or neither (an I/O
// error reading either file).
func VerifyParquetRewrite(src, out *ParquetFile, rw ParquetRewrite) (err error) {
	defer func() {
		if !src.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			err = fmt.Errorf("%s: checking %s: %w (a panic: %v)", src.name, out.name, ErrParquetMismatch, rec)
		}
	}()
	x := &parquetRewriter{p: src, rg: -1, col: -1}
	if err := x.plan(rw); err != nil {
		return err
	}
	v := &parquetVerifier{src: src, out: out, x: x, leaves: x.outputLeaves()}
	if err := v.structure(); err != nil {
		return err
	}
	return v.run()
}

type parquetVerifier struct {
	src, out *ParquetFile
	x        *parquetRewriter
	leaves   []*parquetLeaf // of the output
	groups   []int          // the input row group of each output row group
	srcOf    []int          // the input leaf of each output column (-1: appended)
	setsOf   [][]parquetCellChange
}

func (v *parquetVerifier) mismatch(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", v.out.name, ErrParquetMismatch, fmt.Sprintf(format, args...))
}

// structure checks the output's columns and row groups.
func (v *parquetVerifier) structure() error {
	src, out, x := v.src, v.out, v.x
	if len(out.leaves) != len(v.leaves) {
		return v.mismatch("%d columns, want %d", len(out.leaves), len(v.leaves))
	}
	v.srcOf = x.outputSources()
	for o, want := range v.leaves {
		got := out.leaves[o]
		if got.name != want.name || got.kind != want.kind || got.typeLen != want.typeLen || got.maxDef != want.maxDef || got.maxRep != want.maxRep || got.order() != want.order() {
			return v.mismatch("column %d is %s %s (levels %d, %d), want %s %s (levels %d, %d)", o+1, got.name, got.desc, got.maxDef, got.maxRep, want.name, want.desc, want.maxDef, want.maxRep)
		}
	}
	for g, n := range src.rgSizes {
		if n > 0 {
			v.groups = append(v.groups, g)
		}
	}
	if len(out.rgSizes) != len(v.groups) {
		return v.mismatch("%d row groups, want %d", len(out.rgSizes), len(v.groups))
	}
	for og, g := range v.groups {
		if out.rgSizes[og] != src.rgSizes[g] {
			return v.mismatch("row group %d has %d rows, want %d", og, out.rgSizes[og], src.rgSizes[g])
		}
	}
	v.setsOf = x.setsByColumn()
	return nil
}

type verifyTask struct{ og, o int }

// run checks every column chunk, on several goroutines; it returns the first
// error, in file order, of those that say the input cannot be read
// faithfully, or else the first error.
func (v *parquetVerifier) run() error {
	nOut := len(v.leaves)
	tasks := make(chan verifyTask)
	errs := make([]error, len(v.groups)*nOut)
	workers := max(1, min(runtime.GOMAXPROCS(0), len(errs)))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := &verifyWorker{v: v}
			defer w.bufs.close()
			for t := range tasks {
				errs[t.og*nOut+t.o] = w.checkChunk(t.og, t.o)
			}
		})
	}
	for og := range v.groups {
		for o := range nOut {
			tasks <- verifyTask{og, o}
		}
	}
	close(tasks)
	wg.Wait()
	var first error
	for _, err := range errs {
		if err != nil && errors.Is(err, ErrParquetDecode) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// verifyWorker checks column chunks one at a time, with its own buffers.
type verifyWorker struct {
	v        *parquetVerifier
	in, outR refReader
	bufs     refBuffers
	raw      []byte
	sameIdx  []int32  // by input dictionary index: an output index known to hold the same value, or -1
	words    []uint64 // by input dictionary index: its digest word (0: not known yet)
	wordOK   []bool
	cmp      chunkCompare // the chunk being checked
}

// valueDiff is the first cell of an output chunk that differs from what it
// should hold.
type valueDiff struct {
	value, row      int64 // value index in the chunk, row in the row group
	got, want       []byte
	gotDef, wantDef int
	changed         bool // a cell the rewrite changes (or appends)
	encoding        format.Encoding
}

// dictWord is the digest word of the input's dictionary entry i (value b),
// computed once per chunk.
func (w *verifyWorker) dictWord(k parquet.Kind, i int32, b []byte) uint64 {
	for int(i) >= len(w.words) {
		w.words, w.wordOK = append(w.words, 0), append(w.wordOK, false)
	}
	if !w.wordOK[i] {
		w.words[i], w.wordOK[i] = digestWord(k, b), true
	}
	return w.words[i]
}

// levelAt is level i, or max if the column has no such levels.
func levelAt(levels []byte, i, max int) int {
	if levels == nil {
		return max
	}
	return int(levels[i])
}

// pageOwn reports whether the current page was decoded by the reference
// reader's own decoders.
func (r *refReader) pageOwn() bool { return r.page.own }

// text describes a value in statistics form for a message.
func (w *verifyWorker) text(l *parquetLeaf, raw []byte, def int) string {
	if def < l.maxDef {
		return "null"
	}
	return fmt.Sprintf("%q", appendParquetText(nil, rawValue(l, raw), l))
}

// at names a cell of input chunk (g, s) for a message.
func (w *verifyWorker) at(g, s int, d *valueDiff) string {
	p := w.v.src
	if p.leaves[s].maxRep > 0 {
		return fmt.Sprintf("value %d of row group %d", d.value+1, g)
	}
	return fmt.Sprintf("row %d", p.rgStarts[g]+d.row+1)
}

// unfaithful is the error for an input chunk (g, s) that parquet-go read,
// for the rewrite, otherwise than its pages hold: d, if known, is the first
// cell where the output (which holds what parquet-go read) differs.
func (w *verifyWorker) unfaithful(g, s int, d *valueDiff) error {
	p := w.v.src
	l := p.leaves[s]
	m := &p.meta.RowGroups[g].Columns[s].MetaData
	if d == nil || d.changed {
		return fmt.Errorf("%s: column %s: row group %d: %w: parquet-go decodes its values otherwise than its pages hold them (codec %s)",
			p.name, l.name, g, ErrParquetDecode, m.Codec)
	}
	return fmt.Errorf("%s: column %s: %w: parquet-go decodes %s as %s, but the page holds %s (codec %s, encoding %s)",
		p.name, l.name, ErrParquetDecode, w.at(g, s, d), w.text(l, d.got, d.gotDef), w.text(l, d.want, d.wantDef), m.Codec, d.encoding)
}

// diagnose explains a difference d between output chunk (og, o) and what
// it should hold, when the digest of what the rewrite read is not known
// or agrees with the pages. If d is in a cell the rewrite copies, the cell
// is decoded again with parquet-go: if parquet-go reads something else than
// the reference reader, the input cannot be read faithfully; if not, the
// rewrite wrote something else than it read.
func (w *verifyWorker) diagnose(og, o int, d *valueDiff) error {
	v := w.v
	g, s := v.groups[og], v.srcOf[o]
	l := v.leaves[o]
	if s < 0 || d.changed {
		return v.mismatch("column %s, row %d: %s, want %s", l.name, v.src.rgStarts[g]+d.row+1, w.text(l, d.got, d.gotDef), w.text(l, d.want, d.wantDef))
	}
	if reads := v.src.reads; !(g < len(reads) && reads[g][s].n > 0) {
		pg, pgDef, err := v.src.decodeValueAt(g, s, d.value)
		if err == nil && (pgDef != d.wantDef || !bytes.Equal(pg, d.want)) {
			d.got, d.gotDef = pg, pgDef
			return w.unfaithful(g, s, d)
		}
	}
	return v.mismatch("column %s, %s: %s, want %s (the input's)", l.name, w.at(g, s, d), w.text(l, d.got, d.gotDef), w.text(l, d.want, d.wantDef))
}

// decodeValueAt decodes value i (nulls included) of chunk (g, col) with
// parquet-go, in statistics form, with its definition level.
func (p *ParquetFile) decodeValueAt(g, col int, i int64) (raw []byte, def int, err error) {
	defer func() {
		if !p.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			recoverParquet(rec, p.name, p.leafName(col), g, &err)
		}
	}()
	l := p.leaves[col]
	pages := p.checkedRowGroup(g).ColumnChunks()[col].Pages()
	defer pages.Close()
	buf := make([]parquet.Value, parquetBatchRows)
	for {
		page, err := pages.ReadPage()
		if err != nil {
			return nil, 0, err
		}
		n := page.NumValues()
		if i >= n {
			i -= n
			parquet.Release(page)
			continue
		}
		defer parquet.Release(page)
		vr := page.Values()
		for {
			k, rerr := vr.ReadValues(buf)
			if i < int64(k) {
				x := buf[i]
				if x.IsNull() {
					return nil, x.DefinitionLevel(), nil
				}
				return appendRaw(nil, x), l.maxDef, nil
			}
			i -= int64(k)
			if rerr != nil || k == 0 {
				return nil, 0, fmt.Errorf("the page ends early (%v)", rerr)
			}
		}
	}
}

// appendRaw appends a non-null value in statistics form.
func appendRaw(dst []byte, v parquet.Value) []byte {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return append(dst, 1)
		}
		return append(dst, 0)
	case parquet.Int32:
		return binary.LittleEndian.AppendUint32(dst, uint32(v.Int32()))
	case parquet.Int64:
		return binary.LittleEndian.AppendUint64(dst, uint64(v.Int64()))
	case parquet.Int96:
		for _, w := range v.Int96() {
			dst = binary.LittleEndian.AppendUint32(dst, w)
		}
		return dst
	case parquet.Float:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v.Float()))
	case parquet.Double:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.Double()))
	}
	return append(dst, v.ByteArray()...)
}

// rawValue is the inverse of appendRaw.
func rawValue(l *parquetLeaf, b []byte) parquet.Value {
	switch l.kind {
	case parquet.Boolean:
		return parquet.BooleanValue(b[0] != 0)
	case parquet.Int32:
		return parquet.Int32Value(int32(binary.LittleEndian.Uint32(b)))
	case parquet.Int64:
		return parquet.Int64Value(int64(binary.LittleEndian.Uint64(b)))
	case parquet.Int96:
		return parquet.Int96Value(deprecated.Int96{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])})
	case parquet.Float:
		return parquet.FloatValue(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case parquet.Double:
		return parquet.DoubleValue(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	case parquet.FixedLenByteArray:
		return parquet.FixedLenByteArrayValue(b)
	}
	return parquet.ByteArrayValue(b)
}

// checkInputStats checks the values of input chunk (g, s) that parquet-go's
// encodings decoded (in) against the chunk's own min and max: the only
// evidence about their decoding there is.
func (w *verifyWorker) checkInputStats(g, s int, in *parquetStatsAcc) error {
	p := w.v.src
	l := p.leaves[s]
	if !in.bounds() || s >= len(p.meta.ColumnOrders) || p.meta.ColumnOrders[s].Value == nil {
		return nil
	}
	if _, ok := p.meta.ColumnOrders[s].Value.(*format.TypeDefinedOrder); !ok {
		return nil
	}
	m := &p.meta.RowGroups[g].Columns[s].MetaData
	st := &m.Statistics
	size := statSize(l.kind, l.typeLen)
	bad := func(b []byte) bool {
		return b == nil || (size > 0 && len(b) != size) || (in.order == orderFloat && math.IsNaN(statFloat(l.kind, b)))
	}
	if bad(st.MinValue) || bad(st.MaxValue) {
		return nil
	}
	if compareStat(in.order, l.kind, in.min, st.MinValue) < 0 || compareStat(in.order, l.kind, in.max, st.MaxValue) > 0 {
		return fmt.Errorf("%s: column %s: row group %d: %w: parquet-go decodes values from %s to %s, outside the chunk's statistics, %s to %s (codec %s, encoding %s)",
			p.name, l.name, g, ErrParquetDecode, w.text(l, in.min, l.maxDef), w.text(l, in.max, l.maxDef),
			w.text(l, st.MinValue, l.maxDef), w.text(l, st.MaxValue, l.maxDef), m.Codec, w.in.page.encoding)
	}
	return nil
}
