package tableio

import (
	"bufio"
	"io"
)

// CSV and TSV as TableWriters (conversions): a header of the names, then
// each row, its cells in their text form (a null is an empty cell), quoted
// where needed, with the format's delimiter (CSV: a comma) and "\n" line
// ends.

func (f csvFormat) Typed() bool { return false }

func (f csvFormat) NewRowWriter(w io.Writer, cols []WriteColumn, _ WriteOptions) (RowWriter, error) {
	delim := f.delim
	if delim == 0 {
		delim = ','
	}
	cw := &csvRowWriter{bw: bufio.NewWriterSize(w, 1<<20), delim: delim}
	for j, c := range cols {
		if j > 0 {
			cw.b = append(cw.b, delim)
		}
		cw.b = AppendField(cw.b, c.Name, delim)
	}
	cw.b = append(cw.b, '\n')
	_, err := cw.bw.Write(cw.b)
	return cw, err
}

type csvRowWriter struct {
	bw    *bufio.Writer
	delim byte
	b     []byte
}

func (cw *csvRowWriter) WriteRow(cells [][]byte, _ []bool) error {
	cw.b = cw.b[:0]
	for j, c := range cells {
		if j > 0 {
			cw.b = append(cw.b, cw.delim)
		}
		cw.b = AppendField(cw.b, string(c), cw.delim)
	}
	cw.b = append(cw.b, '\n')
	_, err := cw.bw.Write(cw.b)
	return err
}

func (cw *csvRowWriter) Close() error { return cw.bw.Flush() }
