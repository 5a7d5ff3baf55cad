package transform

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// The local runner: the stages of a flip (dist.go, stage_*.go) run in
// this process, on every core. It is what `fairflip flip` runs; fairflip-
// beam runs the same stages on Apache Beam.

// LocalFlip is a flip planned in this process.
type LocalFlip struct {
	Files []*DistFile // the table's files, as Inspect found them, in order
	Plan  *DistPlan
}

// PlanLocal plans a flip of the table made of srcs (its files, in order)
// with the stages, in this process: files are inspected, shards extracted,
// and each batch's partial results computed on o.Workers goroutines (0:
// GOMAXPROCS), and merged in the table's order.
func (o *Options) PlanLocal(ctx context.Context, srcs []Source, shardBytes int64) (*LocalFlip, error) {
	return o.planLocal(ctx, srcs, shardBytes, nil)
}

// planLocal is PlanLocal; order, if not nil, gives the order in which the
// batches' partial results are merged (a runner merges in any order: the
// tests check that the plan does not depend on it).
func (o *Options) planLocal(ctx context.Context, srcs []Source, shardBytes int64, order func(n int) []int) (*LocalFlip, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if shardBytes <= 0 {
		shardBytes = localShardBytes(srcs, workers)
	}
	feed, sums, err := o.inspectAll(ctx, srcs, shardBytes, workers)
	if err != nil {
		return nil, err
	}
	defer sums() // on an error below: the files' reads end, they close

	// Extract, in parallel; everything after is in the shards' order.
	extracted, err := o.extractFeed(ctx, feed, workers)
	if err != nil {
		return nil, err
	}
	if err := sums(); err != nil { // taken while the shards were read
		return nil, err
	}
	o.Timings.Lap(StageRead)
	var batches []*Batch
	counts := make([]ShardRows, len(extracted))
	stats := make([]*Stats, len(extracted))
	if err := parallel(ctx, len(extracted), workers, func(i int) error {
		b := extracted[i]
		counts[i] = ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows}
		stats[i] = o.BatchStats(b)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, b := range extracted {
		batches = append(batches, b.Parts(o.batchRows())...)
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
	levels := make([]*Levels, len(batches))
	if err := parallel(ctx, len(batches), workers, func(i int) error {
		levels[i] = o.BatchLevels(batches[i], off, st)
		return nil
	}); err != nil {
		return nil, err
	}
	lv := &Levels{}
	for _, l := range levels {
		lv.Merge(l)
	}
	sp, err := o.MakeSpec(st, lv)
	if err != nil {
		return nil, err
	}
	colls := make([]*Smallest, len(batches))
	if err := parallel(ctx, len(batches), workers, func(i int) error {
		colls[i] = o.BatchCollective(batches[i], off, st)
		return nil
	}); err != nil {
		return nil, err
	}
	coll := (&Smallest{}).MergeAll(colls)
	pool, n := coll.Pool()
	o.Timings.Lap(StageFeatures)
	ref, err := o.localReference(ctx, batches, off, sp, pool, workers)
	if err != nil {
		return nil, err
	}
	if ref.Len() >= collectRefRows {
		// The batches' rows other than the candidates are garbage now,
		// but the heap's goal is still twice what was live when they
		// were all held: collected here, before the fit and the k-NN
		// indexes allocate their copies of the reference, the peak is
		// that much lower (rb-dist on the 1M-row bench: 367-387 MB of
		// peak RSS without, 325-332 MB with, at the same CPU time).
		runtime.GC()
	}
	o.Timings.Lap(StageReference)
	sc, err := o.fitLive(ref, sp)
	if err != nil {
		return nil, err
	}
	o.Timings.Lap(StageFit)
	top, err := o.localScore(ctx, batches, off, sp, pool, sc, workers)
	if err != nil {
		return nil, err
	}
	o.Timings.Lap(StageScore)
	dp, err := o.Finish(feed.files, off, st, sp, pool, n, sc, top)
	if err != nil {
		return nil, err
	}
	o.Timings.Lap(StageSelect)
	return &LocalFlip{Files: feed.files, Plan: dp}, nil
}

// localScore builds the method's indexes, if it has any (the stage
// "index"), then scores every batch's candidates and keeps the best.
func (o *Options) localScore(ctx context.Context, batches []*Batch, off *Offsets, sp *Spec, pool []uint64, sc *Scorer, workers int) (*Top, error) {
	if p, ok := sc.fitted.(scorer.Preparer); ok && len(pool) > 0 { // its own stage, which the first Score would start
		p.Prepare()
	}
	o.Timings.Lap(StageIndex)
	top := &Top{}
	if len(pool) == 0 {
		return top, nil
	}
	var cache ScoreCache // the fit is decoded once, not once per batch
	tops := make([]*Top, len(batches))
	scored := o.stage("scoring", len(batches))
	if err := parallel(ctx, len(batches), workers, func(i int) error {
		t, err := o.Score(batches[i], off, sp, pool, sc, &cache)
		tops[i] = t
		scored.tick()
		return err
	}); err != nil {
		return nil, err
	}
	top.MergeAll(tops)
	return top, nil
}

// localShardBytes is the shard size of a local flip of srcs when none is
// given: small enough that every worker has several shards to read (a
// 108 MB file cut at DefaultShardBytes is two shards of 64 and 44 MB, and
// one core waits for the other), at least minLocalShardBytes (each shard
// opens the file and reads its head), at most DefaultShardBytes. The plan
// does not depend on it.
func localShardBytes(srcs []Source, workers int) int64 {
	var total int64
	for _, s := range srcs {
		if st, err := os.Stat(s.Path); err == nil {
			total += st.Size()
		}
	}
	return min(DefaultShardBytes, max(minLocalShardBytes, total/int64(4*workers)))
}

// collectRefRows is the least reference for which PlanLocal collects the
// garbage before the fit.
const collectRefRows = 100_000

// minLocalShardBytes is the least shard size localShardBytes gives.
const minLocalShardBytes = 8 << 20

// localReference is GatherRefRows over every batch's BatchReference,
// made with one copy of the rows: with the whole majority as the reference
// (no --reference-sample), each batch writes its rows straight into their
// place in the gathered arrays, in the same (key) order.
//
// From here on only the pool's rows of a batch are read (to be scored), so
// each batch is cut down to them as soon as its reference rows are read:
// the rest is let go before the fit, which needs the memory.
func (o *Options) localReference(ctx context.Context, batches []*Batch, off *Offsets, sp *Spec, pool []uint64, workers int) (*RefRows, error) {
	keepCandidates := func(i int) {
		rows, _ := candidates(batches[i], off, pool)
		batches[i] = batches[i].keepRows(rows)
	}
	if o.referenceSample() >= 0 {
		parts := make([]*RefRows, len(batches))
		if err := parallel(ctx, len(batches), workers, func(i int) error {
			parts[i] = o.BatchReference(batches[i], off, sp)
			keepCandidates(i)
			return nil
		}); err != nil {
			return nil, err
		}
		return GatherRefRows(parts), nil
	}
	rows := make([][]int, len(batches))
	var filled []int // the batches with reference rows, by their first row's key
	for i, b := range batches {
		if rows[i] = o.referenceRows(b); len(rows[i]) > 0 {
			filled = append(filled, i)
		}
	}
	slices.SortFunc(filled, func(i, j int) int {
		return cmp.Compare(off.Key(batches[i], rows[i][0]), off.Key(batches[j], rows[j][0]))
	})
	at := make([]int, len(batches))
	n := 0
	for _, i := range filled {
		at[i], n = n, n+len(rows[i])
	}
	r := newRefRows(sp, -1)
	r.grow(sp, n)
	err := parallel(ctx, len(batches), workers, func(i int) error {
		if len(rows[i]) > 0 {
			o.readReference(batches[i], off, sp, rows[i], r, at[i])
		}
		keepCandidates(i)
		return nil
	})
	return r, err
}

// inspectAll inspects the files (in parallel) and the reference, checks
// that they make one table, and returns the feed of every shard to read:
// the files' in table order (a line-based file's cut while it is read for
// its sums: inspect's pipe), then the reference's. The files' sums may
// still be being taken: sums waits for them (the first error, in the
// files' order); call it in any case, after the feed was read.
func (o *Options) inspectAll(ctx context.Context, srcs []Source, shardBytes int64, workers int) (_ *shardFeed, _ func() error, err error) {
	files := make([]*DistFile, len(srcs))
	waits := make([]func() error, len(srcs))
	sums := func() error {
		var first error
		for _, w := range waits {
			if w != nil {
				if err := w(); err != nil && first == nil {
					first = err
				}
			}
		}
		return first
	}
	defer func() {
		if err != nil {
			sums()
		}
	}()
	inspected := o.stage("inspecting", len(srcs))
	err = parallel(ctx, len(srcs), workers, func(i int) error {
		f, w, err := o.inspect(ctx, srcs[i], i, shardBytes, workers)
		files[i], waits[i] = f, w
		inspected.tick()
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var ref *DistFile
	if o.Reference != "" {
		src := o.ReferenceSource
		if src.Path == "" {
			src = Source{Path: o.Reference}
		}
		if ref, err = o.Inspect(ctx, src, RefFile, shardBytes); err != nil {
			return nil, nil, err
		}
	}
	if err = o.CheckFiles(files, ref); err != nil {
		return nil, nil, err
	}
	feed := &shardFeed{files: files}
	if ref != nil {
		feed.extra = ref.Shards // as CheckFiles left them
	}
	return feed, sums, nil
}

// Summary is the flip's summary as a command reports it: for one file,
// without the per-file list.
func (l *LocalFlip) Summary() Summary {
	s := l.Plan.Summary
	if len(l.Files) == 1 {
		s.Files = nil
	}
	return s
}

// TableSHA256 identifies a table: one file's SHA-256; for several, the
// SHA-256 of their SHA-256 digests, one lower-case hex digest and a line
// break each, in the table's order (what `sha256sum FILES | cut -d' ' -f1`
// prints), which any runner can compute without reading the files in order.
func TableSHA256(files []*DistFile) string {
	if len(files) == 1 {
		return files[0].SHA256
	}
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f.SHA256 + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stageProgress counts the units of a stage done and tells
// Runtime.Progress, one call at a time.
type stageProgress struct {
	mu     sync.Mutex
	name   string
	done   int
	total  int
	report func(stage string, done, total int) // nil: no reports
}

// stage starts reporting a stage of total units to o.Progress.
func (o *Options) stage(name string, total int) *stageProgress {
	return &stageProgress{name: name, total: total, report: o.Progress}
}

// tick records one more unit of the stage done.
func (s *stageProgress) tick() {
	if s.report == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done++
	s.report(s.name, s.done, s.total)
}

// finish records the units of the stage not done yet as done, one at a
// time.
func (s *stageProgress) finish() {
	if s.report == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.done < s.total {
		s.done++
		s.report(s.name, s.done, s.total)
	}
}

// parallel runs fn(0), ..., fn(n-1) on at most workers goroutines and
// returns the first error (by index), or ctx's error if it ends first.
// After an error no new call starts.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	workers = max(1, min(workers, n))
	errs := make([]error, n)
	var next int
	var mu sync.Mutex
	var failed bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := failed || i >= n
				mu.Unlock()
				if stop {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[i] = err
				} else {
					errs[i] = fn(i)
				}
				if errs[i] != nil {
					mu.Lock()
					failed = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// featureRefs names sp's features as --features would in f (see
// Dataset.FeatureRefs).
func (o *Options) featureRefs(f *DistFile, sp *Spec) ([]string, error) {
	if len(sp.Index) == 0 {
		return nil, nil
	}
	lay, _, err := o.columnLayout(f.Columns, f.Names != nil, f.Delim, f.Name)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, n := range f.Names {
		count[n]++
	}
	refs := make([]string, len(sp.Index))
	for k, j := range sp.Index {
		col := lay.features[j]
		refs[k] = lay.colName(col)
		if col < len(f.Names) && count[f.Names[col]] > 1 {
			refs[k] = "#" + strconv.Itoa(col+1)
		}
	}
	return refs, nil
}

// LoadLocal reads a table for eval and sweep with the stages' readers
// (Inspect, Extract, the merges, MakeSpec): per row its group, label and
// membership, the feature columns as the scorers see them (kinds, missing
// values and text levels of the whole table; identifier-like columns left
// out), the sensitive columns (coded, first-seen order), and, unless the
// method is random, the reference (the table's own majority rows).
// --where drops the rows it does not keep.
func (o *Options) LoadLocal(ctx context.Context, src Source) (*Dataset, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	q := *o
	q.KeepSensitive = true
	o = &q
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	f, err := o.Inspect(ctx, src, 0, 0)
	if err != nil {
		return nil, err
	}
	if err := o.CheckFiles([]*DistFile{f}, nil); err != nil {
		return nil, err
	}
	batches := make([]*Batch, len(f.Shards))
	if err := parallel(ctx, len(f.Shards), workers, func(i int) error {
		b, err := o.Extract(ctx, f.Shards[i])
		batches[i] = b
		return err
	}); err != nil {
		return nil, err
	}
	counts := make([]ShardRows, len(batches))
	st := &Stats{}
	for i, b := range batches {
		counts[i] = ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows}
		st.Merge(o.BatchStats(b))
	}
	off := MakeOffsets(counts)
	lv := &Levels{}
	for _, b := range batches {
		lv.Merge(o.BatchLevels(b, off, st))
	}
	sp, err := o.MakeSpec(st, lv)
	if err != nil {
		return nil, err
	}
	t := &Dataset{Name: f.Name, Rows: st.Rows, SHA256: f.SHA256, PositiveText: st.PositiveText}
	if t.Rows == 0 {
		read := 0
		for _, b := range batches {
			read += b.RowsRead
		}
		if len(o.Where) > 0 && read > 0 {
			return nil, fferr.Data("%s: no row is left after --where (%d rows read)", f.Name, read)
		}
		return nil, fferr.Data("%s has %s", f.Name, map[bool]string{true: "a header but no data rows", false: "no data rows"}[o.Dialect.Header])
	}
	t.Notices = append(append(append(t.Notices, st.Notices...), o.tallyNotices(st.NearPositive, st.NonMembers)...), sp.Notices...)
	if st.MinPos+st.MajPos == 0 {
		n, err := o.noPositiveNotice(ctx, f)
		if err != nil {
			return nil, err
		}
		t.Notices = append(t.Notices, n)
	}
	if t.featureRefs, err = o.featureRefs(f, sp); err != nil {
		return nil, err
	}
	t.Features = make([]model.Column, len(sp.Index))
	for k := range t.Features {
		t.Features[k] = model.Column{Name: sp.Names[k], Numeric: sp.Numeric[k], NonFinite: st.Cols[sp.Index[k]].NonFinite}
		if !sp.Numeric[k] {
			t.Features[k].Levels = sp.Levels[k]
		}
	}
	var sens []*model.ColumnBuilder
	for _, b := range batches {
		t.Group = append(t.Group, b.Group...)
		t.Positive = append(t.Positive, b.Positive...)
		if b.Member != nil {
			t.Member = append(t.Member, b.Member...)
		}
		rows := make([]int, len(b.Group))
		for i := range rows {
			rows[i] = i
		}
		for k, c := range sp.batchColumns(b, rows) {
			if c.Numeric {
				t.Features[k].Num = append(t.Features[k].Num, c.Num...)
			} else {
				t.Features[k].Codes = append(t.Features[k].Codes, c.Codes...)
			}
		}
		if sens == nil {
			for _, name := range o.sensitiveNames(f) {
				sens = append(sens, model.NewColumnBuilder(name, true))
			}
		}
		for j := range b.Sens {
			c := &b.Sens[j]
			for _, code := range c.Codes {
				sens[j].Add(c.Levels[code])
			}
		}
	}
	for _, s := range sens {
		t.Sensitive = append(t.Sensitive, s.Build())
	}
	if o.Method != MethodRandom {
		t.ownReference()
	}
	return t, nil
}

// noPositiveNotice says that no row of the groups in file f has a positive
// label, with the label values the file does have: a test file that spells
// the label otherwise (Adult's adult.test writes ">50K.") gives base rates
// of 0 and undefined TPR and EqOd, which should not pass unnoticed.
func (o *Options) noPositiveNotice(ctx context.Context, f *DistFile) (string, error) {
	lay, err := o.buildLayout(f.Names, f.NFields, f.Delim, f.Name)
	if err != nil {
		return "", err
	}
	t, err := o.openTable(f.source())
	if err != nil {
		return "", err
	}
	defer t.Close()
	var seen Tally
	err = t.Read(ctx, t.Whole(), []int{lay.label}, func(r *tableio.Row) error {
		seen.add(strings.TrimSpace(string(r.Cells[0])), 1)
		return nil
	})
	if err != nil {
		return "", classify(err)
	}
	return fmt.Sprintf("%s: no row of the minority or the majority has a positive label (--positive %s), so base rates are 0 and TPR and EqOd undefined; its %s values are %s. If some of them are favourable, give them as --positive too",
		f.Name, strings.Join(o.Positive, ","), lay.colName(lay.label), seen.list()), nil
}

// sensitiveNames names the sensitive columns of a file, as its layout
// resolves them.
func (o *Options) sensitiveNames(f *DistFile) []string {
	lay, err := o.buildLayout(f.Names, f.NFields, f.Delim, f.Name)
	if err != nil {
		return nil
	}
	names := make([]string, len(lay.sensitive))
	for i, c := range lay.sensitive {
		names[i] = lay.colName(c)
	}
	return names
}
