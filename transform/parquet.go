package transform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/tmpfile"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// Parquet inputs are read column by column: only the columns the plan needs
// (label, sensitive, members, --where, features) are decoded, each in one
// pass over its pages, so memory holds the extracted columns, not the file.

// openParquet opens a Parquet input; close releases it.
func openParquet(in *Input, lim tableio.ParquetLimits) (*tableio.ParquetFile, io.ReaderAt, int64, func(), error) {
	ra, size, c, err := openAt(in)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	pf, err := tableio.OpenParquetLimits(ra, size, in.Name, lim)
	if err != nil {
		c.Close()
		return nil, nil, 0, nil, fferr.Wrap(fferr.ErrData, err)
	}
	return pf, ra, size, func() { c.Close() }, nil
}

// parquetLayout resolves the flags against a Parquet file's leaf columns.
// Nested and repeated columns are carried through untouched: they cannot be
// the label, sensitive, members or a feature.
func (o *Options) parquetLayout(pf *tableio.ParquetFile, file string) (*layout, []tableio.ParquetColumn, []string, error) {
	cols := pf.Columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	lay, err := o.buildLayout(names, len(cols), 0, file)
	if err != nil {
		return nil, nil, nil, err
	}
	var notices []string
	check := func(i int, role string) error {
		if !cols[i].Flat {
			return fferr.Usage("%s %s: column %q is nested or repeated (%s); fairflip carries such columns through untouched but cannot use them as %s", role, cols[i].Name, cols[i].Name, cols[i].Type, strings.TrimPrefix(role, "--"))
		}
		return nil
	}
	if err := check(lay.label, "--label"); err != nil {
		return nil, nil, nil, err
	}
	// The label's type and the label values, before any pass over the data
	// (a file without rows has no label to read or write).
	if pf.NumRows() > 0 {
		if err := o.checkParquetLabel(cols[lay.label]); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, s := range lay.sensitive {
		if err := check(s, "--sensitive"); err != nil {
			return nil, nil, nil, err
		}
	}
	if lay.members >= 0 {
		if err := check(lay.members, "--members"); err != nil {
			return nil, nil, nil, err
		}
	}
	var feats []int
	var skipped []string
	for _, f := range lay.features {
		if cols[f].Flat {
			feats = append(feats, f)
			continue
		}
		if lay.explicit[f] {
			return nil, nil, nil, check(f, "--features")
		}
		skipped = append(skipped, cols[f].Name)
	}
	lay.features = feats
	if len(skipped) > 0 {
		notices = append(notices, fmt.Sprintf("nested or repeated columns are carried through untouched and are not features: %s", strings.Join(skipped, ", ")))
	}
	if lay.audit >= 0 && !cols[lay.audit].Flat {
		return nil, nil, nil, fferr.Usage("the audit column %q is nested", cols[lay.audit].Name)
	}
	return lay, cols, notices, nil
}

// codedColumn holds a column's text values dictionary-coded (few distinct
// values, as sensitive columns have).
type codedColumn struct {
	codes  []int32
	values []string
	index  map[string]int32
}

func (c *codedColumn) add(text []byte, null bool) {
	if null {
		c.codes = append(c.codes, -1)
		return
	}
	code, ok := c.index[string(text)]
	if !ok {
		code = int32(len(c.values))
		c.values = append(c.values, string(text))
		c.index[string(text)] = code
	}
	c.codes = append(c.codes, code)
}

func (c *codedColumn) at(row int) string {
	if code := c.codes[row]; code >= 0 {
		return c.values[code]
	}
	return ""
}

// readCoded reads a whole column dictionary-coded.
func readCoded(pf *tableio.ParquetFile, col int, file string) (*codedColumn, error) {
	// The row count is in the footer: size the codes once. The footer is
	// not trusted beyond 4M rows (16 MB) before the pages confirm them.
	c := &codedColumn{index: map[string]int32{}, codes: make([]int32, 0, min(pf.NumRows(), 1<<22))}
	err := pf.ScanColumn(col, func(_ int64, text []byte, null bool) error {
		c.add(text, null)
		return nil
	})
	if err != nil {
		return nil, fferr.Wrap(fferr.ErrData, err)
	}
	return c, nil
}

// loadParquet is Load for a Parquet input.
func (o *Options) loadParquet(ctx context.Context, in *Input, t *Dataset) (*Dataset, error) {
	pt, err := o.newParquetTable(t, false)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := pt.add(ctx, in, h); err != nil {
		return nil, err
	}
	t.SHA256 = hex.EncodeToString(h.Sum(nil))
	return pt.done(in.Name)
}

// loadParquetFiles is LoadFiles for Parquet inputs: their rows one file
// after another, each file read as loadParquet reads one input. Every file
// must have the first file's leaf columns (names, order, and which are
// nested); a file with no rows is a part with no rows.
func (o *Options) loadParquetFiles(ctx context.Context, ins []*Input, t *Dataset) (*Dataset, error) {
	pt, err := o.newParquetTable(t, true)
	if err != nil {
		return nil, err
	}
	all := sha256.New()
	for _, in := range ins {
		part := Part{Name: in.Name, Offset: len(t.Group)}
		h := sha256.New()
		if part.lay, err = pt.add(ctx, in, io.MultiWriter(all, h)); err != nil {
			return nil, err
		}
		part.Rows = len(t.Group) - part.Offset
		part.SHA256 = hex.EncodeToString(h.Sum(nil))
		t.Parts = append(t.Parts, part)
	}
	t.SHA256 = hex.EncodeToString(all.Sum(nil))
	if len(t.Group) == 0 {
		return nil, fferr.Data("%s: no file has data rows", t.Name)
	}
	return pt.done(t.Name)
}

// parquetTable reads the rows of Parquet files into a Dataset, one file
// after another (add), column by column: the first file's layout names the
// columns, and the feature and sensitive columns grow over the files.
type parquetTable struct {
	o     *Options
	t     *Dataset
	rules *rowRules
	multi bool

	lay     *layout                 // the first file's (nil before it)
	layName string                  // that file
	cols    []tableio.ParquetColumn // its columns
	// labelType and labelFile: the label column's type in the first file
	// with rows (multi), where the flipped value's form comes from.
	labelType, labelFile string

	forceCat               map[int]bool
	builders, sensBuilders []*model.ColumnBuilder
}

func (o *Options) newParquetTable(t *Dataset, multi bool) (*parquetTable, error) {
	if o.Reference != nil {
		return nil, errReferenceFormat(o.Reference.Name, o.Reference.Format == tableio.Parquet, t.Name, true)
	}
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	return &parquetTable{o: o, t: t, rules: rules, multi: multi}, nil
}

// grow returns s with room for n more elements (a fresh slice of capacity
// n when s is nil: one input sizes its columns once).
func grow[E any](s []E, n int) []E {
	if s == nil {
		return make([]E, 0, n)
	}
	return slices.Grow(s, n)
}

// add appends the rows of one Parquet file to the table, writing the file's
// bytes to sum. It returns the file's layout.
func (pt *parquetTable) add(ctx context.Context, in *Input, sum io.Writer) (*layout, error) {
	o, t, rules := pt.o, pt.t, pt.rules
	pf, ra, size, done, err := openParquet(in, o.ParquetLimits)
	if err != nil {
		return nil, err
	}
	defer done()
	if pt.cols != nil {
		if err := sameParquetColumns(pt.cols, pf.Columns(), pt.layName, in.Name); err != nil {
			return nil, err
		}
	}
	lay, cols, notices, err := o.parquetLayout(pf, in.Name)
	if err != nil {
		return nil, err
	}
	first := pt.lay == nil
	if first {
		pt.lay, pt.layName, pt.cols = lay, in.Name, cols
		t.lay = lay
		t.Notices = append(t.Notices, notices...)
	}
	// The footer's row count sizes what follows: check it against the label
	// column's pages first.
	if err := pf.CheckRows(lay.label); err != nil {
		return nil, fferr.Wrap(fferr.ErrData, err)
	}
	n := int(pf.NumRows())
	if n == 0 && !pt.multi {
		return nil, fferr.Data("%s has no data rows", in.Name)
	}
	if n > 0 && pt.multi {
		// One flipped value is written to every file: the label column
		// must have one type.
		if pt.labelFile == "" {
			pt.labelType, pt.labelFile = cols[lay.label].Type, in.Name
		} else if typ := cols[lay.label].Type; typ != pt.labelType {
			return nil, fferr.Data("%s and %s have different types for the label column %s: %s against %s; every file with rows must have the same label type", pt.labelFile, in.Name, cols[lay.label].Name, pt.labelType, typ)
		}
	}
	if o.ReplaceAudit && lay.audit >= 0 && n > 0 {
		if t.prior == nil {
			t.prior = &priorAudit{}
		}
		if err := t.prior.parquet(pf, in.Name, cols, lay); err != nil {
			return nil, err
		}
	}
	// The input's digest, for the summary.
	if _, err := io.Copy(sum, io.NewSectionReader(ra, 0, size)); err != nil {
		return nil, fferr.IO(err)
	}

	// Rows kept by --where (eval and sweep).
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	if len(o.Where) > 0 {
		f, err := parseWhere(o.Where, lay, in.Name)
		if err != nil {
			return nil, err
		}
		coded := map[int]*codedColumn{}
		for _, conj := range f {
			for _, cp := range conj {
				if coded[cp.col] == nil {
					if !cols[cp.col].Flat {
						return nil, fferr.Usage("--where: column %q is nested or repeated", cols[cp.col].Name)
					}
					if coded[cp.col], err = readCoded(pf, cp.col, in.Name); err != nil {
						return nil, err
					}
				}
			}
		}
		for i := range keep {
			keep[i] = false
			for _, conj := range f {
				ok := true
				for _, cp := range conj {
					if !cp.p.match(coded[cp.col].at(i)) {
						ok = false
						break
					}
				}
				if ok {
					keep[i] = true
					break
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rowErrAt := func(row, col int, err error) error {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Row: int64(row) + 1, Column: col + 1, Name: cols[col].Name, Err: err})
	}

	// Groups, from the sensitive columns.
	sens := make([]*codedColumn, len(lay.sensitive))
	for j, c := range lay.sensitive {
		if sens[j], err = readCoded(pf, c, in.Name); err != nil {
			return nil, err
		}
		if first {
			pt.sensBuilders = append(pt.sensBuilders, model.NewColumnBuilder(cols[c].Name, true))
		}
		b := pt.sensBuilders[j]
		for i := 0; i < n; i++ {
			if keep[i] {
				b.Add(sens[j].at(i))
			}
		}
	}
	cells := make([]string, len(sens))
	t.Group = grow(t.Group, n)
	t.Positive = grow(t.Positive, n)
	for i := 0; i < n; i++ {
		if !keep[i] {
			continue
		}
		for j := range sens {
			cells[j] = sens[j].at(i)
		}
		g, err := rules.group(cells)
		if err != nil {
			return nil, rowErrAt(i, lay.sensitive[0], err)
		}
		t.Group = append(t.Group, g)
	}
	// Labels.
	err = pf.ScanColumn(lay.label, func(row int64, text []byte, null bool) error {
		if !keep[row] {
			return nil
		}
		v := ""
		if !null {
			v = string(text)
		}
		p, err := rules.label(v)
		if err != nil {
			return rowErrAt(int(row), lay.label, err)
		}
		t.Positive = append(t.Positive, p)
		return nil
	})
	if err != nil {
		return nil, classifyParquet(err)
	}
	t.PositiveText = rules.positiveText
	// Members.
	if lay.members >= 0 {
		err = pf.ScanColumn(lay.members, func(row int64, text []byte, null bool) error {
			if keep[row] {
				t.Member = append(t.Member, !null && pt.rules.member(string(text)))
				if null {
					pt.rules.member("")
				}
			}
			return nil
		})
		if err != nil {
			return nil, classifyParquet(err)
		}
	}
	// Features, one column at a time, into the columns the first file made.
	if first {
		pt.forceCat = map[int]bool{}
		for _, c := range o.Categorical {
			i, err := resolve(lay.names, lay.nfields, c, "--categorical", in.Name)
			if err != nil {
				return nil, err
			}
			pt.forceCat[i] = true
		}
		if !o.method().Learns {
			// The method needs no features: skip decoding them.
			lay.features = nil
		}
	}
	for j, f := range pt.lay.features {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if first {
			pt.builders = append(pt.builders, model.NewColumnBuilder(cols[f].Name, pt.forceCat[f]))
		}
		b := pt.builders[j]
		err := pf.ScanColumn(f, func(row int64, text []byte, null bool) error {
			if keep[row] {
				if null {
					b.AddBytes(nil)
				} else {
					b.AddBytes(text)
				}
			}
			return nil
		})
		if err != nil {
			return nil, classifyParquet(err)
		}
	}
	return lay, nil
}

// done finishes the table once every file is added: the reference and the
// feature columns.
func (pt *parquetTable) done(name string) (*Dataset, error) {
	t := pt.t
	t.Rows = len(t.Group)
	if t.Rows == 0 {
		return nil, fferr.Data("%s: no row is left after --where", name)
	}
	t.Notices = append(t.Notices, pt.o.tallyNotices(pt.rules.tallies())...)
	if pt.o.method().Learns {
		t.ownReference()
	}
	t.finish(pt.lay, pt.builders, pt.sensBuilders)
	return t, nil
}

// sameParquetColumns checks that another file of a multi-file table has the
// first file's leaf columns: the same names in the same order, nested or
// repeated in both or in neither.
func sameParquetColumns(first, cols []tableio.ParquetColumn, firstName, file string) error {
	names := func(cs []tableio.ParquetColumn) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Name
		}
		return out
	}
	a, b := names(first), names(cols)
	if !slices.Equal(a, b) {
		desc := func(ns []string) string {
			shown, more := ns, ""
			if len(shown) > 20 {
				shown, more = shown[:20], ",..."
			}
			return fmt.Sprintf("%d columns (%s%s)", len(ns), strings.Join(shown, ","), more)
		}
		return fferr.Data("%s and %s have different columns: %s against %s; every file of the table must have the same columns, in the same order", firstName, file, desc(a), desc(b))
	}
	for i := range first {
		if first[i].Flat != cols[i].Flat {
			what := func(c tableio.ParquetColumn) string {
				if c.Flat {
					return "a flat column (" + c.Type + ")"
				}
				return "nested or repeated (" + c.Type + ")"
			}
			return fferr.Data("%s and %s have different columns: column %s is %s in one and %s in the other; every file of the table must have the same columns", firstName, file, first[i].Name, what(first[i]), what(cols[i]))
		}
	}
	return nil
}

// writeParquet is pass 2 for a Parquet input: the same file with the
// planned label cells set to the positive value and the audit column
// appended (or filled, with --replace-audit).
func (o *Options) writeParquet(ctx context.Context, p *Plan, in *Input, out io.Writer) error {
	pf, ra, size, done, err := openParquet(in, o.ParquetLimits)
	if err != nil {
		return err
	}
	defer done()
	lay := p.lay
	flip := make(map[int64]int, len(p.Rows)) // row → index in p.Rows
	for i, r := range p.Rows {
		flip[int64(r)] = i
	}
	audit := make(map[int64]string, len(p.Rows))
	set := make(map[int64]string, len(p.Rows))
	posSet := newValueSet(trimAll(o.Positive))
	var changed error
	// The input's labels, coded, for the check of the output.
	labels := &labelCodes{index: map[string]int32{}}
	err = pf.ScanColumn(lay.label, func(row int64, text []byte, null bool) error {
		labels.add(text, null)
		i, ok := flip[row]
		if !ok {
			return nil
		}
		if null || posSet.has(string(text)) {
			changed = fferr.Data("%s changed while it was being read (row %d is not what the first pass saw); nothing was written", in.Name, row+1)
			return changed
		}
		set[row] = p.Summary.PositiveWritten
		audit[row] = FormatAudit(AuditEntry{Column: lay.label + 1, Label: LabelName(lay.names, lay.label), Method: o.Method, Score: formatScore(p.Scores[i]), Was: string(text)})
		return nil
	})
	if changed != nil {
		return changed
	}
	if err != nil {
		return classifyParquet(err)
	}
	if int(pf.NumRows()) != p.Summary.Rows {
		return fferr.Data("%s changed while it was being read (%d rows now, %d before); nothing was written", in.Name, pf.NumRows(), p.Summary.Rows)
	}
	rw := tableio.ParquetRewrite{Set: map[int]map[int64]string{lay.label: set}, DropColumn: -1}
	if lay.audit >= 0 {
		// --replace-audit: fill the existing column, never overwriting an entry.
		err := pf.ScanColumn(lay.audit, func(row int64, text []byte, null bool) error {
			if _, ok := audit[row]; ok && !null && len(text) > 0 {
				return fferr.Data("%s: row %d already has an audit entry, which --replace-audit would overwrite", in.Name, row+1)
			}
			return nil
		})
		if err != nil {
			return classifyParquet(err)
		}
		rw.Set[lay.audit] = audit
	} else {
		rw.AppendColumn = o.AuditColumn
		rw.Append = audit
	}
	// The output goes to a temporary file first, is checked (checkParquet),
	// and only then copied to out: nothing reaches out if a check fails.
	tmp, err := tmpfile.Anonymous("", "a temporary file for checking the output")
	if err != nil {
		return fferr.IO(err)
	}
	defer tmp.Close()
	written := rw
	if corruptParquet != nil {
		written = cloneRewrite(rw)
		corruptParquet(&written)
	}
	if err := tableio.RewriteParquet(pf, tmp, written); err != nil {
		return classifyParquet(err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := o.checkParquet(p, pf, tmp, labels, rw); err != nil {
		return err
	}
	if p.rehash {
		// A part of a multi-file table: the file must still be the one pass
		// 1 read (a change that keeps the size and time shows here).
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(ra, 0, size)); err != nil {
			return fferr.IO(err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != p.Summary.SHA256 {
			return fferr.Data("%s changed while it was being read (its SHA-256 was %s in the first pass, %s in the second); nothing was written", in.Name, p.Summary.SHA256, got)
		}
	}
	return copyChecked(tmp, out)
}

// copyChecked copies a checked output from its temporary file to out.
func copyChecked(tmp *os.File, out io.Writer) error {
	st, err := tmp.Stat()
	if err != nil {
		return fferr.IO(err)
	}
	if _, err := io.Copy(out, io.NewSectionReader(tmp, 0, st.Size())); err != nil {
		return fferr.IO(err)
	}
	return nil
}

// openWritten opens a rewritten Parquet file in its temporary file, with
// the input's limits; an output that does not read back is a bug.
func openWritten(tmp *os.File, lim tableio.ParquetLimits) (*tableio.ParquetFile, error) {
	st, err := tmp.Stat()
	if err != nil {
		return nil, fferr.IO(err)
	}
	out, err := tableio.OpenParquetLimits(tmp, st.Size(), "output", lim)
	if err != nil {
		return nil, invariantf("the output does not read back as Parquet (%v)", err)
	}
	return out, nil
}

// corruptParquet, when set (by tests only), changes the rewrite that is
// written, not the one it is checked against: a stand-in for a bug.
var corruptParquet func(rw *tableio.ParquetRewrite)

// cloneRewrite copies rw's maps, so that a change to the copy leaves rw as
// it was.
func cloneRewrite(rw tableio.ParquetRewrite) tableio.ParquetRewrite {
	c := rw
	c.Set = make(map[int]map[int64]string, len(rw.Set))
	for col, cells := range rw.Set {
		c.Set[col] = maps.Clone(cells)
	}
	c.Append = maps.Clone(rw.Append)
	return c
}

// classifyParquet classifies an error of the Parquet reader or rewriter that
// no caller classified: an error of the file system (reading the input,
// writing the temporary output) is an I/O error; anything else is about the
// file's content (a corrupt page, a value that does not fit its column), bad
// input data.
func classifyParquet(err error) error {
	var pe *fs.PathError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, fferr.ErrUsage), errors.Is(err, fferr.ErrData), errors.Is(err, fferr.ErrIO):
		return err
	case errors.As(err, &pe):
		return fferr.IO(err)
	}
	return fferr.Wrap(fferr.ErrData, err)
}

// labelCodes holds a label column, each row's text as a code.
type labelCodes struct {
	index map[string]int32
	codes []int32 // -1: null
}

func (l *labelCodes) add(text []byte, null bool) {
	if null {
		l.codes = append(l.codes, -1)
		return
	}
	c, ok := l.index[string(text)]
	if !ok {
		c = int32(len(l.index))
		l.index[string(text)] = c
	}
	l.codes = append(l.codes, c)
}

// checkParquet checks the written Parquet output against the input (see
// verify.go for the CSV checks): the same rows in the same row groups and
// the same columns (plus the audit column); the label unchanged on rows not
// in the plan and positive on planned rows; the audit cell non-empty exactly
// on planned rows, recording the original label. Then every column of the
// output against the input, value by value, and every statistic and index
// of the output against its values (tableio.VerifyParquetRewrite, with rw,
// the rewrite that should have been written): a difference that comes from
// parquet-go reading the input unfaithfully is bad input data, any other an
// internal error.
func (o *Options) checkParquet(p *Plan, in *tableio.ParquetFile, tmp *os.File, labels *labelCodes, rw tableio.ParquetRewrite) error {
	out, err := openWritten(tmp, o.ParquetLimits)
	if err != nil {
		return err
	}
	lay := p.lay
	auditCol := lay.audit
	wantCols := len(in.Columns())
	if auditCol < 0 {
		auditCol = wantCols
		wantCols++
	}
	if out.NumRows() != in.NumRows() || !slices.Equal(out.RowGroupSizes(), in.RowGroupSizes()) {
		return invariantf("the output has %d rows in row groups %v; the input %d in %v", out.NumRows(), out.RowGroupSizes(), in.NumRows(), in.RowGroupSizes())
	}
	oc, ic := out.Columns(), in.Columns()
	if len(oc) != wantCols {
		return invariantf("the output has %d columns, want %d", len(oc), wantCols)
	}
	for i := range ic {
		if oc[i].Name != ic[i].Name || oc[i].Type != ic[i].Type {
			return invariantf("output column %d is %s %s, the input's %s %s", i+1, oc[i].Name, oc[i].Type, ic[i].Name, ic[i].Type)
		}
	}
	posSet := newValueSet(trimAll(o.Positive))
	planned := make(map[int64]bool, len(p.Rows))
	for _, r := range p.Rows {
		planned[int64(r)] = true
	}
	err = out.ScanColumn(lay.label, func(row int64, text []byte, null bool) error {
		if planned[row] {
			if null || !posSet.has(string(text)) {
				return invariantf("output row %d: a flipped label is %q, not positive", row+1, text)
			}
			return nil
		}
		want := labels.codes[row]
		if got, ok := labels.index[string(text)]; null != (want < 0) || (!null && (!ok || got != want)) {
			return invariantf("output row %d: a label that flip does not change was changed", row+1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The original labels' texts, by code.
	texts := make([]string, len(labels.index))
	for t, c := range labels.index {
		texts[c] = t
	}
	n := 0
	err = out.ScanColumn(auditCol, func(row int64, text []byte, null bool) error {
		empty := null || len(text) == 0
		flipped := planned[row]
		switch {
		case flipped && empty:
			return invariantf("output row %d: a flipped row has no audit cell", row+1)
		case flipped:
			e, err := ParseAudit(string(text))
			if c := labels.codes[row]; err != nil || e.Raw || e.Column != lay.label+1 || e.Label != LabelName(lay.names, lay.label) || e.Method != o.Method || c < 0 || e.Was != texts[c] {
				return invariantf("output row %d: the audit cell does not record the original label", row+1)
			}
			n++
		case !empty && lay.audit < 0:
			return invariantf("output row %d: an audit cell on a row that was not flipped", row+1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != len(p.Rows) {
		return invariantf("the output has %d audit cells, the plan %d flips", n, len(p.Rows))
	}
	return verifyParquetError(tableio.VerifyParquetRewrite(in, out, rw))
}

// verifyParquetError classifies an error of tableio.VerifyParquetRewrite.
func verifyParquetError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tableio.ErrParquetDecode):
		return fferr.Wrap(fferr.ErrData, fmt.Errorf("%w; nothing was written", err))
	case errors.Is(err, tableio.ErrParquetMismatch):
		return invariantf("%v", err)
	}
	return classifyParquet(err)
}
