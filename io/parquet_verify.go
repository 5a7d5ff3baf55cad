package tableio

// The check of a rewrite: VerifyParquetRewrite decodes every column chunk of
// the output and of the input with the reference reader (parquet_ref.go),
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
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// ErrParquetDecode marks an input that parquet-go does not decode as the
// Parquet format says it should, or that is corrupt: bad input data.
var ErrParquetDecode = errors.New("the file cannot be read faithfully")

// ErrParquetMismatch marks a rewritten file that does not hold what the
// rewrite should have written (values, statistics or structure): a bug.
var ErrParquetMismatch = errors.New("the rewritten file is not what it should be")

// VerifyParquetRewrite checks that out holds exactly src rewritten with rw
// (see RewriteParquet), with true statistics. out is opened from the
// rewritten bytes. Errors wrap ErrParquetDecode (the input cannot be read
// faithfully), ErrParquetMismatch (the output is wrong), or neither (an I/O
// error reading either file).
func VerifyParquetRewrite(src, out *ParquetFile, rw ParquetRewrite) (err error) {
	defer func() {
		if !parquetRecoverPanics {
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
	for c := range src.leaves {
		if c != x.drop {
			v.srcOf = append(v.srcOf, c)
		}
	}
	if x.append {
		v.srcOf = append(v.srcOf, -1)
	}
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
	v.setsOf = make([][]parquetCellChange, len(src.leaves))
	for _, s := range x.sets {
		v.setsOf[s.col] = append(v.setsOf[s.col], s)
	}
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
				errs[t.og*nOut+t.o] = w.check(t.og, t.o)
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

// check compares output chunk (og, o) with its input.
func (w *verifyWorker) check(og, o int) (err error) {
	v := w.v
	defer func() {
		if !parquetRecoverPanics {
			return
		}
		if rec := recover(); rec != nil {
			err = v.mismatch("checking column %s, row group %d: a panic (%v)", v.leaves[o].name, og, rec)
		}
	}()
	l := v.leaves[o]
	g, s := v.groups[og], v.srcOf[o]
	start, rows := v.src.rgStarts[g], v.src.rgSizes[g]
	w.outR.reset(v.out, og, o, &w.bufs)
	var sets []parquetCellChange
	var apps []parquetAppendCell
	if s >= 0 {
		w.in.reset(v.src, g, s, &w.bufs)
		sets = rowsIn(v.setsOf[s], func(c *parquetCellChange) int64 { return c.row }, start, start+rows)
	} else {
		apps = rowsIn(v.x.appends, func(a *parquetAppendCell) int64 { return a.row }, start, start+rows)
	}
	ck := chunkChecker{w: w, og: og, o: o, l: l, page: newStatsAcc(l), chunk: newStatsAcc(l)}
	inStats := newStatsAcc(l) // of the input values that parquet-go's encodings decoded
	read := newValueDigest()  // of the input values
	var diff *valueDiff       // the first difference
	var statsErr error        // the first statistics error
	var ip, op *refPage       // the current pages
	var ii, ij, oi, oj int    // value and non-null value index in them
	row, value := int64(-1), int64(0)
	w.sameIdx, w.words, w.wordOK = w.sameIdx[:0], w.words[:0], w.wordOK[:0]
	for {
		if op == nil || oi == op.n {
			if op != nil && statsErr == nil {
				statsErr = ck.endPage(op)
			}
			op, oi, oj = nil, 0, 0
			ok, err := w.outR.next()
			if err != nil {
				return v.mismatch("column %s, row group %d: %v", l.name, og, err)
			}
			if ok {
				op = &w.outR.page
				ck.startPage(op)
				continue
			}
		}
		if s >= 0 && (ip == nil || ii == ip.n) {
			ip, ii, ij = nil, 0, 0
			ok, err := w.in.next()
			if err != nil {
				return fmt.Errorf("%s: column %s: row group %d: %w: %v (codec %s)", v.src.name, v.src.leaves[s].name, g, ErrParquetDecode, err, w.in.codec)
			}
			if ok {
				ip = &w.in.page
				if !w.in.pageOwn() {
					for k := range ip.vals.n {
						inStats.addRaw(ip.vals.at(k))
					}
				}
				continue
			}
		}
		if op == nil || (s >= 0 && ip == nil) {
			if op != nil || (s >= 0 && ip != nil) {
				return v.mismatch("column %s, row group %d: the output holds %s values than the input", l.name, og, map[bool]string{true: "more", false: "fewer"}[op != nil])
			}
			break
		}
		// Compare the values of both pages, up to the end of either.
		n := op.n - oi
		if s >= 0 {
			n = min(n, ip.n-ii)
		}
		for range n {
			od, or := levelAt(op.def, oi, l.maxDef), levelAt(op.rep, oi, l.maxRep)
			var ov []byte
			oIdx := int32(-1) // ov's dictionary index
			if od == l.maxDef {
				if op.vals.idx != nil {
					oIdx = op.vals.idx[oj]
					ov = op.vals.dict.at(int(oIdx))
					ck.addDictValue(oIdx)
				} else {
					ov = op.vals.at(oj)
					ck.page.addRaw(ov)
				}
				oj++
			} else {
				ck.page.nulls++
			}
			oi++
			if or == 0 {
				row++
			}
			var wd, wr int
			var want []byte
			wIdx := int32(-1) // want's dictionary index in the input
			if s >= 0 {
				wd, wr = levelAt(ip.def, ii, l.maxDef), levelAt(ip.rep, ii, l.maxRep)
				var word uint64
				if wd == l.maxDef {
					if ip.vals.idx != nil {
						wIdx = ip.vals.idx[ij]
						want = ip.vals.dict.at(int(wIdx))
						word = w.dictWord(l.kind, wIdx, want)
					} else {
						want = ip.vals.at(ij)
						word = digestWord(l.kind, want)
					}
					ij++
				}
				ii++
				read = read.add(wd, wr, wd < l.maxDef, word)
			}
			changed := false
			switch {
			case s < 0 && len(apps) > 0 && apps[0].row-start == row:
				wd, wr, w.raw, changed = 1, 0, appendRaw(w.raw[:0], apps[0].val), true
				want = w.raw
				apps = apps[1:]
			case s < 0:
				wd, wr, want = 0, 0, nil
			case len(sets) > 0 && sets[0].row-start == row && or == 0:
				wd, wr, w.raw, changed = l.maxDef, 0, appendRaw(w.raw[:0], sets[0].val), true
				want = w.raw
				sets = sets[1:]
			}
			same := od == wd && or == wr
			if same && oIdx >= 0 && wIdx >= 0 && !changed {
				// Both dictionary-encoded: compare the values once per
				// pair of indexes.
				for int(wIdx) >= len(w.sameIdx) {
					w.sameIdx = append(w.sameIdx, -1)
				}
				if w.sameIdx[wIdx] != oIdx {
					same = bytes.Equal(ov, want)
					if same {
						w.sameIdx[wIdx] = oIdx
					}
				}
			} else if same {
				same = bytes.Equal(ov, want)
			}
			if diff == nil && !same {
				diff = &valueDiff{value: value, row: row, got: bytes.Clone(ov), gotDef: od, want: bytes.Clone(want), wantDef: wd, changed: changed}
				if ip != nil {
					diff.encoding = ip.encoding
				}
			}
			value++
		}
	}
	if s >= 0 {
		// What parquet-go read from the input for the rewrite, if it is
		// known, against what the pages hold.
		if reads := v.src.reads; g < len(reads) && reads[g][s].n > 0 && reads[g][s] != read {
			return w.unfaithful(g, s, diff)
		}
	}
	if diff != nil {
		return w.diagnose(og, o, diff)
	}
	if statsErr != nil {
		return statsErr
	}
	if len(sets) > 0 || len(apps) > 0 {
		return v.mismatch("column %s, row group %d: cells to change beyond the end of the chunk", l.name, og)
	}
	if l.maxRep == 0 && value != rows {
		return v.mismatch("column %s, row group %d: %d values for %d rows", l.name, og, value, rows)
	}
	if err := ck.endChunk(); err != nil {
		return err
	}
	if s >= 0 && (inStats.values > 0 || inStats.nan) {
		return w.checkInputStats(g, s, &inStats)
	}
	return nil
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
		if !parquetRecoverPanics {
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

// chunkChecker checks the statistics, column index and offset index of an
// output chunk against its values, page by page.
type chunkChecker struct {
	w           *verifyWorker
	og, o       int
	l           *parquetLeaf
	page, chunk parquetStatsAcc
	pages       []checkedPage
	rows        int64 // rows before the current page

	// The dictionary entries that the current page uses, if it is
	// dictionary-encoded: its min and max are theirs.
	seen     []uint32 // by entry: the page (seenPage) that last used it
	seenPage uint32
	used     []int32
}

// addDictValue adds a non-null value of the current page given by its
// dictionary index.
func (c *chunkChecker) addDictValue(i int32) {
	c.page.values++
	if c.seen[i] != c.seenPage {
		c.seen[i] = c.seenPage
		c.used = append(c.used, i)
	}
}

type checkedPage struct {
	offset, size, firstRow int64
	nulls                  int64
	nonNull                bool
	min, max               []byte
	nan                    bool
}

func (c *chunkChecker) startPage(p *refPage) {
	c.page.reset()
	c.used = c.used[:0]
	if d := p.vals.dict; d != nil {
		if len(c.seen) < d.n {
			c.seen = make([]uint32, d.n)
		}
		c.seenPage++
	}
	first := c.rows
	for i := range p.n {
		if levelAt(p.rep, i, 0) == 0 {
			c.rows++
		}
	}
	c.pages = append(c.pages, checkedPage{offset: p.offset, size: p.size, firstRow: first})
}

func (c *chunkChecker) fail(format string, args ...any) error {
	return c.w.v.mismatch("column %s, row group %d: %s", c.l.name, c.og, fmt.Sprintf(format, args...))
}

// endPage checks the page header's statistics and records the page.
func (c *chunkChecker) endPage(p *refPage) error {
	s := &c.page
	for _, i := range c.used {
		s.add(p.vals.dict.at(int(i)))
	}
	cp := &c.pages[len(c.pages)-1]
	cp.nulls, cp.nonNull, cp.nan = s.nulls, s.values > 0, s.nan
	if s.has {
		cp.min, cp.max = bytes.Clone(s.min), bytes.Clone(s.max)
	}
	var st *format.Statistics
	switch {
	case p.header.DataPageHeader.Valid:
		st = &p.header.DataPageHeader.V.Statistics
	case p.header.DataPageHeaderV2.Valid:
		st = &p.header.DataPageHeaderV2.V.Statistics
	}
	if st != nil && (st.Min != nil || st.Max != nil || st.MinValue != nil || st.MaxValue != nil || st.NullCount != 0) {
		if st.NullCount != s.nulls {
			return c.fail("the page at offset %d says %d nulls, it holds %d", p.offset, st.NullCount, s.nulls)
		}
		if (st.Min != nil || st.Max != nil) && s.order != orderSigned && s.order != orderBool {
			return c.fail("the page at offset %d has the deprecated min and max, defined by signed comparison, for a column of another order", p.offset)
		}
		for _, b := range [][2][]byte{{st.MinValue, st.MaxValue}, {st.Min, st.Max}} {
			if err := c.bounds(b[0], b[1], s, fmt.Sprintf("the page at offset %d", p.offset)); err != nil {
				return err
			}
		}
	}
	c.chunk.merge(s)
	return nil
}

// bounds checks that min and max, if set, bound the values of s.
func (c *chunkChecker) bounds(lo, hi []byte, s *parquetStatsAcc, what string) error {
	if lo == nil && hi == nil {
		return nil
	}
	if !s.bounds() {
		return c.fail("%s has a min and max, but its values have none (no value, a NaN, or no order)", what)
	}
	size := statSize(c.l.kind, c.l.typeLen)
	if lo == nil || hi == nil || (size > 0 && (len(lo) != size || len(hi) != size)) {
		return c.fail("%s has an invalid min or max", what)
	}
	if compareStat(s.order, s.kind, lo, s.min) > 0 || compareStat(s.order, s.kind, hi, s.max) < 0 {
		return c.fail("%s says %s to %s, its values go from %s to %s", what,
			c.w.text(c.l, lo, c.l.maxDef), c.w.text(c.l, hi, c.l.maxDef), c.w.text(c.l, s.min, c.l.maxDef), c.w.text(c.l, s.max, c.l.maxDef))
	}
	return nil
}

// endChunk checks the chunk's statistics, column index and offset index.
func (c *chunkChecker) endChunk() error {
	out := c.w.v.out
	cc := &out.meta.RowGroups[c.og].Columns[c.o]
	if !c.chunk.sameAs(&cc.MetaData.Statistics) {
		st := &cc.MetaData.Statistics
		return c.fail("the statistics say %d nulls and %s to %s; the values hold %d nulls and go from %s to %s",
			st.NullCount, c.statText(st.MinValue), c.statText(st.MaxValue), c.chunk.nulls, c.accText(c.chunk.min), c.accText(c.chunk.max))
	}
	if cc.OffsetIndexLength > 0 {
		var oi format.OffsetIndex
		if err := c.readIndex(cc.OffsetIndexOffset, cc.OffsetIndexLength, &oi); err != nil {
			return err
		}
		if len(oi.PageLocations) != len(c.pages) {
			return c.fail("the offset index lists %d pages, the chunk has %d", len(oi.PageLocations), len(c.pages))
		}
		for i, pl := range oi.PageLocations {
			p := &c.pages[i]
			if pl.Offset != p.offset || int64(pl.CompressedPageSize) != p.size || pl.FirstRowIndex != p.firstRow {
				return c.fail("the offset index says page %d is at %d (%d bytes, first row %d); it is at %d (%d bytes, first row %d)",
					i, pl.Offset, pl.CompressedPageSize, pl.FirstRowIndex, p.offset, p.size, p.firstRow)
			}
		}
	}
	if cc.ColumnIndexLength == 0 {
		return nil
	}
	var ci format.ColumnIndex
	if err := c.readIndex(cc.ColumnIndexOffset, cc.ColumnIndexLength, &ci); err != nil {
		return err
	}
	if c.chunk.order == orderNone || c.chunk.nan {
		return c.fail("a column index for values without an order or with a NaN")
	}
	if len(ci.NullPages) != len(c.pages) || len(ci.MinValues) != len(c.pages) || len(ci.MaxValues) != len(c.pages) || (len(ci.NullCounts) != 0 && len(ci.NullCounts) != len(c.pages)) {
		return c.fail("the column index lists %d pages, the chunk has %d", len(ci.NullPages), len(c.pages))
	}
	var prev *checkedPage
	var prevMin, prevMax []byte
	for i := range c.pages {
		p := &c.pages[i]
		if ci.NullPages[i] != !p.nonNull {
			return c.fail("the column index says page %d is all nulls: %v", i, ci.NullPages[i])
		}
		if len(ci.NullCounts) > 0 && ci.NullCounts[i] != p.nulls {
			return c.fail("the column index says page %d holds %d nulls, it holds %d", i, ci.NullCounts[i], p.nulls)
		}
		if !p.nonNull {
			continue
		}
		ps := parquetStatsAcc{order: c.chunk.order, kind: c.chunk.kind, values: 1, has: true, min: p.min, max: p.max}
		if err := c.bounds(ci.MinValues[i], ci.MaxValues[i], &ps, fmt.Sprintf("the column index of page %d", i)); err != nil {
			return err
		}
		if prev != nil {
			o := ps.order
			lo, hi := compareStat(o, ps.kind, prevMin, ci.MinValues[i]), compareStat(o, ps.kind, prevMax, ci.MaxValues[i])
			if (ci.BoundaryOrder == format.Ascending && (lo > 0 || hi > 0)) || (ci.BoundaryOrder == format.Descending && (lo < 0 || hi < 0)) {
				return c.fail("the column index says its pages are %s, they are not", ci.BoundaryOrder)
			}
		}
		prev, prevMin, prevMax = p, ci.MinValues[i], ci.MaxValues[i]
	}
	return nil
}

func (c *chunkChecker) readIndex(off int64, n int32, v any) error {
	out := c.w.v.out
	if off < 0 || n < 0 || off+int64(n) > out.size {
		return c.fail("a page index entry lies outside the file")
	}
	b := make([]byte, n)
	if err := readFullAt(out.r, b, off); err != nil {
		return fmt.Errorf("%s: reading the page index: %w", out.name, err)
	}
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, b, v); err != nil {
		return c.fail("corrupt page index (%v)", err)
	}
	return nil
}

func (c *chunkChecker) statText(b []byte) string {
	if b == nil {
		return "none"
	}
	if size := statSize(c.l.kind, c.l.typeLen); size > 0 && len(b) != size {
		return fmt.Sprintf("%x (invalid)", b)
	}
	return c.w.text(c.l, b, c.l.maxDef)
}

func (c *chunkChecker) accText(b []byte) string {
	if !c.chunk.bounds() {
		return "none"
	}
	return c.w.text(c.l, b, c.l.maxDef)
}
