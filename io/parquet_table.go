package tableio

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fairflip/fairflip/internal/tmpfile"
)

// Parquet as a table format (TableFormat): a shard is one row group, read
// column by column (only the asked columns are decoded).

func init() { RegisterFormat(parquetFormat{}) }

type parquetFormat struct{}

func (parquetFormat) Name() Format           { return Parquet }
func (parquetFormat) Title() string          { return "Parquet" }
func (parquetFormat) Extensions() []string   { return []string{".parquet", ".pq", ".parq"} }
func (parquetFormat) Sniff(head []byte) bool { return IsParquetMagic(head) }
func (parquetFormat) Open(src Source, opt ReadOptions) (_ Table, err error) {
	defer func() { err = kindOf(err, ErrMalformed) }()
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pf, err := OpenParquetLimits(f, st.Size(), src.Label(), opt.ParquetLimits)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &parquetTable{file: f, size: st.Size(), pf: pf, limits: opt.ParquetLimits, noSHA: opt.NoSHA256}, nil
}

type parquetTable struct {
	file   *os.File
	size   int64
	pf     *ParquetFile
	limits ParquetLimits
	noSHA  bool   // ReadOptions.NoSHA256
	change string // the change sum Shards took (ChangeSummed)
}

// File is the open Parquet file, for what only Parquet has (its row
// groups' checks, its rewrite).
func (t *parquetTable) File() *ParquetFile { return t.pf }

func (t *parquetTable) Columns() []Column {
	pc := t.pf.Columns()
	cols := make([]Column, len(pc))
	for i, c := range pc {
		cols[i] = Column{Name: c.Name, Flat: c.Flat, Type: c.Type}
	}
	return cols
}

func (t *parquetTable) Named() bool { return true }

// Whole is the shard of every row group.
func (t *parquetTable) Whole() Shard { return Shard{Start: 0, End: int64(len(t.pf.RowGroupSizes()))} }
func (t *parquetTable) Empty() bool  { return false }
func (t *parquetTable) Close() error { return t.file.Close() }

// Shards sums the file and makes a shard of each row group.
func (t *parquetTable) Shards(ctx context.Context, _ int64) (_ string, _ []Shard, err error) {
	defer func() { err = t.pf.readErrorKind(err) }()
	s, err := sumFile(ctx, t.file, t.pf.name, t.size, t.noSHA)
	if err != nil {
		return "", nil, err
	}
	sha, change := s.sums()
	t.change = change
	var shards []Shard
	for g := range t.pf.RowGroupSizes() {
		shards = append(shards, Shard{Index: g, Start: int64(g), End: int64(g + 1)})
	}
	return sha, shards, ctx.Err()
}

// ChangeSum is the change sum of the file read by the last Shards call
// ("" before one).
func (t *parquetTable) ChangeSum() string { return t.change }

// Read decodes the asked columns of the shard's row groups, each whole
// (dictionary-coded: most columns have few distinct values), then hands
// over the rows.
func (t *parquetTable) Read(ctx context.Context, sh Shard, cols []int, fn func(*Row) error) (err error) {
	defer func() { err = t.pf.readErrorKind(err) }()
	g0, g1 := int(sh.Start), int(sh.End)
	sizes := t.pf.RowGroupSizes()
	var first, n int64
	for _, s := range sizes[:g0] {
		first += s
	}
	for _, s := range sizes[g0:g1] {
		n += s
	}
	cs := make([]*codedColumn, len(cols))
	for j, c := range cols {
		if err := ctx.Err(); err != nil {
			return err
		}
		cs[j] = newCodedColumn(n)
		if err := t.pf.scanColumnCoded(c, g0, g1, cs[j]); err != nil {
			return err
		}
	}
	row := &Row{Cells: make([][]byte, len(cols)), Null: make([]bool, len(cols))}
	for i := range int(n) {
		if i&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row.N, row.RowInFile = i, first+int64(i)+1
		for j := range cs {
			k := cs[j].codes[i]
			row.Null[j] = k < 0
			if k < 0 {
				row.Cells[j] = nil
			} else {
				row.Cells[j] = cs[j].levels[k]
			}
		}
		if err := fn(row); err != nil {
			return fromCaller(err)
		}
	}
	return nil
}

// TypedTable is a Table whose columns have types (Parquet): a label column
// must be of a type labels can have, and a label value must be one of its
// values.
type TypedTable interface {
	// LabelType fails if column col cannot be a label column.
	LabelType(col int) error
	// LabelValue returns v as column col holds it (its text form), or why
	// the column cannot hold it.
	LabelValue(col int, v string) (string, error)
	// Rows is the number of rows the file says it has.
	Rows() int64
}

func (t *parquetTable) LabelType(col int) error { return ParquetLabelType(t.pf.Columns()[col]) }
func (t *parquetTable) LabelValue(col int, v string) (string, error) {
	return ParquetLabelValue(t.pf.Columns()[col], v)
}
func (t *parquetTable) Rows() int64 { return t.pf.NumRows() }

// CheckRows checks the footer's row counts against column col's pages,
// before anything is sized from them (ParquetFile.CheckRows).
func (t *parquetTable) CheckRows(col int) error { return t.pf.readErrorKind(t.pf.CheckRows(col)) }

// Rewrite writes the file with p's changes (see Rewriter): RewriteParquet
// to a temporary file, VerifyParquetRewrite (every column against the input,
// read by a second decoder; statistics and indexes), the caller's Check on
// the columns it names, then the file again against the first pass's
// digest; only then is anything copied to w.
func (t *parquetTable) Rewrite(ctx context.Context, w io.Writer, p *Rewrite) (err error) {
	defer func() { err = t.pf.readErrorKind(err) }()
	pf := t.pf
	if p.WantRows >= 0 && pf.NumRows() != p.WantRows {
		return &TableChangedError{File: pf.name, What: fmt.Sprintf("%d rows now, %d before", pf.NumRows(), p.WantRows)}
	}
	change := make(map[int64]int, len(p.Rows))
	for i, r := range p.Rows {
		change[r] = i
	}
	sorted := slices.Sorted(maps.Keys(change))
	rw := ParquetRewrite{Set: map[int]map[int64]string{}, DropColumn: p.DropIndex}
	set := make(map[int64]string, len(p.Rows))
	audit := make(map[int64]string, len(p.Rows))
	found := 0
	labels := make([]string, len(p.Rows)) // the label cells as the check reads them
	err = pf.scanRows(p.Column, sorted, func(row int64, text []byte, null bool) error {
		i, ok := change[row]
		if !ok {
			return nil
		}
		found++
		orig := Cell{Value: string(text), Null: null}
		labels[i] = orig.Value
		nc, err := p.New(i, orig)
		if err != nil {
			return fromCaller(err)
		}
		set[row] = nc.Value
		if p.AuditCell != nil {
			if a := p.AuditCell(i, orig); a != "" {
				audit[row] = a
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found != len(p.Rows) {
		return &TableChangedError{File: pf.name, What: fmt.Sprintf("%d of the %d rows to change are in it now", found, len(p.Rows))}
	}
	if len(set) > 0 {
		rw.Set[p.Column] = set
	}
	switch {
	case p.AppendName != "":
		rw.AppendColumn, rw.Append = p.AppendName, audit
	case p.FillIndex >= 0:
		err := pf.scanRows(p.FillIndex, sorted, func(row int64, text []byte, null bool) error {
			if _, ok := audit[row]; ok && !null && len(text) > 0 {
				return &RowError{File: pf.name, Row: row + 1, Column: p.FillIndex + 1, Name: pf.leafName(p.FillIndex), Err: errFilled}
			}
			return nil
		})
		if err != nil {
			return err
		}
		rw.Set[p.FillIndex] = audit
	}
	tmp, err := tmpfile.Anonymous("", "a temporary file for checking the output")
	if err != nil {
		return err
	}
	defer tmp.Close()
	written := rw
	if p.Tamper.Parquet != nil {
		written = cloneRewrite(rw)
		p.Tamper.Parquet(&written)
	}
	if err := RewriteParquet(pf, tmp, written); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := tmp.Stat()
	if err != nil {
		return err
	}
	out, err := OpenParquetLimits(tmp, st.Size(), "output", t.limits)
	if err != nil {
		return &MismatchError{File: pf.name, What: fmt.Sprintf("the output does not read back as Parquet (%v)", err)}
	}
	if err := VerifyParquetRewrite(pf, out, rw); err != nil {
		return err
	}
	if p.Check != nil {
		if err := t.check(out, p, change, sorted, labels); err != nil {
			return err
		}
	}
	// The file must still be the one the first pass read (a change that
	// keeps its size and time shows here).
	if in, check, summed := secondPass(io.NewSectionReader(t.file, 0, t.size), p, pf.name); summed {
		if _, err := io.Copy(io.Discard, in); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
	}
	if _, err := io.Copy(w, io.NewSectionReader(tmp, 0, st.Size())); err != nil {
		return withKind(ErrIO, err)
	}
	p.Written = pf.NumRows()
	return nil
}

// check runs p.Check over every changed row, with the input's and the
// output's values of p.CheckCols (an index past the input's columns is
// the appended one). labels holds the input's label cells (p.Column), which
// Rewrite has just read. A column whose chunks holding changed rows were
// all copied as bytes is not read in the output: VerifyParquetRewrite has
// checked that those chunks are the input's bytes, so their values are the
// input's.
func (t *parquetTable) check(out *ParquetFile, p *Rewrite, change map[int64]int, sorted []int64, labels []string) error {
	in := make([][]string, len(p.CheckCols))
	got := make([][]string, len(p.CheckCols))
	ncols := len(t.pf.Columns())
	// scan keeps the changed rows' values of a column, in change order.
	scan := func(f *ParquetFile, col int, dst *[]string) error {
		*dst = make([]string, len(p.Rows))
		return f.scanRows(col, sorted, func(row int64, text []byte, null bool) error {
			if i, ok := change[row]; ok {
				(*dst)[i] = string(text)
			}
			return nil
		})
	}
	type scanJob struct {
		f   *ParquetFile
		col int
		dst *[]string
	}
	var jobs []scanJob
	var same []int // the CheckCols whose output values are the input's
	for j, c := range p.CheckCols {
		oc := c
		switch {
		case c >= ncols:
			oc = len(out.Columns()) - 1
			in[j] = make([]string, len(p.Rows))
		case p.DropIndex >= 0 && c == p.DropIndex:
			oc = -1
		case p.DropIndex >= 0 && c > p.DropIndex:
			oc = c - 1
		}
		switch {
		case c == p.Column:
			in[j] = labels
		case c < ncols:
			jobs = append(jobs, scanJob{t.pf, c, &in[j]})
		}
		switch {
		case oc < 0:
			got[j] = make([]string, len(p.Rows))
		case c < ncols && t.pf.copiedAt(c, sorted):
			same = append(same, j)
		default:
			jobs = append(jobs, scanJob{out, oc, &got[j]})
		}
	}
	// The columns are read concurrently; the first error, in order, counts.
	errs := make([]error, len(jobs))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(jobs))) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				errs[i] = scan(jobs[i].f, jobs[i].col, jobs[i].dst)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && jobs[i].f == out {
			return kindOf(err, ErrInternal) // the output, as this package wrote it
		}
		if err != nil {
			return err
		}
	}
	for _, j := range same {
		got[j] = in[j]
	}
	a, b := make([]string, len(p.CheckCols)), make([]string, len(p.CheckCols))
	for i, r := range p.Rows {
		for j := range p.CheckCols {
			a[j], b[j] = in[j][i], got[j][i]
		}
		if err := p.Check(r, i, a, b); err != nil {
			return fromCaller(err)
		}
	}
	return nil
}

// cloneRewrite copies rw's maps, so that a change to the copy leaves rw as
// it was.
func cloneRewrite(rw ParquetRewrite) ParquetRewrite {
	c := rw
	c.Set = make(map[int]map[int64]string, len(rw.Set))
	for col, cells := range rw.Set {
		c.Set[col] = maps.Clone(cells)
	}
	c.Append = maps.Clone(rw.Append)
	return c
}
