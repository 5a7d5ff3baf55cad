package transform

import (
	"context"
	"io"
	"slices"

	"github.com/fairflip/fairflip/internal/fferr"
)

// WriteDist is pass 2 of a distributed flip for one file: it writes the
// file with its share of the plan's flips exactly as WritePart writes it
// in a one-process multi-file flip, and checks it against Inspect (its
// SHA-256, CSV, and its rows).
func (o *Options) WriteDist(ctx context.Context, f *DistFile, dp *DistPlan, out io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	in := FileInput(f.Path)
	if f.Empty {
		return stillEmpty(in, f.SHA256)
	}
	var lay *layout
	if f.Parquet {
		pf, _, _, done, err := openParquet(in, o.ParquetLimits)
		if err != nil {
			return err
		}
		lay, _, _, err = o.parquetLayout(pf, f.Path)
		done()
		if err != nil {
			return err
		}
	} else {
		var err error
		if lay, err = o.buildLayout(f.Names, f.NFields, f.Delim, f.Path); err != nil {
			return err
		}
	}
	if f.Index < 0 || f.Index >= len(dp.Flips) {
		return invariantf("file %d is not in the plan", f.Index)
	}
	p := &Plan{lay: lay, pool: dp.Pool[f.Index], Summary: dp.Summary, rehash: f.Parquet}
	p.Summary.Input, p.Summary.Rows, p.Summary.SHA256 = f.Path, dp.Summary.Files[f.Index].Rows, f.SHA256
	p.Summary.Files = nil
	for _, c := range dp.Flips[f.Index] {
		p.Rows = append(p.Rows, int(c.Key))
		p.Scores = append(p.Scores, c.Primary)
	}
	p.Summary.Flips = len(p.Rows)
	if err := p.checkRows(); err != nil {
		return err
	}
	return o.Write(ctx, p, in, out)
}

// PlanStaged runs every stage of a distributed flip in this process, one
// shard after another: the reference for what a pipeline computes. paths
// are the table's files in order; shardBytes splits CSV files (0: the
// default).
func (o *Options) PlanStaged(ctx context.Context, paths []string, shardBytes int64) ([]*DistFile, *DistPlan, error) {
	return o.planStaged(ctx, paths, shardBytes, nil)
}

// planStaged is PlanStaged; order, if not nil, gives the order in which
// the batches' partial results are merged (a runner merges in any order).
func (o *Options) planStaged(ctx context.Context, paths []string, shardBytes int64, order func(n int) []int) ([]*DistFile, *DistPlan, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	if len(o.Where) > 0 {
		return nil, nil, fferr.Usage("--where drops rows, and flip never drops a row: filter the rows for eval and sweep only")
	}
	var files []*DistFile
	var shards []Shard
	for i, p := range paths {
		f, err := o.Inspect(ctx, p, i, shardBytes)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
		shards = append(shards, f.Shards...)
	}
	var ref *DistFile
	if o.Reference != nil {
		var err error
		if ref, err = o.Inspect(ctx, o.Reference.Name, RefFile, shardBytes); err != nil {
			return nil, nil, err
		}
	}
	if err := o.CheckFiles(files, ref); err != nil {
		return nil, nil, err
	}
	if ref != nil {
		shards = append(shards, ref.Shards...) // as CheckFiles left them
	}
	var batches []*Batch
	var counts []ShardRows
	var stats []*Stats
	for _, sh := range shards {
		b, err := o.Extract(ctx, sh)
		if err != nil {
			return nil, nil, err
		}
		counts = append(counts, ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows})
		stats = append(stats, o.BatchStats(b))
		batches = append(batches, b.Split(o.batchRows())...)
	}
	if order != nil {
		perm := order(len(batches))
		shuffled := make([]*Batch, len(batches))
		for i, j := range perm {
			shuffled[i] = batches[j]
		}
		batches = shuffled
		slices.Reverse(counts)
		slices.Reverse(stats)
	}
	off := MakeOffsets(counts)
	st := &Stats{}
	for _, s := range stats {
		st.Merge(s)
	}
	lv := &Levels{}
	for _, b := range batches {
		lv.Merge(o.BatchLevels(b, off, st))
	}
	sp, err := o.MakeSpec(st, lv)
	if err != nil {
		return nil, nil, err
	}
	coll := &Smallest{}
	var refParts []*RefRows
	for i, b := range batches {
		coll.Merge(o.BatchCollective(b, off, st))
		part := o.BatchReference(b, off, sp)
		if i%2 == 1 && len(refParts) > 0 {
			// Some partial results merged pairwise, as a combiner would.
			part = refParts[len(refParts)-1].Merge(part)
			refParts = refParts[:len(refParts)-1]
		}
		refParts = append(refParts, part)
	}
	refRows := GatherRefRows(refParts)
	pool, n := coll.Pool()
	sc, err := o.Fit(refRows, sp)
	if err != nil {
		return nil, nil, err
	}
	top := &Top{}
	if len(pool) > 0 {
		var cache ScoreCache
		for _, b := range batches {
			t, err := o.Score(b, off, sp, pool, sc, &cache)
			if err != nil {
				return nil, nil, err
			}
			top.Merge(t)
		}
	}
	dp, err := o.Finish(files, off, st, sp, pool, n, sc, top)
	if err != nil {
		return nil, nil, err
	}
	return files, dp, nil
}

// batchRows is the rows of a batch part: DefaultBatchRows, or fewer in
// tests (testBatchRows) so that small tables are cut into parts too.
func (o *Options) batchRows() int {
	if testBatchRows > 0 {
		return testBatchRows
	}
	return DefaultBatchRows
}

var testBatchRows int

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
			return fferr.Usage("%s and %s: the files of one table must have the same format (all CSV or all Parquet)", first.Path, f.Path)
		}
		a := &layout{names: first.Names, nfields: first.NFields}
		b := &layout{names: f.Names, nfields: f.NFields}
		if err := sameHeader(a, b, first.Path, f.Path); err != nil {
			return err
		}
	}
	if first == nil {
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Path
		}
		return fferr.Data("%s: every input is empty: there is no table", joinPaths(names))
	}
	in, err := o.buildLayout(first.Names, first.NFields, first.Delim, first.Path)
	if err != nil {
		return err
	}
	if ref != nil {
		if ref.Parquet || first.Parquet {
			return errReferenceFormat(ref.Path, ref.Parquet, first.Path, first.Parquet)
		}
		if _, err := referenceLayout(in, ref.Names, ref.NFields, ref.Delim, ref.Path); err != nil {
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
