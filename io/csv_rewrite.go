package tableio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fairflip/fairflip/internal/handoff"
)

// A CSV rewrite runs on two goroutines (internal/handoff): one reads the
// file (hashing it), builds each output record, checks it (readBack) and
// hands over batches of checked records; the other writes them. Every byte
// that is not a changed cell, the audit cell or a dropped column is copied
// from the input.

// batchBytes is the size at which a batch of output records is handed
// over.
const batchBytes = 256 << 10

// outBatch is a run of checked output records, back to back.
type outBatch struct {
	out []byte
	err error // what ends the pass after these records (io.EOF at the end)
}

// Rewrite writes the file with p's changes (see Rewriter).
func (t *csvTable) Rewrite(ctx context.Context, w io.Writer, p *Rewrite) error {
	if t.size == 0 {
		// An empty file: an empty output, if it is still empty.
		return stillEmpty(t.file, t.name, p)
	}
	v := t.newReadBack(p)
	ho := handoff.Start(func(h *handoff.Handoff[outBatch]) { t.build(ctx, p, v, h) })
	defer ho.Stop(ctx)
	for {
		b, err := ho.Next(ctx)
		if err != nil {
			return err
		}
		if b.err != nil && b.err != io.EOF {
			return b.err // a batch that ends in an error is not written
		}
		if _, err := w.Write(b.out); err != nil {
			return err
		}
		if b.err == io.EOF {
			break
		}
		ho.Recycle(b)
	}
	p.Written = v.rows // set by the producer before it sent its last batch
	return nil
}

// build is Rewrite's reading side: it reads, rewrites and checks each
// record (v), and hands over the checked records.
func (t *csvTable) build(ctx context.Context, p *Rewrite, v *readBack, h *handoff.Handoff[outBatch]) {
	in, sumCheck, summed := secondPass(io.NewSectionReader(t.file, 0, 1<<62), p, t.name)
	sc := NewScanner(in, t.name, t.d)
	if p.DropIndex < 0 && summed {
		// Only the changed records need their cells: the others are
		// copied whole. Their fields were checked by the first pass, and
		// the checksum shows that these are the same bytes.
		sc.SetLazy()
	}
	v.src = sc
	next := 0 // into p.Rows
	var rows int64
	var b *outBatch
	fail := func(err error) {
		b.err = err
		h.Put(b)
	}
	for {
		if b == nil {
			if b = h.Get(); b == nil {
				return
			}
			b.out, b.err = b.out[:0], nil
		}
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(&TableChangedError{File: t.name, What: err.Error()})
			return
		}
		start := len(b.out)
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
				if err := sc.Split(rec); err != nil {
					fail(&TableChangedError{File: t.name, What: err.Error()})
					return
				}
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
			rest := p.Tamper.Record(rec, append([]byte(nil), b.out[start:]...))
			b.out = append(b.out[:start], rest...)
		}
		if err := v.check(rec, b.out[start:], change, cell, audit); err != nil {
			fail(err)
			return
		}
		if len(b.out) >= batchBytes {
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
		b.out, b.err = b.out[:0], nil
	}
	if next != len(p.Rows) || (p.WantRows >= 0 && rows != p.WantRows) {
		fail(&TableChangedError{File: t.name, What: fmt.Sprintf("%d data rows now, %d before", rows, p.WantRows)})
		return
	}
	if err := sumCheck(); err != nil {
		fail(err)
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

// readBack checks each output record against its input record: an
// unchanged data record by a byte comparison, every other record by
// reading it again with a second scanner. Records reach it in order; the
// data records it compares are not fed to its scanner, which needs them for
// nothing (they come after every line skipped and after the header; the
// first record's byte-order mark is then behind it, hence started).
type readBack struct {
	t     *csvTable
	p     *Rewrite
	feed  feedReader
	sc    *Scanner // reads the output records back
	src   *Scanner // the input's (build's), to split an unsplit input record
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

// check checks out, input record in rewritten with its line end. An
// unchanged data record must be its input's bytes, then the empty audit
// cell's delimiter if the audit column is appended, then its line end: a
// byte comparison (copied). Every other record, and an unchanged one that
// fails the comparison (to say what differs), is read back (readOut).
func (v *readBack) check(in *Record, out []byte, change int, cell []byte, audit string) error {
	if in.Kind != Data || change >= 0 || v.p.DropIndex >= 0 {
		return v.readOut(in, out, change, cell, audit)
	}
	if v.copied(in, out) {
		v.sc.started = true // as if it had read the record
		v.rows++
		return nil
	}
	if err := v.src.Split(in); err != nil {
		return &TableChangedError{File: v.t.name, What: err.Error()}
	}
	if err := v.readOut(in, out, change, cell, audit); err != nil {
		return err
	}
	// Read back, the cells are the same, but not the bytes (a quoted
	// empty audit cell, say).
	return &MismatchError{File: v.t.name, Line: in.Line, What: "the rewritten record would not be the input record's bytes and an empty audit cell"}
}

// copied reports whether out is in's bytes, the delimiter of an appended
// empty audit cell (if the audit column is appended) and in's line end.
//
// It catches every fault the read-back catches on such a record: in.Raw
// is one record as the scanner read it (its fields closed, its kind a data
// record), so in.Raw followed by a delimiter reads back as the same cells
// and one more, empty; anything else (a byte changed, added or lost, a
// line end changed or lost, a second record, an audit cell on the row)
// makes out differ from these bytes.
func (v *readBack) copied(in *Record, out []byte) bool {
	n := len(in.Raw)
	if len(out) != n+v.extra+len(in.Term) || string(out[:n]) != string(in.Raw) {
		return false
	}
	if v.extra > 0 && out[n] != v.t.delim {
		return false
	}
	return string(out[n+v.extra:]) == string(in.Term)
}

// readOut reads out (input record in, rewritten, with its line end) back
// with the read-back scanner and compares it with in, cell by cell.
func (v *readBack) readOut(in *Record, out []byte, change int, cell []byte, audit string) error {
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
