package transform

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// flip --replace-audit adds its entries to the audit column a file already
// has. Pass 1 checks that column as undo would (see Undo): its non-empty
// cells must all be audit cells naming the label column, on rows whose label
// is one value, and undo must be able to restore them. When the plan is made,
// that value must be the one this flip writes: undo needs one flipped value.

// priorAudit is what pass 1 learned about an existing audit column.
type priorAudit struct {
	flipped string // the label on the rows with an audit cell
	where   string // the first such row, for messages ("in.csv:7", "in.parquet row 7")
	csv     *csvUndo
}

// csvRecord checks data record rec of file, read with layout lay and
// dialect d, against the existing audit column lay.audit.
func (p *priorAudit) csvRecord(file string, rec *tableio.Record, lay *layout, d tableio.Dialect) error {
	if p.csv == nil || p.csv.file != file {
		// A file's own checker: the scanner that reads the records again
		// sees only its data records.
		header := d.Header
		d.Header = false
		p.csv = newCSVUndo(file, d, lay.delim, lay.names, lay.audit, false)
		p.csv.want = lay.label // this flip's label: cells without label= are its own
		if !header {
			p.csv.fileNames = nil // --header-names are not in the file: cells name #N
		}
	}
	u := p.csv
	if _, _, err := u.record(rec); err != nil {
		return err
	}
	if u.label < 0 {
		return nil
	}
	if u.label != lay.label {
		return rowErr(file, u.first, lay.audit, lay, "the audit cell names column %s, but --label is column %s: --replace-audit adds entries only to an audit column of the same label", u.colName(u.label), u.colName(lay.label))
	}
	return p.note(u.flipped, fmt.Sprintf("%s:%d", file, u.first))
}

// parquet checks the existing audit column lay.audit of a Parquet file.
func (p *priorAudit) parquet(pf *tableio.ParquetFile, file string, cols []tableio.ParquetColumn, lay *layout) error {
	u := &parquetUndo{file: file, cols: cols, audit: lay.audit, label: -1, want: lay.label}
	if _, err := u.check(pf); err != nil {
		return err
	}
	if u.label < 0 {
		return nil
	}
	if u.label != lay.label {
		return u.errAt(u.first, lay.audit, "the audit cell names column %d (%s), but --label is column %d (%s): --replace-audit adds entries only to an audit column of the same label", u.label+1, cols[u.label].Name, lay.label+1, cols[lay.label].Name)
	}
	return p.note(u.flipped, fmt.Sprintf("%s row %d", file, u.flippedRow+1))
}

// note records the flipped value of one file: every file must have the same.
func (p *priorAudit) note(flipped, where string) error {
	switch {
	case p.where == "":
		p.flipped, p.where = flipped, where
	case flipped != p.flipped:
		return fferr.Data("the rows flipped before hold the label %q at %s but %q at %s: undo needs one flipped value", clip(p.flipped), p.where, clip(flipped), where)
	}
	return nil
}

// check checks the value flip writes against the one the rows flipped
// before hold.
func (p *priorAudit) check(positive string) error {
	if p == nil || p.where == "" || p.flipped == positive {
		return nil
	}
	return fferr.Data("%s: the rows flipped before hold the label %q, but this flip would write %q: undo needs one flipped value in a file; flip writes the first --positive value as the file writes it, so give --positive %q first", p.where, clip(p.flipped), clip(positive), p.flipped)
}

// PriorFlips records, for flip --replace-audit, the label held by the
// rows that already have an audit cell: each distinct value with where it
// was first seen. A table's parts merge in any order; a table whose parts
// hold two values is refused (undo needs one flipped value).
type PriorFlips map[string]PriorSeen

// PriorSeen is where a value was first seen: the position for ordering,
// and the place for messages ("in.csv:7", "in.parquet row 7").
type PriorSeen struct {
	At    RowPos
	Where string
}

// flips is what p learned, seen at pos (nil: no audit cell).
func (p *priorAudit) flips(pos RowPos) PriorFlips {
	if p == nil || p.where == "" {
		return nil
	}
	return PriorFlips{p.flipped: {At: pos, Where: p.where}}
}

// Merge adds q to p.
func (p *PriorFlips) Merge(q PriorFlips) {
	for v, seen := range q {
		if *p == nil {
			*p = PriorFlips{}
		}
		if old, ok := (*p)[v]; !ok || seen.At.before(old.At) {
			(*p)[v] = seen
		}
	}
}

// check checks the table's prior flips against the value this flip
// writes: one value, the same.
func (p PriorFlips) check(positive string) error {
	var vals []string
	for v := range p {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int {
		x, y := p[a].At, p[b].At
		switch {
		case x.before(y):
			return -1
		case y.before(x):
			return 1
		}
		return strings.Compare(a, b)
	})
	var pa *priorAudit
	for _, v := range vals {
		if pa == nil {
			pa = &priorAudit{}
		}
		if err := pa.note(v, p[v].Where); err != nil {
			return err
		}
	}
	return pa.check(positive)
}

// checkPriorAudit checks, for flip --replace-audit, the audit column a
// file already has (lay.audit), as undo would, in one pass over it, and
// returns the label its flipped rows hold.
func (o *Options) checkPriorAudit(ctx context.Context, t tableio.Table, f *DistFile, lay *layout) (PriorFlips, error) {
	p := &priorAudit{}
	pos := RowPos{f.Index, 0, 0}
	if pt, ok := t.(interface{ File() *tableio.ParquetFile }); ok {
		pf := pt.File()
		if err := p.parquet(pf, f.Name, pf.Columns(), lay); err != nil {
			return nil, err
		}
		return p.flips(pos), nil
	}
	// CSV: every record, read with the file's dialect.
	r, err := os.Open(f.Path)
	if err != nil {
		return nil, fferr.IO(err)
	}
	defer r.Close()
	d := dialectFor(f.source().input(), o.Dialect)
	sc := tableio.NewScanner(r, f.Name, d)
	for {
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, classify(err)
		}
		if rec.Kind != tableio.Data {
			continue
		}
		if rec.Row&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := p.csvRecord(f.Name, rec, lay, d); err != nil {
			return nil, err
		}
	}
	return p.flips(pos), nil
}
