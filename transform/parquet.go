package transform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// sameParquetColumns checks that another file of a multi-file table has the
// first file's leaf columns: the same names in the same order, nested or
// repeated in both or in neither.
func sameParquetColumns(first, cols []tableio.Column, firstName, file string) error {
	names := func(cs []tableio.Column) []string {
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
			what := func(c tableio.Column) string {
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
