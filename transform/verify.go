package transform

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	tableio "github.com/fairflip/fairflip/io"
)

// Invariants. flip checks its own output before it writes it, and stops with
// an internal error (exit code 1, no output file) if any of these fails:
//
//   - the plan flips at most --max-flips distinct rows, all in the candidate
//     pool (collective members of the minority with a negative label), in
//     ascending order (checkRows, when the plan is made);
//   - CSV, every record, re-read from the output bytes by a second scanner
//     before the bytes are written (verifier): the same kind of record in
//     the same order, with the same line terminator; every cell but the
//     label and the audit cell byte-identical; the label cell unchanged on
//     rows not in the plan, and on planned rows a positive value where the
//     input had a negative one, in a row whose sensitive cells are in the
//     minority; the audit cell non-empty exactly on planned rows; and undo's
//     own code, applied to the output record, gives back the input record
//     byte for byte;
//   - the output has as many data rows and flips as the plan (Write).
//
// The check costs a second parse of every output record.

// corruptOutput, when set (by tests only), changes output records before
// they are checked: a stand-in for a bug in the rewrite.
var corruptOutput func(rec *tableio.Record, out []byte) []byte

// errInvariant marks a broken invariant: a bug in fairflip, never bad input.
var errInvariant = errors.New("internal check failed")

func invariantf(format string, args ...any) error {
	// Not classified: main maps it to exit code 1, an internal error.
	return fmt.Errorf("%w: %s; the output is not valid and was not committed. This is a bug in fairflip: please report it with the command line", errInvariant, fmt.Sprintf(format, args...))
}

// checkRows checks the plan's rows against the pool and the flip limit.
func (p *Plan) checkRows() error {
	if !slices.IsSorted(p.Rows) || len(slices.Compact(slices.Clone(p.Rows))) != len(p.Rows) {
		return invariantf("the planned rows are not distinct and ascending")
	}
	if len(p.Scores) != len(p.Rows) {
		return invariantf("%d scores for %d planned rows", len(p.Scores), len(p.Rows))
	}
	if p.Summary.MaxFlips > 0 && len(p.Rows) > p.Summary.MaxFlips {
		return invariantf("%d flips planned, more than --max-flips %d", len(p.Rows), p.Summary.MaxFlips)
	}
	for _, r := range p.Rows {
		if _, ok := slices.BinarySearch(p.pool, r); !ok {
			return invariantf("row %d is planned but is not in the candidate pool", r)
		}
	}
	return nil
}

// feedReader hands the verifier's scanner one output record at a time.
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

// verifier re-reads the output of a CSV flip, record by record.
type verifier struct {
	o       *Options
	p       *Plan
	lay     *layout
	rules   *rowRules
	posSet  valueSet
	feed    feedReader
	sc      *tableio.Scanner
	file    string
	cells   []string
	undoBuf []byte
}

func (o *Options) newVerifier(p *Plan, in *Input) (*verifier, error) {
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	v := &verifier{o: o, p: p, lay: p.lay, rules: rules, posSet: newValueSet(trimAll(o.Positive)), file: in.Name,
		cells: make([]string, len(p.lay.sensitive))}
	d := dialectFor(in, o.Dialect)
	d.Delimiter = p.lay.delim
	v.sc = tableio.NewScanner(&v.feed, "output", d)
	v.sc.SetMaxRecordBytes(1 << 62) // the output record is longer than the input's, which passed the bounds
	v.sc.SetMaxColumns(1 << 30)
	return v, nil
}

// check re-reads out, the output bytes of input record in (with its line
// terminator), and checks it against in. flipped tells whether the plan
// flips in.
func (v *verifier) check(in *tableio.Record, out []byte, flipped bool) error {
	v.feed.q = out
	v.feed.eof = len(in.Term) == 0 // only the last record can lack a terminator
	got, err := v.sc.Next()
	if err != nil {
		return invariantf("%s line %d: the output record does not read back as one CSV record (%v)", v.file, in.Line, err)
	}
	if len(v.feed.q) != 0 {
		return invariantf("%s line %d: the output record reads back as less than its bytes", v.file, in.Line)
	}
	if got.Kind != in.Kind || string(got.Term) != string(in.Term) {
		return invariantf("%s line %d: the output record changed kind or line terminator", v.file, in.Line)
	}
	if in.Kind == tableio.Passthrough {
		if string(got.Raw) != string(in.Raw) {
			return invariantf("%s line %d: a line outside the table changed", v.file, in.Line)
		}
		return nil
	}
	lay := v.lay
	audit := lay.audit
	want := len(in.Fields)
	if audit < 0 {
		audit = want
		want++
	}
	if len(got.Fields) != want {
		return invariantf("%s line %d: %d cells in the output, want %d", v.file, in.Line, len(got.Fields), want)
	}
	for f := range in.Fields {
		if f == audit || (in.Kind == tableio.Data && flipped && f == lay.label) {
			continue
		}
		if string(got.Field(f)) != string(in.Field(f)) {
			return invariantf("%s line %d column %d: a cell that flip does not change was changed", v.file, in.Line, f+1)
		}
	}
	if in.Kind == tableio.Header {
		if lay.audit < 0 && got.Value(audit) != v.o.AuditColumn {
			return invariantf("%s: the output header's last cell is %q, not the audit column %q", v.file, got.Value(audit), v.o.AuditColumn)
		}
		return nil
	}
	if !flipped {
		if lay.audit < 0 && len(got.ValueBytes(audit)) != 0 {
			return invariantf("%s line %d: an audit cell on a row that was not flipped", v.file, in.Line)
		}
		return nil
	}
	// A flipped row: negative before, positive after, in the minority.
	if v.posSet.has(in.Value(lay.label)) || !v.posSet.has(got.Value(lay.label)) {
		return invariantf("%s line %d: the label went from %q to %q, not from negative to positive", v.file, in.Line, in.Value(lay.label), got.Value(lay.label))
	}
	for i, c := range lay.sensitive {
		v.cells[i] = in.Value(c)
	}
	if g, err := v.rules.group(v.cells); err != nil || g != GroupMinority {
		return invariantf("%s line %d: a row outside the minority (%s) was flipped", v.file, in.Line, strings.Join(v.cells, ","))
	}
	auditCell := got.Value(audit)
	if auditCell == "" {
		return invariantf("%s line %d: a flipped row has no audit cell", v.file, in.Line)
	}
	e, err := ParseAudit(auditCell)
	if err != nil || !e.Raw || e.Column != lay.label+1 || e.Label != lay.auditLabel(v.o.Dialect.Header) || e.Was != string(in.Field(lay.label)) {
		return invariantf("%s line %d: the audit cell does not record the original label", v.file, in.Line)
	}
	// Undo's own code must give the input back.
	if lay.audit < 0 {
		v.undoBuf = dropField(v.undoBuf[:0], got, audit, lay.label, e.Was)
		if string(v.undoBuf) != string(in.Raw) {
			return invariantf("%s line %d: undo would not restore the input record", v.file, in.Line)
		}
	}
	return nil
}
