package transform

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

// The audit cell of a flipped row holds what undo needs, readable by people:
//
//	fairflip/1 col=15 label=income method=rb-prob score=0.83124 was= <=50K
//
// col is the 1-based column of the label and label its name as the file
// has it: the header cell (Parquet: the column's name), or #15 in a CSV
// file without a header; a space, "%" or a control character in it is
// written as %XX. Undo restores a label only in a column whose number and
// name both match, so a cell edited to name another column is refused.
// Cells written before label= existed (fairflip 0.1.0-dev before issue
// 12) have no label= key; undo restores them only when --label names
// their column. In a CSV file everything after
// "was=" is the original label cell exactly as it was written (quotes and
// padding kept). In a Parquet file the key is "value=" and what follows is
// the original value's text form (see tableio.ParquetText), converted back to
// the column's type by undo. The cell of a row that was not flipped is empty
// (null in Parquet).
const auditPrefix = "fairflip/1 "

// AuditEntry is one parsed audit cell.
type AuditEntry struct {
	Column int    // 1-based column of the flipped label
	Label  string // its name (header cell, Parquet column name, or #N); "" in a cell without label=
	Method string // scoring method
	Score  string // the candidate's score as written
	Was    string // the original label: the raw CSV cell (Raw), or the value's text form
	Raw    bool   // Was is a raw CSV cell ("was="), not a value ("value=")
}

// FormatAudit returns the value of an audit cell.
func FormatAudit(e AuditEntry) string {
	key := " value="
	if e.Raw {
		key = " was="
	}
	label := ""
	if e.Label != "" {
		label = " label=" + escapeLabel(e.Label)
	}
	return auditPrefix + "col=" + strconv.Itoa(e.Column) + label + " method=" + e.Method + " score=" + e.Score + key + e.Was
}

// escapeLabel writes a column name for the label= key: a space (the keys'
// separator), "%" and control characters as %XX, everything else as it is.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '%' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unescapeLabel reverses escapeLabel, refusing anything it does not write.
func unescapeLabel(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+3 > len(s) {
			return "", false
		}
		x, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil || strings.ToUpper(s[i+1:i+3]) != s[i+1:i+3] {
			return "", false
		}
		b.WriteByte(byte(x))
		i += 2
	}
	out := b.String()
	return out, escapeLabel(out) == s
}

// LabelName is how an audit cell names column c (0-based) of a file with
// these header names: its name, or #N when the file has no header.
func LabelName(names []string, c int) string {
	if names != nil && c < len(names) {
		return names[c]
	}
	return "#" + strconv.Itoa(c+1)
}

// ParseAudit parses the value of a non-empty audit cell. The cell must be
// exactly what FormatAudit writes: valid UTF-8, the prefix, then col= (a
// column number, written without a sign or leading zeros), method= (a
// scoring method), score= (a number) and was= or value=, in that order,
// separated by single spaces.
func ParseAudit(v string) (AuditEntry, error) {
	var e AuditEntry
	if !utf8.ValidString(v) {
		return e, fmt.Errorf("audit cell %q is not valid UTF-8", clip(v))
	}
	rest, ok := strings.CutPrefix(v, auditPrefix)
	if !ok {
		return e, fmt.Errorf("audit cell %q was not written by fairflip (it should start with %q)", clip(v), auditPrefix)
	}
	// next cuts "key=value " off rest.
	next := func(key string) (string, error) {
		val, ok := strings.CutPrefix(rest, key+"=")
		if !ok {
			return "", fmt.Errorf("audit cell %q: no %s= where fairflip writes it (col=, label=, method=, score=, then was= or value=)", clip(v), key)
		}
		i := strings.IndexByte(val, ' ')
		if i < 0 {
			return "", fmt.Errorf("audit cell %q ends at %s= (fairflip writes col=, label=, method=, score=, then was= or value=)", clip(v), key)
		}
		rest = val[i+1:]
		return val[:i], nil
	}
	col, err := next("col")
	if err != nil {
		return e, err
	}
	n, err := strconv.Atoi(col)
	if err != nil || n < 1 || strconv.Itoa(n) != col {
		return e, fmt.Errorf("audit cell %q: bad column %q", clip(v), col)
	}
	e.Column = n
	if strings.HasPrefix(rest, "label=") {
		enc, err := next("label")
		if err != nil {
			return e, err
		}
		name, ok := unescapeLabel(enc)
		if !ok || name == "" {
			return e, fmt.Errorf("audit cell %q: bad label name %q", clip(v), enc)
		}
		e.Label = name
	}
	if e.Method, err = next("method"); err != nil {
		return e, err
	}
	if _, ok := scorer.Lookup(e.Method); !ok {
		return e, fmt.Errorf("audit cell %q: unknown method %q", clip(v), e.Method)
	}
	if e.Score, err = next("score"); err != nil {
		return e, err
	}
	if _, err := strconv.ParseFloat(e.Score, 64); err != nil {
		return e, fmt.Errorf("audit cell %q: bad score %q", clip(v), e.Score)
	}
	switch {
	case strings.HasPrefix(rest, "was="):
		e.Was, e.Raw = rest[len("was="):], true
	case strings.HasPrefix(rest, "value="):
		e.Was = rest[len("value="):]
	default:
		return e, fmt.Errorf("audit cell %q: no was= or value= after the score", clip(v))
	}
	return e, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// formatScore writes a candidate's score for the audit cell.
func formatScore(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// dialectFor is the dialect of an input: TSV files are CSV with TAB.
func dialectFor(in *Input, d tableio.Dialect) tableio.Dialect {
	if in.Format == tableio.TSV && d.Delimiter == 0 {
		d.Delimiter = '\t'
	}
	return d
}

// flippedCell returns the label cell rewritten to the positive value, keeping
// the original's padding and quoting, and quoting when the value needs it.
func flippedCell(dst, orig []byte, positive string, delim byte) []byte {
	lead, core, trail := tableio.Padding(orig)
	dst = append(dst, lead...)
	if len(core) > 0 && core[0] == '"' {
		dst = tableio.AppendQuoted(dst, positive)
	} else {
		dst = tableio.AppendField(dst, positive, delim)
	}
	return append(dst, trail...)
}

// appendAuditCell appends a new last cell holding value, in the style of the
// record's last cell: the same leading padding (UCI Adult writes ", " between
// fields) and quotes if that cell is quoted (Bank marketing quotes its text).
func appendAuditCell(dst []byte, rec *tableio.Record, value string, delim byte) []byte {
	dst = append(dst, delim)
	if value == "" {
		return dst
	}
	if n := len(rec.Fields); n > 0 {
		lead, _, _ := tableio.Padding(rec.Field(n - 1))
		dst = append(dst, lead...)
		if rec.Fields[n-1].Quoted {
			return tableio.AppendQuoted(dst, value)
		}
	}
	return tableio.AppendField(dst, value, delim)
}

// Write runs pass 2: it copies in to out, flipping the planned rows and
// writing the audit column. in must be the input the plan was made from.
//
// Two goroutines share the work: one reads the input and builds the output
// records (build), the other re-reads each output record to check the
// invariants (see verify.go) and writes the records that passed.
func (o *Options) Write(ctx context.Context, p *Plan, in *Input, out io.Writer) error {
	if in.Format == tableio.Parquet {
		return o.writeParquet(ctx, p, in, out)
	}
	v, err := o.newVerifier(p, in)
	if err != nil {
		return err
	}
	rc, err := in.Open()
	if err != nil {
		return fferr.IO(err)
	}
	defer rc.Close()

	ho := startHandoff(func(h *handoff[outBatch]) { o.build(ctx, p, in, rc, h) })
	defer ho.stop(ctx)

	w := bufio.NewWriterSize(out, 1<<20)
	for {
		b, err := ho.next(ctx)
		if err != nil {
			return err
		}
		for i := range b.in.recs {
			lo := 0
			if i > 0 {
				lo = b.outEnd[i-1]
			}
			if err := v.check(&b.in.recs[i], b.out[lo:b.outEnd[i]], b.flip[i]); err != nil {
				return err
			}
		}
		if _, err := w.Write(b.out); err != nil {
			return fferr.IO(err)
		}
		if b.in.err == io.EOF {
			break
		}
		if b.in.err != nil {
			return b.in.err
		}
		ho.recycle(b)
	}
	if err := w.Flush(); err != nil {
		return fferr.IO(err)
	}
	return nil
}

// WritePart runs pass 2 for file i of a multi-file plan (MakePlanFiles):
// it writes that file as Write would if it were the only input, with its
// share of the flips, and checks its row count and SHA-256 against pass 1.
// An empty (0-byte) CSV file gives an empty output; a Parquet file without
// rows gives a Parquet file without rows, with the audit column.
func (o *Options) WritePart(ctx context.Context, p *Plan, i int, in *Input, out io.Writer) error {
	if i < 0 || i >= len(p.parts) {
		return fmt.Errorf("WritePart: no file %d in the plan", i)
	}
	q := p.part(i)
	if q.lay != nil {
		return o.Write(ctx, q, in, out)
	}
	return stillEmpty(in, q.Summary.SHA256)
}

// stillEmpty checks that an empty (0-byte) part, whose SHA-256 was sha in
// the first pass, is still empty: its output is empty.
func stillEmpty(in *Input, sha string) error {
	rc, err := in.Open()
	if err != nil {
		return fferr.IO(err)
	}
	defer rc.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, rc); err != nil {
		return fferr.IO(err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != sha {
		return fferr.Data("%s changed while it was being read (its SHA-256 was %s in the first pass, %s in the second); the output is not valid", in.Name, sha, got)
	}
	return nil
}

// outBatch is a run of input records (copied) with their output records.
type outBatch struct {
	in     recBatch // in.err: the error that ends the pass after these records (io.EOF at the end)
	out    []byte   // the output records, back to back
	outEnd []int    // end of each output record in out
	flip   []bool   // whether each record is flipped
}

// build is Write's reading side: it reads in, builds the output records and
// sends them to full in batches, ending with a batch whose in.err is set.
func (o *Options) build(ctx context.Context, p *Plan, in *Input, rc io.Reader, h *handoff[outBatch]) {
	// The input is hashed again: a change between the passes that keeps its
	// size and time (which the command line checks) still shows here.
	sum := sha256.New()
	sc := tableio.NewScanner(io.TeeReader(rc, sum), in.Name, dialectFor(in, o.Dialect))
	lay := p.lay
	delim := lay.delim
	positive := p.Summary.PositiveWritten
	posSet := newValueSet(trimAll(o.Positive))
	next := 0 // index into p.Rows
	rows := 0
	var buf []byte
	var b *outBatch
	send := func() bool {
		b.in.seal()
		return h.put(b)
	}
	// take gets an empty batch; false once the consumer is gone.
	take := func() bool {
		if b = h.get(); b == nil {
			return false
		}
		b.in.reset()
		b.out, b.outEnd, b.flip = b.out[:0], b.outEnd[:0], b.flip[:0]
		return true
	}
	// fail ends the pass with err after the records already built.
	fail := func(err error) {
		b.in.err = err
		send()
	}
	for {
		if b == nil && !take() {
			return
		}
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(fmt.Errorf("%s changed while it was being read: %w", in.Name, classify(err)))
			return
		}
		buf = buf[:0]
		flip := false
		switch rec.Kind {
		case tableio.Passthrough:
			buf = append(buf, rec.Raw...)
		case tableio.Header:
			buf = append(buf, rec.Raw...)
			if lay.audit < 0 {
				buf = appendAuditCell(buf, rec, o.AuditColumn, delim)
			}
		case tableio.Data:
			if rec.Row&4095 == 0 {
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
			}
			rows++
			flip = next < len(p.Rows) && p.Rows[next] == rec.Row
			var audit string
			if flip {
				if len(rec.Fields) != lay.nfields || posSet.has(rec.Value(lay.label)) {
					fail(fferr.Data("%s changed while it was being read (line %d is not what the first pass saw); nothing was written to the output file", in.Name, rec.Line))
					return
				}
				orig := rec.Field(lay.label)
				audit = FormatAudit(AuditEntry{Column: lay.label + 1, Label: lay.auditLabel(o.Dialect.Header), Method: o.Method, Score: formatScore(p.Scores[next]), Was: string(orig), Raw: true})
				next++
			}
			// The record with the label cell (and an existing audit cell) replaced.
			last := 0
			for f := range rec.Fields {
				sp := rec.Fields[f]
				switch {
				case flip && f == lay.label:
					buf = append(buf, rec.Raw[last:sp.Start]...)
					buf = flippedCell(buf, rec.Raw[sp.Start:sp.End], positive, delim)
					last = sp.End
				case flip && f == lay.audit:
					if rec.Value(f) != "" {
						fail(fferr.Data("%s:%d: column %d (%s): row already has an audit entry, which --replace-audit would overwrite", in.Name, rec.Line, f+1, o.AuditColumn))
						return
					}
					buf = append(buf, rec.Raw[last:sp.Start]...)
					lead, _, trail := tableio.Padding(rec.Raw[sp.Start:sp.End])
					buf = append(buf, lead...)
					buf = tableio.AppendField(buf, audit, delim)
					buf = append(buf, trail...)
					last = sp.End
				}
			}
			buf = append(buf, rec.Raw[last:]...)
			if lay.audit < 0 {
				buf = appendAuditCell(buf, rec, audit, delim)
			}
		}
		buf = append(buf, rec.Term...)
		if corruptOutput != nil {
			buf = corruptOutput(rec, buf)
		}
		b.in.add(rec)
		b.out = append(b.out, buf...)
		b.outEnd = append(b.outEnd, len(b.out))
		b.flip = append(b.flip, flip)
		if len(b.in.recs) >= batchRecords || len(b.out) >= batchBytes {
			if !send() {
				return
			}
			b = nil
		}
	}
	if b == nil && !take() {
		return
	}
	if next != len(p.Rows) || rows != p.Summary.Rows {
		fail(fferr.Data("%s changed while it was being read (%d data rows now, %d before); nothing was written to the output file", in.Name, rows, p.Summary.Rows))
		return
	}
	if got := hex.EncodeToString(sum.Sum(nil)); p.Summary.SHA256 != "" && got != p.Summary.SHA256 {
		fail(fferr.Data("%s changed while it was being read (its SHA-256 was %s in the first pass, %s in the second); the output is not valid", in.Name, p.Summary.SHA256, got))
		return
	}
	fail(io.EOF)
}
