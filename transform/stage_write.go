package transform

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// The writing stage: a file written again by its format's Rewriter, with
// the planned rows' labels set to the positive value and the audit column
// appended (or filled, with --replace-audit). The format checks that
// nothing else changed; this flip checks what it changed (Check, below).

// WriteDist is pass 2 of a flip for one file: it writes the file with its
// share of the plan's flips and checks it against Inspect (its rows and
// SHA-256).
func (o *Options) WriteDist(ctx context.Context, f *DistFile, dp *DistPlan, out io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if f.Index < 0 || f.Index >= len(dp.Flips) {
		return invariantf("file %d is not in the plan", f.Index)
	}
	t, err := o.openTable(f.source())
	if err != nil {
		return err
	}
	defer t.Close()
	p := &Plan{pool: dp.Pool[f.Index], Summary: dp.Summary, changeSum: f.ChangeSum}
	p.Summary.Input, p.Summary.Rows, p.Summary.SHA256 = f.Name, dp.Summary.Files[f.Index].Rows, f.SHA256
	p.Summary.Files = nil
	for _, c := range dp.Flips[f.Index] {
		p.Rows = append(p.Rows, int(c.Key))
		p.Scores = append(p.Scores, c.Primary)
	}
	p.Summary.Flips = len(p.Rows)
	if err := p.checkRows(); err != nil {
		return err
	}
	if f.Empty && !t.Empty() {
		return fferr.Data("%s changed while it was being read (empty in the first pass, not now); nothing was written to the output file", f.Name)
	}
	if !t.Empty() {
		if p.lay, _, err = o.tableLayout(t, f.Delim, f.Name); err != nil {
			return err
		}
	}
	return o.writeFlip(ctx, t, f.Name, p, out)
}

// writeFlip rewrites table t (called name) with plan p.
func (o *Options) writeFlip(ctx context.Context, t tableio.Table, name string, p *Plan, out io.Writer) error {
	rw, ok := t.(tableio.Rewriter)
	if !ok {
		return fferr.Usage("%s: fairflip reads this format but cannot write it", name)
	}
	if t.Empty() {
		// An empty (0-byte) CSV part: an empty output, if it is still empty.
		return o.rewriteError(rw.Rewrite(ctx, out, &tableio.Rewrite{FillIndex: -1, DropIndex: -1, WantRows: 0}), name)
	}
	rules, err := o.rules()
	if err != nil {
		return err
	}
	lay := p.lay
	posSet := newValueSet(trimAll(o.Positive))
	positive := p.Summary.PositiveWritten
	// The label's name as the file has it: #N when the names are not the
	// file's own (a CSV file without a header, named by --header-names).
	label := LabelName(lay.names, lay.label)
	if g, ok := t.(interface{ NamesGiven() bool }); ok && g.NamesGiven() || !t.Named() {
		label = LabelName(nil, lay.label)
	}
	// How a CSV file was read, recorded so that undo needs no flags; not in
	// an output converted to another format (it has a header, nothing
	// passed through).
	var read AuditRead
	if delimiterOf(t) != 0 && !o.Converting {
		read = readOf(o.Dialect)
	}
	r := &tableio.Rewrite{
		Column: lay.label, FillIndex: -1, DropIndex: -1,
		WantRows: int64(p.Summary.Rows), SHA256: p.Summary.SHA256, ChangeSum: p.changeSum,
		Tamper: o.tamper,
	}
	for _, row := range p.Rows {
		r.Rows = append(r.Rows, int64(row))
	}
	r.New = func(i int, orig tableio.Cell) (tableio.NewCell, error) {
		if orig.Null || posSet.has(orig.Value) {
			return tableio.NewCell{}, fferr.Data("%s changed while it was being read (row %d is not what the first pass saw); nothing was written to the output file", name, p.Rows[i]+1)
		}
		return tableio.NewCell{Value: positive, Styled: true}, nil
	}
	r.AuditCell = func(i int, orig tableio.Cell) string {
		e := AuditEntry{Column: lay.label + 1, Label: label, Method: o.Method, Score: formatScore(p.Scores[i]), Was: orig.Value, Read: read}
		if orig.Raw != nil {
			e.Was, e.Raw = string(orig.Raw), true // the cell exactly as the file writes it
		}
		return FormatAudit(e)
	}
	auditOut := len(t.Columns()) // the appended column, in the output
	if lay.audit >= 0 {
		r.FillIndex, auditOut = lay.audit, lay.audit
	} else {
		r.AppendName = o.AuditColumn
	}
	// This flip's checks of every flipped row as written: the label, the
	// audit cell, and the row's group (the format checks that every other
	// row is written as it was, its audit cell empty).
	r.CheckCols = append([]int{lay.label, auditOut}, lay.sensitive...)
	cells := make([]string, len(lay.sensitive))
	r.Check = func(row int64, _ int, in, got []string) error {
		where := func() string { return rowWhere(name, row) }
		if posSet.has(in[0]) || !posSet.has(got[0]) {
			return invariantf("%s: the label went from %q to %q, not from negative to positive", where(), in[0], got[0])
		}
		copy(cells, in[2:])
		if g, err := rules.group(cells); err != nil || g != GroupMinority {
			return invariantf("%s: a row outside the minority was flipped", where())
		}
		e, err := ParseAudit(got[1])
		if err != nil || e.Column != lay.label+1 || e.Label != label || e.Method != o.Method || e.Read != read {
			return invariantf("%s: the audit cell does not record the flip (%q)", where(), clip(got[1]))
		}
		was := e.Was
		if e.Raw {
			was = tableio.DecodeField([]byte(was))
		}
		if was != in[0] {
			return invariantf("%s: the audit cell does not record the original label", where())
		}
		return nil
	}
	if o.tamperRewrite != nil {
		o.tamperRewrite(r)
	}
	return o.rewriteError(rw.Rewrite(ctx, out, r), name)
}

// rowWhere names a data row (0-based) for an internal check's message.
func rowWhere(name string, row int64) string {
	return name + " data row " + strconv.FormatInt(row+1, 10)
}

// rewriteError classifies an error of a flip's rewrite: the format's own
// check failing, or this flip's, is a bug (exit 1); a file that changed or
// cannot be read faithfully is bad data; a failed read or write is I/O.
func (o *Options) rewriteError(err error, name string) error {
	var ch *tableio.TableChangedError
	var ce *tableio.CellError
	switch {
	case err == nil:
		return nil
	case classified(err):
		return err
	case errors.As(err, &ch):
		return fferr.Data("%v; nothing was written to the output file", err)
	case errors.As(err, &ce), errors.Is(err, tableio.ErrInternal):
		// A flip writes only cells its format can write.
		return invariantf("%v", err)
	}
	return classify(err)
}
