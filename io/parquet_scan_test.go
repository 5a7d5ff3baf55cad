package tableio

import (
	"fmt"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestParquetScanRows: scanRows passes exactly the rows asked for, in order,
// with the cells ScanColumn gives them, in the first, middle and last row
// groups, nulls included; nothing for no rows.
func TestParquetScanRows(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Snappy, 2, []int{1400, 1599, 1})
	p := pqOpen(t, data)
	for _, name := range []string{"i32", "s_opt", "label"} {
		col := pqCol(t, p, name)
		all := pqScan(t, p, col)
		for _, rows := range [][]int64{nil, {0}, {2999}, {0, 1, 1399, 1400, 2000, 2998, 2999}, {1500}} {
			var got []string
			err := p.scanRows(col, rows, func(row int64, text []byte, null bool) error {
				got = append(got, fmt.Sprint(row, pqCell{string(text), null}))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range rows {
				want = append(want, fmt.Sprint(r, all[r]))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, rows %v: %v, want %v", name, rows, got, want)
			}
		}
	}
}
