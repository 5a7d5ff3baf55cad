package tableio

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/fairflip/fairflip/internal/handoff"
)

// A CSV rewrite runs on two goroutines (internal/handoff): one reads the
// file (hashing it), builds each output record and hands over batches; the
// other reads every output record back with a second scanner, checks it
// against its input record (and the caller's Check), and writes the
// records that passed. Every byte that is not a changed cell, the audit
// cell or a dropped column is copied from the input.

// Batches of records: whichever bound is reached first.
const (
	batchRecords = 1024
	batchBytes   = 256 << 10
)

// recBatch is a run of records copied out of the scanner's buffer.
type recBatch struct {
	recs  []Record
	buf   []byte   // the records' Raw and Term bytes, back to back
	spans []Span   // the records' Fields, back to back
	raw   [][3]int // per record: offsets in buf of Raw, of Term (= end of Raw) and of the end of Term
	nf    []int    // per record: number of fields
}

func (b *recBatch) reset() {
	b.recs, b.buf, b.spans, b.raw, b.nf = b.recs[:0], b.buf[:0], b.spans[:0], b.raw[:0], b.nf[:0]
}

// add copies rec into the batch.
func (b *recBatch) add(rec *Record) {
	off := len(b.buf)
	b.buf = append(b.buf, rec.Raw...)
	mid := len(b.buf)
	b.buf = append(b.buf, rec.Term...)
	b.spans = append(b.spans, rec.Fields...)
	b.raw = append(b.raw, [3]int{off, mid, len(b.buf)})
	b.nf = append(b.nf, len(rec.Fields))
	b.recs = append(b.recs, Record{Kind: rec.Kind, Line: rec.Line, Row: rec.Row})
}

// seal points the records' slices into the batch's own buffers, once they
// no longer move.
func (b *recBatch) seal() {
	sp := 0
	for i := range b.recs {
		r := &b.recs[i]
		off, rawEnd, end := b.raw[i][0], b.raw[i][1], b.raw[i][2]
		n := b.nf[i]
		r.Fields = b.spans[sp : sp+n : sp+n]
		sp += n
		r.Raw = b.buf[off:rawEnd:rawEnd]
		r.Term = b.buf[rawEnd:end:end]
	}
}

// outBatch is a run of input records with their output records.
type outBatch struct {
	in     recBatch
	err    error    // what ends the pass after these records (io.EOF at the end)
	out    []byte   // the output records, back to back
	outEnd []int    // end of each output record in out
	change []int    // per record: its change's index, -1 if unchanged
	cells  [][]byte // per record: the changed cell as written (nil if unchanged)
	audits []string // per record: the audit cell written (appended or filled)
}

// lastEnd is where the record being built starts in out.
func (b *outBatch) lastEnd() int {
	if len(b.outEnd) == 0 {
		return 0
	}
	return b.outEnd[len(b.outEnd)-1]
}

func (b *outBatch) reset() {
	b.in.reset()
	b.err = nil
	b.out, b.outEnd, b.change, b.cells, b.audits = b.out[:0], b.outEnd[:0], b.change[:0], b.cells[:0], b.audits[:0]
}

// Rewrite writes the file with p's changes (see Rewriter).
func (t *csvTable) Rewrite(ctx context.Context, w io.Writer, p *Rewrite) error {
	if t.size == 0 {
		// An empty file: an empty output, if it is still empty.
		return stillEmpty(t.file, t.name, p)
	}
	ho := handoff.Start(func(h *handoff.Handoff[outBatch]) { t.build(ctx, p, h) })
	defer ho.Stop(ctx)
	v := t.newReadBack(p)
	bw := bufio.NewWriterSize(w, 1<<20)
	for {
		b, err := ho.Next(ctx)
		if err != nil {
			return err
		}
		for i := range b.in.recs {
			lo := 0
			if i > 0 {
				lo = b.outEnd[i-1]
			}
			if err := v.check(&b.in.recs[i], b.out[lo:b.outEnd[i]], b.change[i], b.cells[i], b.audits[i]); err != nil {
				return err
			}
		}
		if _, err := bw.Write(b.out); err != nil {
			return err
		}
		if b.err == io.EOF {
			break
		}
		if b.err != nil {
			return b.err
		}
		ho.Recycle(b)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	p.Written = v.rows
	return nil
}

// build is Rewrite's reading side.
func (t *csvTable) build(ctx context.Context, p *Rewrite, h *handoff.Handoff[outBatch]) {
	sum := sha256.New()
	sc := NewScanner(io.TeeReader(io.NewSectionReader(t.file, 0, 1<<62), sum), t.name, t.d)
	next := 0 // into p.Rows
	var rows int64
	var b *outBatch
	var rec *Record
	fail := func(err error) {
		b.err = err
		b.in.seal()
		h.Put(b)
	}
	for {
		if b == nil {
			if b = h.Get(); b == nil {
				return
			}
			b.reset()
		}
		var err error
		rec, err = sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(&TableChangedError{File: t.name, What: err.Error()})
			return
		}
		change := -1
		var cell []byte
		audit := ""
		switch rec.Kind {
		case Passthrough:
			b.out = append(b.out, rec.Raw...)
		case Header:
			b.out = t.rewriteRecord(b.out, rec, p, nil, p.AppendName, "")
		case Data:
			if rows&4095 == 0 && ctx.Err() != nil {
				fail(ctx.Err())
				return
			}
			if next < len(p.Rows) && p.Rows[next] == rows {
				change = next
				next++
				if cell, audit, err = t.newCells(rec, p, change); err != nil {
					fail(err)
					return
				}
			}
			b.out = t.rewriteRecord(b.out, rec, p, cell, "", audit)
			rows++
		}
		b.out = append(b.out, rec.Term...)
		if p.Tamper.Record != nil {
			rest := p.Tamper.Record(rec, append([]byte(nil), b.out[b.lastEnd():]...))
			b.out = append(b.out[:b.lastEnd()], rest...)
		}
		b.in.add(rec)
		b.outEnd = append(b.outEnd, len(b.out))
		b.change = append(b.change, change)
		b.cells = append(b.cells, cell)
		b.audits = append(b.audits, audit)
		if len(b.in.recs) >= batchRecords || len(b.out) >= batchBytes {
			b.in.seal()
			if !h.Put(b) {
				return
			}
			b = nil
		}
	}
	if b == nil {
		if b = h.Get(); b == nil {
			return
		}
		b.reset()
	}
	if next != len(p.Rows) || (p.WantRows >= 0 && rows != p.WantRows) {
		fail(&TableChangedError{File: t.name, What: fmt.Sprintf("%d data rows now, %d before", rows, p.WantRows)})
		return
	}
	if got := hex.EncodeToString(sum.Sum(nil)); p.SHA256 != "" && got != p.SHA256 {
		fail(&TableChangedError{File: t.name, What: fmt.Sprintf("its SHA-256 was %s in the first pass, %s in the second", p.SHA256, got)})
		return
	}
	fail(io.EOF)
}

// newCells makes change i's new cell and audit cell for data record rec.
func (t *csvTable) newCells(rec *Record, p *Rewrite, i int) (cell []byte, audit string, err error) {
	orig := Cell{Raw: rec.Field(p.Column), Value: rec.Value(p.Column)}
	nc, err := p.New(i, orig)
	if err != nil {
		return nil, "", err
	}
	switch {
	case nc.Raw != nil:
		cell = nc.Raw
	case nc.Styled:
		cell = styledCell(nil, orig.Raw, nc.Value, t.delim)
	default:
		cell = AppendField(nil, nc.Value, t.delim)
	}
	if p.AuditCell != nil {
		audit = p.AuditCell(i, orig)
	}
	if p.FillIndex >= 0 && audit != "" && rec.Value(p.FillIndex) != "" {
		e := &RowError{File: t.name, Line: rec.Line, Column: p.FillIndex + 1, Err: errFilled}
		if p.FillIndex < len(t.names) {
			e.Name = t.names[p.FillIndex]
		}
		return nil, "", e
	}
	return cell, audit, nil
}

// errFilled: a rewrite would overwrite a filled audit column's cell (flip
// --replace-audit never does).
var errFilled = errors.New("row already has an audit entry, which --replace-audit would overwrite")

// rewriteRecord appends rec with p's changes: the changed cell (if cell is
// not nil), the filled audit cell (audit, on a changed row), the dropped
// column cut out (with the delimiter that joined it to its neighbour), and
// a new last cell (appendName on the header, audit on a data record) when
// the audit column is appended.
func (t *csvTable) rewriteRecord(dst []byte, rec *Record, p *Rewrite, cell []byte, appendName, audit string) []byte {
	last := 0
	emit := func(to int) {
		if last < to {
			dst = append(dst, rec.Raw[last:to]...)
		}
	}
	cutFrom, cutTo := -1, -1
	if d := p.DropIndex; d >= 0 && len(rec.Fields) > 1 {
		if d > 0 {
			cutFrom, cutTo = rec.Fields[d-1].End, rec.Fields[d].End
		} else {
			cutFrom, cutTo = rec.Fields[0].Start, rec.Fields[1].Start
		}
	}
	for f := range rec.Fields {
		sp := rec.Fields[f]
		if cutFrom >= 0 && sp.Start >= cutFrom && last <= cutFrom {
			emit(cutFrom)
			last = cutTo
		}
		switch {
		case cell != nil && f == p.Column:
			emit(sp.Start)
			dst = append(dst, cell...)
			last = sp.End
		case audit != "" && f == p.FillIndex:
			emit(sp.Start)
			lead, _, trail := Padding(rec.Raw[sp.Start:sp.End])
			dst = append(dst, lead...)
			dst = AppendField(dst, audit, t.delim)
			dst = append(dst, trail...)
			last = sp.End
		}
	}
	if cutFrom >= 0 && last <= cutFrom {
		emit(cutFrom)
		last = cutTo
	}
	emit(len(rec.Raw))
	if p.AppendName != "" {
		value := audit
		if rec.Kind == Header {
			value = appendName
		}
		dst = appendLastCell(dst, rec, value, t.delim)
	}
	return dst
}

// styledCell returns a cell holding value in the style of orig: its
// padding kept, quoted if orig was quoted, and quoted when the value needs
// it.
func styledCell(dst, orig []byte, value string, delim byte) []byte {
	lead, core, trail := Padding(orig)
	dst = append(dst, lead...)
	if len(core) > 0 && core[0] == '"' {
		dst = AppendQuoted(dst, value)
	} else {
		dst = AppendField(dst, value, delim)
	}
	return append(dst, trail...)
}

// appendLastCell appends a new last cell holding value, in the style of the
// record's last cell: the same leading padding (UCI Adult writes ", "
// between fields) and quotes if that cell is quoted (Bank marketing quotes
// its text). An empty value is an empty cell.
func appendLastCell(dst []byte, rec *Record, value string, delim byte) []byte {
	dst = append(dst, delim)
	if value == "" {
		return dst
	}
	if n := len(rec.Fields); n > 0 {
		lead, _, _ := Padding(rec.Raw[rec.Fields[n-1].Start:rec.Fields[n-1].End])
		dst = append(dst, lead...)
		if rec.Fields[n-1].Quoted {
			return AppendQuoted(dst, value)
		}
	}
	return AppendField(dst, value, delim)
}

// feedReader hands a scanner one record's bytes at a time.
type feedReader struct {
	q   []byte
	eof bool
}

var errRecordOverrun = errors.New("the record runs past its own bytes")

func (f *feedReader) Read(b []byte) (int, error) {
	if len(f.q) == 0 {
		if f.eof {
			return 0, io.EOF
		}
		return 0, errRecordOverrun
	}
	n := copy(b, f.q)
	f.q = f.q[n:]
	return n, nil
}

// readBack reads each output record again and checks it against its input
// record.
type readBack struct {
	t     *csvTable
	p     *Rewrite
	feed  feedReader
	sc    *Scanner
	in    []string
	out   []string
	extra int // columns the output has more than the input: +1 appended, -1 dropped
	rows  int64
}

func (t *csvTable) newReadBack(p *Rewrite) *readBack {
	v := &readBack{t: t, p: p, in: make([]string, len(p.CheckCols)), out: make([]string, len(p.CheckCols))}
	d := t.d
	d.Delimiter = t.delim // every record is fed, in order: the same lines are skipped, the same header found
	v.sc = NewScanner(&v.feed, t.name, d)
	v.sc.SetMaxRecordBytes(1 << 62) // the output record is longer than the input's, which passed the bounds
	v.sc.SetMaxColumns(1 << 30)
	if p.AppendName != "" {
		v.extra = 1
	}
	if p.DropIndex >= 0 {
		v.extra = -1
	}
	return v
}

// outIndex is input column f's index in the output (-1: dropped).
func (v *readBack) outIndex(f int) int {
	switch d := v.p.DropIndex; {
	case d < 0 || f < d:
		return f
	case f == d:
		return -1
	}
	return f - 1
}

// check reads out (input record in, rewritten, with its line end) back.
func (v *readBack) check(in *Record, out []byte, change int, cell []byte, audit string) error {
	p := v.p
	v.feed.q = out
	v.feed.eof = len(in.Term) == 0 // only the last record can lack a line end
	// A problem with a cell the caller gave as raw bytes is the caller's
	// (bad data); anything else is a bug of this rewrite.
	bad := func(format string, args ...any) error {
		why := fmt.Sprintf(format, args...)
		if change >= 0 && cell != nil && in.Kind == Data {
			return &CellError{File: v.t.name, Line: in.Line, Column: p.Column, Cell: string(cell), Why: why}
		}
		return &MismatchError{File: v.t.name, Line: in.Line, What: "the rewritten record would " + why}
	}
	got, err := v.sc.Next()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			err = re.Err // its line is the re-read's, not the file's
		}
		if change >= 0 && bytes.ContainsAny(cell, "\r\n") && !quotedWhole(cell) {
			return bad("split the record in two")
		}
		if errors.Is(err, ErrFieldCount) {
			return bad("change the number of cells of the record")
		}
		return bad("not leave one well-formed CSV record (%v)", err)
	}
	if len(v.feed.q) != 0 || len(got.Raw)+len(got.Term) != len(out) {
		return bad("split the record in two")
	}
	if got.Kind != in.Kind {
		return bad("turn the record into a line that is not part of the table (a comment or an empty line)")
	}
	if string(got.Term) != string(in.Term) {
		return bad("change the record's line end")
	}
	if in.Kind == Passthrough {
		if string(got.Raw) != string(in.Raw) {
			return bad("change a line outside the table")
		}
		return nil
	}
	if want := len(in.Fields) + v.extra; len(got.Fields) != want {
		return bad("change the number of cells of the record (%d instead of %d)", len(got.Fields), want)
	}
	for f := range in.Fields {
		o := v.outIndex(f)
		if o < 0 {
			continue
		}
		want := in.Field(f)
		switch {
		case change >= 0 && f == p.Column:
			want = cell
		case change >= 0 && f == p.FillIndex && audit != "":
			if got.Value(o) != audit {
				return bad("write the audit cell as %q, not %q", got.Value(o), audit)
			}
			continue
		}
		if string(got.Field(o)) != string(want) {
			return bad("change the cell in column %d from %q to %q", f+1, clip(string(want)), clip(string(got.Field(o))))
		}
	}
	if v.extra > 0 {
		want := audit
		if in.Kind == Header {
			want = p.AppendName
		}
		if g := got.Value(len(got.Fields) - 1); g != want {
			return bad("write the new last cell as %q, not %q", g, want)
		}
	}
	if in.Kind != Data {
		return nil
	}
	v.rows++
	if change < 0 || p.Check == nil {
		return nil
	}
	for j, c := range p.CheckCols {
		v.in[j], v.out[j] = "", ""
		if c < len(in.Fields) {
			v.in[j] = in.Value(c)
			if o := v.outIndex(c); o >= 0 {
				v.out[j] = got.Value(o)
			}
		} else if v.extra > 0 {
			v.out[j] = got.Value(len(got.Fields) - 1) // the appended column
		}
	}
	return p.Check(int64(in.Row), change, v.in, v.out)
}

// quotedWhole reports a cell that is one quoted field (padding aside).
func quotedWhole(cell []byte) bool {
	_, core, _ := Padding(cell)
	return len(core) >= 2 && core[0] == '"' && core[len(core)-1] == '"'
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
