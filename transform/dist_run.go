package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// batchRows is the rows of a batch part: DefaultBatchRows, or fewer in
// tests (Options.partRows) so that small tables are cut into parts too.
func (o *Options) batchRows() int {
	if o.partRows > 0 {
		return o.partRows
	}
	return DefaultBatchRows
}

// CheckFiles checks that the files of a table have the same format and
// columns, and that the --reference file has the table's label, sensitive
// and feature columns.
func (o *Options) CheckFiles(files []*DistFile, ref *DistFile) error {
	var first *DistFile
	for _, f := range files {
		if f.Empty {
			continue
		}
		if first == nil {
			first = f
			continue
		}
		if f.Format != first.Format {
			return fferr.Usage("%s and %s: the files of one table must have the same format (%s and %s)", first.Name, f.Name, formatTitle(first.Format), formatTitle(f.Format))
		}
		if err := sameColumns(first, f); err != nil {
			return err
		}
	}
	if first == nil {
		if len(files) == 1 {
			return fferr.Data("%s is empty: there is no table", files[0].Name)
		}
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Name
		}
		return fferr.Data("%s: every input is empty: there is no table", joinPaths(names))
	}
	in, err := o.buildLayout(first.Names, first.NFields, first.Delim, first.Name)
	if err != nil {
		return err
	}
	// One label type: every file with rows writes the same positive value.
	var typed *DistFile
	for _, f := range files {
		if f.Empty || f.Rows == 0 || f.Columns[in.label].Type == "" {
			continue
		}
		if typed == nil {
			typed = f
		} else if a, b := typed.Columns[in.label].Type, f.Columns[in.label].Type; a != b {
			return fferr.Data("%s and %s have different types for the label column %s: %s against %s; every file with rows must have the same label type", typed.Name, f.Name, f.Columns[in.label].Name, a, b)
		}
	}
	if ref != nil {
		if _, err := referenceLayout(in, ref.Names, ref.NFields, ref.Delim, ref.Name); err != nil {
			return err
		}
		// The reference's shards are read by name, against the table's columns.
		for i := range ref.Shards {
			ref.Shards[i].TableColumns, ref.Shards[i].TableNamed = first.Columns, first.Names != nil
		}
	}
	return nil
}

// formatTitle names a format in messages ("CSV", "Parquet").
func formatTitle(f tableio.Format) string {
	if tf := tableio.LookupFormat(f); tf != nil {
		return tf.Title()
	}
	return string(f)
}

// sameColumns checks that another file f of a multi-file table has the
// first file's columns: the same names (or number, without names) in the
// same order, nested or repeated in both or in neither.
func sameColumns(first, f *DistFile) error {
	if first.NFields != f.NFields || !slices.Equal(first.Names, f.Names) {
		desc := func(d *DistFile) string {
			if d.Names == nil {
				return fmt.Sprintf("%d columns", d.NFields)
			}
			shown, more := d.Names, ""
			if len(shown) > 20 {
				shown, more = shown[:20], ",..."
			}
			return fmt.Sprintf("%d columns (%s%s)", d.NFields, strings.Join(shown, ","), more)
		}
		return fferr.Data("%s and %s have different columns: %s against %s; every file of the table must have the same columns, in the same order", first.Name, f.Name, desc(first), desc(f))
	}
	for i := range first.Columns {
		a, b := first.Columns[i], f.Columns[i]
		if a.Flat != b.Flat {
			what := func(c tableio.Column) string {
				if c.Flat {
					return "a flat column (" + c.Type + ")"
				}
				return "nested or repeated (" + c.Type + ")"
			}
			return fferr.Data("%s and %s have different columns: column %s is %s in one and %s in the other; every file of the table must have the same columns", first.Name, f.Name, a.Name, what(a), what(b))
		}
	}
	return nil
}

func joinPaths(p []string) string {
	ins := make([]*Input, len(p))
	for i := range p {
		ins[i] = &Input{Name: p[i]}
	}
	return joinNames(ins)
}
