package tableio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

// Parquet as a table format (TableFormat): a shard is one row group, read
// column by column (only the asked columns are decoded).

func init() { RegisterFormat(parquetFormat{}) }

type parquetFormat struct{}

func (parquetFormat) Name() Format           { return Parquet }
func (parquetFormat) Title() string          { return "Parquet" }
func (parquetFormat) Extensions() []string   { return []string{".parquet", ".pq", ".parq"} }
func (parquetFormat) Sniff(head []byte) bool { return IsParquetMagic(head) }
func (parquetFormat) Open(src Source, opt ReadOptions) (Table, error) {
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
	return &parquetTable{file: f, size: st.Size(), pf: pf}, nil
}

type parquetTable struct {
	file *os.File
	size int64
	pf   *ParquetFile
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

func (t *parquetTable) Named() bool  { return true }
func (t *parquetTable) Empty() bool  { return false }
func (t *parquetTable) Close() error { return t.file.Close() }

// Shards hashes the file and makes a shard of each row group.
func (t *parquetTable) Shards(ctx context.Context, _ int64) (string, []Shard, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(t.file, 0, t.size)); err != nil {
		return "", nil, err
	}
	var shards []Shard
	for g := range t.pf.RowGroupSizes() {
		shards = append(shards, Shard{Index: g, Start: int64(g), End: int64(g + 1)})
	}
	return hex.EncodeToString(h.Sum(nil)), shards, ctx.Err()
}

// Read decodes the asked columns of the shard's row groups, each whole
// (dictionary-coded: most columns have few distinct values), then hands
// over the rows.
func (t *parquetTable) Read(ctx context.Context, sh Shard, cols []int, fn func(*Row) error) error {
	g0, g1 := int(sh.Start), int(sh.End)
	sizes := t.pf.RowGroupSizes()
	var first, n int64
	for _, s := range sizes[:g0] {
		first += s
	}
	for _, s := range sizes[g0:g1] {
		n += s
	}
	type coded struct {
		levels [][]byte
		codes  []int32 // -1: null
		index  map[string]int32
	}
	cs := make([]coded, len(cols))
	for j, c := range cols {
		if err := ctx.Err(); err != nil {
			return err
		}
		col := &cs[j]
		col.codes = make([]int32, 0, n)
		col.index = map[string]int32{}
		err := t.pf.ScanColumnGroups(c, g0, g1, func(_ int64, text []byte, null bool) error {
			if null {
				col.codes = append(col.codes, -1)
				return nil
			}
			k, ok := col.index[string(text)]
			if !ok {
				k = int32(len(col.levels))
				v := append([]byte(nil), text...)
				col.levels = append(col.levels, v)
				col.index[string(v)] = k
			}
			col.codes = append(col.codes, k)
			return nil
		})
		if err != nil {
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
			return err
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
func (t *parquetTable) CheckRows(col int) error { return t.pf.CheckRows(col) }
