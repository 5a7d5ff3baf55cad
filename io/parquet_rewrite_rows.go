package tableio

// The row-wise rewrite, for files with a repeated column: parquet-go reads
// each row whole (every leaf's values), the row is checked, changed and
// written. Files without a repeated column are rewritten column by column
// (parquet_rewrite_columns.go), with the same output.

import (
	"io"

	"github.com/parquet-go/parquet-go"
)

// rowCursor is where runRows is in the cells to change and to append.
type rowCursor struct{ set, app int }

// runRows writes every row group row by row.
func (x *parquetRewriter) runRows(wr *parquet.Writer) error {
	p := x.p
	nLeaves := len(p.leaves)
	x.maxDef = make([]int, nLeaves)
	x.maxRep = make([]int, nLeaves)
	x.pos = make([]int, nLeaves)
	for i, l := range p.leaves {
		x.maxDef[i], x.maxRep[i] = l.maxDef, l.maxRep
	}
	rows := make([]parquet.Row, parquetBatchRows)
	var cur rowCursor
	for g := range p.f.RowGroups() {
		x.rg, x.col = g, -1
		if err := x.copyRowGroup(wr, g, rows, &cur); err != nil {
			return err
		}
		if err := wr.Flush(); err != nil {
			return p.errorf(-1, g, "writing: %w", err)
		}
	}
	x.rg = -1
	return nil
}

// copyRowGroup reads the rows of row group g in batches of len(rows) and
// writes them changed (rewriteRow).
func (x *parquetRewriter) copyRowGroup(wr *parquet.Writer, g int, rows []parquet.Row, cur *rowCursor) error {
	p := x.p
	start, want := p.rgStarts[g], p.f.RowGroups()[g].NumRows()
	rr := p.checkedRowGroup(g).Rows()
	defer rr.Close()
	read := int64(0)
	for {
		// Ask for no more rows than the row group should hold: parquet-go
		// reads every column again for every row asked beyond its end.
		// Once they are read, one more row is asked for, to make sure
		// there is none.
		batch := rows[:max(1, min(int64(len(rows)), want-read))]
		n, rerr := rr.ReadRows(batch)
		if n > 0 {
			if read+int64(n) > want {
				return p.errorf(-1, g, "corrupt file: the column chunks hold more than the row group's %d rows", want)
			}
			for k := range n {
				row, err := x.rewriteRow(rows[k], g, start+read+int64(k), start, cur)
				if err != nil {
					return err
				}
				rows[k] = row
			}
			if _, err := wr.WriteRows(rows[:n]); err != nil {
				return p.errorf(-1, g, "writing: %w", err)
			}
			read += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return p.errorf(-1, g, "corrupt page (%v)", rerr)
		}
		if n == 0 {
			return p.errorf(-1, g, "corrupt file (no progress reading rows)")
		}
	}
	if read != want {
		return p.errorf(-1, g, "corrupt file: the column chunks hold %d rows, the row group says %d", read, want)
	}
	return nil
}

// rewriteRow checks row rowNum of the file (in row group g, which starts at
// row start) as parquet-go read it, records its values in the digest of what
// was read, and returns it changed: its cells to change set, the dropped
// column removed, the appended cell added. The output's statistics get its
// values.
func (x *parquetRewriter) rewriteRow(row parquet.Row, g int, rowNum, start int64, cur *rowCursor) (parquet.Row, error) {
	p := x.p
	if err := x.checkRow(row, g, rowNum-start); err != nil {
		return nil, err
	}
	for j := range row {
		c := row[j].Column()
		x.reads[g][c] = x.reads[g][c].addValues(p.leaves[c].kind, row[j:j+1])
	}
	for cur.set < len(x.sets) && x.sets[cur.set].row == rowNum {
		s := &x.sets[cur.set]
		row[x.pos[s.col]] = s.val.Level(0, x.maxDef[s.col], s.col)
		cur.set++
	}
	if x.drop >= 0 {
		i := x.pos[x.drop]
		copy(row[i:], row[i+1:])
		row = row[:len(row)-1]
		for j := i; j < len(row); j++ {
			row[j].SetColumnIndex(row[j].Column() - 1)
		}
	}
	if x.append {
		v := parquet.NullValue().Level(0, 0, x.outCol)
		if cur.app < len(x.appends) && x.appends[cur.app].row == rowNum {
			v = x.appends[cur.app].val.Level(0, 1, x.outCol)
			cur.app++
		}
		row = append(row, v)
	}
	st := x.stats[g]
	for j := range row {
		st[row[j].Column()].addValues(row[j : j+1])
	}
	return row, nil
}

// checkRow checks that a row read by parquet-go is well formed: one or more
// values per leaf column, in column order, with levels in range and nulls
// exactly where the definition level says so. It records where each column's
// values start.
func (x *parquetRewriter) checkRow(row parquet.Row, g int, rowInGroup int64) error {
	col := -1
	for i := range row {
		v := &row[i]
		c := v.Column()
		rep, def := v.RepetitionLevel(), v.DefinitionLevel()
		if c != col {
			if c != col+1 || rep != 0 {
				return x.p.errorf(-1, g, "corrupt file (row %d is malformed)", rowInGroup)
			}
			col = c
			x.pos[c] = i
		} else if rep == 0 || x.maxRep[c] == 0 {
			return x.p.errorf(c, g, "corrupt file (row %d is malformed)", rowInGroup)
		}
		if rep > x.maxRep[c] || def > x.maxDef[c] || v.IsNull() != (def < x.maxDef[c]) {
			return x.p.errorf(c, g, "corrupt file (invalid levels in row %d)", rowInGroup)
		}
	}
	if col != len(x.maxDef)-1 {
		return x.p.errorf(col+1, g, "corrupt file (row %d has no value for the column)", rowInGroup)
	}
	return nil
}
