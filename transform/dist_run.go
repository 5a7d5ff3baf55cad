package transform

import (
	"github.com/fairflip/fairflip/internal/fferr"
)

// batchRows is the rows of a batch part: DefaultBatchRows, or fewer in
// tests (Options.partRows) so that small tables are cut into parts too.
func (o *Options) batchRows() int {
	if o.partRows > 0 {
		return o.partRows
	}
	return DefaultBatchRows
}

// CheckFiles checks that the files of a table have the same columns (and
// the --reference file those of the table), and the same format.
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
		if f.Parquet != first.Parquet {
			return fferr.Usage("%s and %s: the files of one table must have the same format (all CSV or all Parquet)", first.Name, f.Name)
		}
		if f.Parquet {
			if err := sameParquetColumns(first.Columns, f.Columns, first.Name, f.Name); err != nil {
				return err
			}
			continue
		}
		a := &layout{names: first.Names, nfields: first.NFields}
		b := &layout{names: f.Names, nfields: f.NFields}
		if err := sameHeader(a, b, first.Name, f.Name); err != nil {
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
	if first.Parquet {
		// One label type: every file with rows writes the same positive value.
		var typed *DistFile
		for _, f := range files {
			if f.Empty || f.Rows == 0 {
				continue
			}
			if typed == nil {
				typed = f
			} else if a, b := typed.Columns[in.label].Type, f.Columns[in.label].Type; a != b {
				return fferr.Data("%s and %s have different types for the label column %s: %s against %s; every file with rows must have the same label type", typed.Name, f.Name, f.Columns[in.label].Name, a, b)
			}
		}
	}
	if ref != nil {
		if ref.Parquet || first.Parquet {
			return errReferenceFormat(ref.Name, ref.Parquet, first.Name, first.Parquet)
		}
		if _, err := referenceLayout(in, ref.Names, ref.NFields, ref.Delim, ref.Name); err != nil {
			return err
		}
		// The reference's shards are read by name, against the table's columns.
		for i := range ref.Shards {
			ref.Shards[i].TableNames, ref.Shards[i].TableNFields = first.Names, first.NFields
		}
	}
	return nil
}

// errReferenceFormat refuses a --reference file, or an input, in Parquet:
// a reference is read as CSV, with the CSV input's dialect.
func errReferenceFormat(ref string, refParquet bool, input string, inputParquet bool) error {
	if inputParquet {
		return fferr.Usage("--reference is not supported with a Parquet input (%s) yet; use --reference-sample, or convert the input and %s to CSV (--output-format csv)", input, ref)
	}
	return fferr.Usage("--reference %s is Parquet; a CSV input needs a CSV reference (with the input's label, sensitive and feature columns, by name)", ref)
}

func joinPaths(p []string) string {
	ins := make([]*Input, len(p))
	for i := range p {
		ins[i] = &Input{Name: p[i]}
	}
	return joinNames(ins)
}
