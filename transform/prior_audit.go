package transform

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// flip --replace-audit adds its entries to the audit column a file already
// has. Inspect checks that column as undo would (auditCheck): its non-empty
// cells must all be audit cells naming the label column, on rows whose label
// is one value, and undo must be able to restore them. When the plan is
// made, that value must be the one this flip writes: undo needs one flipped
// value.

// checkPriorAudit checks, for flip --replace-audit, the audit column a
// file already has (lay.audit), as undo would, and returns the label its
// flipped rows hold.
func (o *Options) checkPriorAudit(ctx context.Context, t tableio.Table, f *DistFile, lay *layout) (PriorFlips, error) {
	u := &auditCheck{file: f.Name, cols: t.Columns(), delim: delimiterOf(t), audit: lay.audit, want: lay.label, label: -1, read: readOf(o.Dialect)}
	if g, ok := t.(interface{ NamesGiven() bool }); t.Named() && !(ok && g.NamesGiven()) {
		u.names, _ = columnNames(t.Columns(), t.Named())
	}
	u.typed, _ = t.(tableio.TypedTable)
	if err := u.check(ctx, t); err != nil {
		return nil, err
	}
	if u.label < 0 {
		return nil, nil
	}
	// The restore must read back too: the rewrite to nowhere checks it.
	if rw, ok := t.(tableio.Rewriter); ok && len(u.restore) > 0 {
		r := &tableio.Rewrite{Column: u.label, FillIndex: -1, DropIndex: -1, WantRows: -1}
		for _, e := range u.restore {
			r.Rows = append(r.Rows, e.row)
		}
		r.New = func(i int, _ tableio.Cell) (tableio.NewCell, error) {
			return tableio.NewCell{Value: u.restore[i].value, Raw: u.restore[i].raw}, nil
		}
		if err := u.rewriteError(rw.Rewrite(ctx, discard{}, r)); err != nil {
			return nil, err
		}
	}
	return PriorFlips{u.flipped: {At: RowPos{f.Index, 0, 0}, Where: u.at}}, nil
}

// discard is io.Discard (named here to keep the import list short).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// PriorFlips records, for flip --replace-audit, the label held by the
// rows that already have an audit cell: each distinct value with where it
// was first seen. A table's files merge in any order; a table whose files
// hold two values is refused (undo needs one flipped value).
type PriorFlips map[string]PriorSeen

// PriorSeen is where a value was first seen: the position for ordering,
// and the place for messages ("in.csv line 7", "in.parquet row 7").
type PriorSeen struct {
	At    RowPos
	Where string
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
	vals := make([]string, 0, len(p))
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
	switch {
	case len(vals) == 0:
		return nil
	case len(vals) > 1:
		return fferr.Data("the rows flipped before hold the label %q at %s but %q at %s: undo needs one flipped value", clip(vals[0]), p[vals[0]].Where, clip(vals[1]), p[vals[1]].Where)
	case vals[0] != positive:
		return fferr.Data("%s: the rows flipped before hold the label %q, but this flip would write %q: undo needs one flipped value in a file; flip writes the first --positive value as the file writes it, so give --positive %q first", p[vals[0]].Where, clip(vals[0]), clip(positive), vals[0])
	}
	return nil
}

var _ = fmt.Sprint
