package transform

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// A pass over a CSV file runs on two goroutines (see handoff): one reads
// the file, hashes it and splits it into records (the scanner), the other
// handles the records (visit). The scanner hands over copies of the records
// in batches.

// batchRecords and batchBytes bound one batch: whichever is reached first.
const (
	batchRecords = 1024
	batchBytes   = 256 << 10
)

// recBatch is a run of records copied out of the scanner's buffer.
type recBatch struct {
	recs  []tableio.Record
	buf   []byte         // the records' Raw and Term bytes, back to back
	spans []tableio.Span // the records' Fields, back to back
	raw   [][3]int       // per record: offsets in buf of Raw, of Term (= end of Raw) and of the end of Term
	nf    []int          // per record: number of fields
	names []string       // header names, set on the batch holding the first record
	delim byte           // the delimiter in use, likewise
	first bool           // this batch holds the first header or data record
	err   error          // the scanner's error after the batch's records (io.EOF at the end)
	est   int            // an estimate of the data rows in the file (0 if unknown)
}

func (b *recBatch) reset() {
	b.recs, b.buf, b.spans, b.raw, b.nf = b.recs[:0], b.buf[:0], b.spans[:0], b.raw[:0], b.nf[:0]
	b.names, b.first, b.err, b.est = nil, false, nil, 0
}

// add copies rec into the batch.
func (b *recBatch) add(rec *tableio.Record) {
	off := len(b.buf)
	b.buf = append(b.buf, rec.Raw...)
	mid := len(b.buf)
	b.buf = append(b.buf, rec.Term...)
	b.spans = append(b.spans, rec.Fields...)
	b.raw = append(b.raw, [3]int{off, mid, len(b.buf)})
	b.nf = append(b.nf, len(rec.Fields))
	b.recs = append(b.recs, tableio.Record{Kind: rec.Kind, Line: rec.Line, Row: rec.Row})
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

// fileSize returns the size of what Open returned, or 0 if unknown.
func fileSize(r io.Reader) int64 {
	switch f := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Size() int64 }:
		return f.Size()
	}
	return 0
}

// scanFile reads one file and feeds its rows to visit, in order. It resolves
// the layout from the first record when *lay is nil. h, if not nil, gets
// every byte of the file. sizeHint, if given, is called once, after the
// first batch of rows was visited, with an estimate of the number of data
// rows (from the file size and the first records), so that callers can size
// their columns.
func (o *Options) scanFile(ctx context.Context, in *Input, h io.Writer, visit func(rec *tableio.Record, lay *layout) error, lay **layout, sizeHint ...func(rows int)) error {
	return o.scanFileAs(ctx, in, h, o.buildLayout, visit, lay, sizeHint...)
}

// layoutFunc resolves the columns of a file from its names (nil: none)
// and field count: Options.buildLayout for a table, referenceLayout for a
// --reference file.
type layoutFunc func(names []string, nfields int, delim byte, file string) (*layout, error)

// scanFileAs is scanFile with the layout resolved by mk.
func (o *Options) scanFileAs(ctx context.Context, in *Input, h io.Writer, mk layoutFunc, visit func(rec *tableio.Record, lay *layout) error, lay **layout, sizeHint ...func(rows int)) error {
	rc, err := in.Open()
	if err != nil {
		return fferr.IO(err)
	}
	defer rc.Close()
	size := fileSize(rc)
	var r io.Reader = rc
	if h != nil {
		r = io.TeeReader(rc, h)
	}
	sc := tableio.NewScanner(r, in.Name, dialectFor(in, o.Dialect))

	ho := startHandoff(func(h *handoff[recBatch]) {
		var read int64
		seenFirst := false
		estimated := false
		for {
			b := h.get()
			if b == nil {
				return
			}
			b.reset()
			for len(b.recs) < batchRecords && len(b.buf) < batchBytes {
				rec, err := sc.Next()
				if err != nil {
					b.err = err
					break
				}
				if !seenFirst && rec.Kind != tableio.Passthrough {
					seenFirst = true
					b.first, b.names, b.delim = true, sc.HeaderNames(), sc.Delimiter()
				}
				read += int64(len(rec.Raw) + len(rec.Term))
				b.add(rec)
			}
			if !estimated && size > 0 && read > 0 && b.err == nil {
				estimated = true
				b.est = int(float64(size) / float64(read) * float64(sc.Rows()) * 1.02)
			}
			b.seal()
			if !h.put(b) || b.err != nil {
				return
			}
		}
	})
	defer ho.stop(ctx)

	var names []string
	var delim byte
	for {
		b, err := ho.next(ctx)
		if err != nil {
			return err
		}
		if b.first {
			names, delim = b.names, b.delim
		}
		for i := range b.recs {
			if err := o.visitRecord(ctx, in, &b.recs[i], names, delim, mk, visit, lay); err != nil {
				return err
			}
		}
		if b.est > 0 && len(sizeHint) > 0 && sizeHint[0] != nil {
			sizeHint[0](b.est) // after the first records: the caller's columns exist
		}
		if b.err == io.EOF {
			break
		}
		if b.err != nil {
			return classify(b.err)
		}
		ho.recycle(b)
	}
	if *lay == nil {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Err: tableio.ErrNoHeader})
	}
	return nil
}

// headerAsData refuses a file read with --no-header whose first record is
// the names given in --header-names: a header that would be read as a data
// row (its label, its group) and, in flip, could even be flipped.
func headerAsData(rec *tableio.Record, names []string, file string) error {
	for i, n := range names {
		if rec.Value(i) != n {
			return nil
		}
	}
	return fferr.Usage("%s:%d: the first record is the --header-names (%s): the file has a header; drop --no-header and --header-names", file, rec.Line, strings.Join(names, ","))
}

// visitRecord handles one record of scanFile: layout on the first, then the
// data records to visit.
func (o *Options) visitRecord(ctx context.Context, in *Input, rec *tableio.Record, names []string, delim byte, mk layoutFunc, visit func(rec *tableio.Record, lay *layout) error, lay **layout) error {
	if rec.Kind == tableio.Passthrough {
		return nil
	}
	if *lay == nil {
		if !o.Dialect.Header {
			if len(o.HeaderNames) > 0 {
				hn := o.HeaderNames
				// eval and sweep read flipped and unflipped files with the
				// same names: the audit column may be there or not.
				if o.IgnoreAudit {
					switch {
					case len(hn) == len(rec.Fields)+1 && hn[len(hn)-1] == o.AuditColumn:
						hn = hn[:len(hn)-1]
					case len(hn)+1 == len(rec.Fields):
						hn = append(hn[:len(hn):len(hn)], o.AuditColumn)
					}
				}
				if len(hn) != len(rec.Fields) {
					return fferr.Usage("--header-names gives %d names, but %s has %d columns (line %d)", len(o.HeaderNames), in.Name, len(rec.Fields), rec.Line)
				}
				if err := headerAsData(rec, hn, in.Name); err != nil {
					return err
				}
				names = hn
			}
		}
		l, err := mk(names, len(rec.Fields), delim, in.Name)
		if err != nil {
			return err
		}
		*lay = l
	}
	if rec.Kind == tableio.Header {
		return nil
	}
	if rec.Row&4095 == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return visit(rec, *lay)
}
