// Package pipeline is fairflip's flip as an Apache Beam pipeline: the
// stages of package transform's distributed flip (see transform/dist.go)
// wired together so that a runner (prism, Flink, Spark, Dataflow) spreads
// the per-shard work over its workers. Every shard is read with
// fairflip's own readers and every file is rewritten with fairflip's own
// writer; Beam's textio and parquetio never touch the data.
//
// The pipeline, with the global (one-element) results passed on as side
// inputs:
//
//	files ─ Inspect ─ CheckFiles ─ shards ─ Reshuffle ─ Extract ─ batches,
//	        and per shard its rows (─ Offsets) and counts (─ Stats)
//	batches ─ Levels ─ Spec, and Collective (bounded, seeded) ─ Pool
//	batches ─ Reference (per batch, bounded, seeded), and Candidates (per
//	        batch) ─ GroupByKey (--score-groups groups)
//	        ─ Score (per group: its best M; the fit made from the reference
//	        rows once per process, where it is scored with) ─ Top (global
//	        best M), and the fit's outline ─ Finish ─ Plan
//	files ─ Reshuffle ─ Write (temporary file per input) ─ Commit (rename all, summary)
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/transform"
)

// Job is what every stage needs to know. It travels inside each DoFn, so
// it holds only plain values.
type Job struct {
	Config        []byte // transform.Config, validated, as JSON (see SetOptions)
	ReferencePath string
	Inputs        []string // the table's files, in order
	OutDir        string
	RunID         string // names the temporary files of this run
	ShardBytes    int64
	// ScoreGroups is the number of groups the candidates are gathered
	// into for scoring: the most bundles that read the fitted scorer, and
	// the most workers that score at once (0: one group).
	ScoreGroups int
	ResultPath  string // where Commit writes the Result (JSON)
}

// SetOptions validates o (filling in its defaults) and stores its Config
// in the job. Its Runtime (the log, the workers) stays here: each worker
// has its own. The reference file travels as ReferencePath.
func (j *Job) SetOptions(o transform.Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return j.setConfig(o.Config)
}

// setConfig stores cfg in the job as JSON, without its reference file.
func (j *Job) setConfig(cfg transform.Config) error {
	cfg.Reference = ""
	data, err := json.Marshal(&cfg)
	if err != nil {
		return err
	}
	j.Config = data
	return nil
}

// options returns the job's options, ready to use on a worker.
func (j *Job) options() *transform.Options {
	var o transform.Options
	if err := json.Unmarshal(j.Config, &o.Config); err != nil {
		panic("fairflip: the job's configuration does not decode: " + err.Error())
	}
	o.Log = io.Discard
	o.Reference = j.ReferencePath
	return &o
}

// TempPath is where file i's output is written before the commit.
func (j *Job) TempPath(path string) string {
	return filepath.Join(j.OutDir, "."+filepath.Base(path)+".fairflip-"+j.RunID+".tmp")
}

// OutPath is file i's output.
func (j *Job) OutPath(path string) string {
	return filepath.Join(j.OutDir, filepath.Base(path))
}

// Result is what the commit step reports back to the launcher.
type Result struct {
	Summary      transform.Summary
	ScoreNotices []string
	Outputs      []string
}

// FileTask is one input file to inspect.
type FileTask struct {
	Index int
	Path  string
}

// FileList is the table's files, in order, after CheckFiles; Ref is the
// --reference file, if any.
type FileList struct {
	Files []*transform.DistFile
	Ref   *transform.DistFile
}

// Pool is the candidate pool, as sorted row keys, and the collective's size.
type Pool struct {
	Keys       []uint64
	Collective int
}

// Written is one output, written to its temporary file.
type Written struct {
	Index int
	Temp  string
	Final string
	Rows  int
	Flips int
}

// WrittenList gathers the outputs for the commit.
type WrittenList struct {
	Files []Written
}

func init() {
	register.DoFn3x1[context.Context, FileTask, func(*transform.DistFile), error](&inspectFn{})
	register.DoFn2x1[*FileList, func(*FileList), error](&checkFn{})
	register.DoFn2x0[*FileList, func(transform.Shard)](&shardsFn{})
	register.DoFn2x0[*FileList, func(*transform.DistFile)](&tableFilesFn{})
	register.DoFn5x1[context.Context, transform.Shard, func(*transform.Batch), func(transform.ShardRows), func(*transform.Stats), error](&extractFn{})
	register.DoFn5x0[*transform.Batch, *transform.Offsets, *transform.Stats, func(*transform.Levels), func(*transform.Smallest)](&levelsFn{})
	register.DoFn4x1[context.Context, *transform.Levels, *transform.Stats, func(*transform.Spec), error](&specFn{})
	register.DoFn2x0[*transform.Smallest, func(*Pool)](&poolFn{})
	register.DoFn6x0[*transform.Batch, *transform.Offsets, *transform.Spec, *Pool, func(*transform.RefRows), func(int, *transform.Batch)](&referenceFn{})
	register.Iter1[*transform.RefRows]()
	register.DoFn9x1[context.Context, int, func(**transform.Batch) bool, *transform.Offsets, *transform.Spec, *Pool, func(**transform.RefRows) bool, func(*transform.Top), func(*transform.Scorer), error](&scoreFn{})
	register.Iter1[*transform.Batch]()
	register.Emitter2[int, *transform.Batch]()
	register.DoFn9x1[context.Context, *transform.Top, *FileList, *transform.Offsets, *transform.Stats, *transform.Spec, *Pool, *transform.Scorer, func(*transform.DistPlan), error](&finishFn{})
	register.DoFn4x1[context.Context, *transform.DistFile, *transform.DistPlan, func(Written), error](&writeFn{})
	register.DoFn4x1[context.Context, *WrittenList, *transform.DistPlan, *transform.Scorer, error](&commitFn{})
	register.Emitter1[*transform.DistFile]()
	register.Emitter1[*FileList]()
	register.Emitter1[transform.Shard]()
	register.Emitter1[*transform.Batch]()
	register.Emitter1[transform.ShardRows]()
	register.Emitter1[*transform.Stats]()
	register.Emitter1[*transform.Levels]()
	register.Emitter1[*transform.Spec]()
	register.Emitter1[*transform.Smallest]()
	register.Emitter1[*Pool]()
	register.Emitter1[*transform.RefRows]()
	register.Emitter1[*transform.Scorer]()
	register.Emitter1[*transform.Top]()
	register.Emitter1[*transform.DistPlan]()
	register.Emitter1[Written]()

	register.Function2x1(mergeOutline)
	register.Function2x1(mergeStats)
	register.Function2x1(mergeLevels)
	register.Function2x1(mergeSmallest)
	register.Function2x1(mergeTop)
	register.Combiner3[*FileList, *transform.DistFile, *FileList](&fileListFn{})
	register.Combiner3[*offsetsAcc, transform.ShardRows, *transform.Offsets](&offsetsFn{})
	register.Combiner3[*WrittenList, Written, *WrittenList](&writtenListFn{})
	registerCoders()
}

// Build adds the flip of job to the pipeline's root scope s.
func Build(s beam.Scope, job Job) {
	var tasks []FileTask
	for i, p := range job.Inputs {
		tasks = append(tasks, FileTask{Index: i, Path: p})
	}
	if job.ReferencePath != "" {
		tasks = append(tasks, FileTask{Index: transform.RefFile, Path: job.ReferencePath})
	}
	side := func(cols ...beam.PCollection) []beam.Option {
		var out []beam.Option
		for _, c := range cols {
			out = append(out, beam.SideInput{Input: c})
		}
		return out
	}

	files := beam.ParDo(s.Scope("Inspect"), &inspectFn{Job: job}, beam.CreateList(s, tasks))
	list := beam.ParDo(s.Scope("CheckFiles"), &checkFn{Job: job}, beam.Combine(s.Scope("Files"), &fileListFn{}, files))
	shards := beam.Reshuffle(s, beam.ParDo(s.Scope("Shards"), &shardsFn{}, list))
	// One read of the data: the batches, and each shard's row count and
	// counts (which need no row keys).
	batches, rows, shardStats := beam.ParDo3(s.Scope("Extract"), &extractFn{Job: job}, shards)
	offsets := beam.Combine(s.Scope("Offsets"), &offsetsFn{}, rows)
	stats := beam.Combine(s.Scope("Stats"), mergeStats, shardStats)

	// Each pass over the batches costs a transfer of all of them: the
	// levels and the collective share one.
	partLevels, partColl := beam.ParDo2(s.Scope("LevelsAndCollective"), &levelsFn{Job: job}, batches, side(offsets, stats)...)
	levels := beam.Combine(s.Scope("Levels"), mergeLevels, partLevels)
	spec := beam.ParDo(s.Scope("Spec"), &specFn{Job: job}, levels, side(stats)...)
	coll := beam.Combine(s.Scope("Collective"), mergeSmallest, partColl)
	pool := beam.ParDo(s.Scope("Pool"), &poolFn{}, coll)
	// One more pass over the batches gives their reference rows and
	// their candidates (about a tenth of the rows), gathered into a few
	// groups for scoring. Every batch, even one without candidates, goes
	// to a group, so at least one scoring bundle runs and fits.
	refParts, cands := beam.ParDo2(s.Scope("ReferenceAndCandidates"), &referenceFn{Job: job}, batches, side(offsets, spec, pool)...)
	groups := beam.GroupByKey(s, cands)
	// The reference rows of every batch reach the fit as a side input,
	// read lazily: each worker process that scores reads them once and
	// fits (gathered with one copy: a combiner's pairwise merges copied
	// the growing whole again and again, 42 s of 100 for 9M reference
	// rows), and scores with the fit it made. The fit itself never
	// travels (for rb-label and rb-dist, the encoded reference: it went
	// from the fit to the scorers and to the outline, decoded by each);
	// the later stages read its outline.
	tops, outlines := beam.ParDo2(s.Scope("Score"), &scoreFn{Job: job, FitKey: newFitKey()}, groups, side(offsets, spec, pool, refParts)...)
	top := beam.Combine(s.Scope("Top"), mergeTop, tops)
	outline := beam.Combine(s.Scope("Outline"), mergeOutline, outlines)
	plan := beam.ParDo(s.Scope("Finish"), &finishFn{Job: job}, top, side(list, offsets, stats, spec, pool, outline)...)

	table := beam.Reshuffle(s, beam.ParDo(s.Scope("TableFiles"), &tableFilesFn{}, list))
	written := beam.ParDo(s.Scope("Write"), &writeFn{Job: job}, table, side(plan)...)
	all := beam.Combine(s.Scope("Written"), &writtenListFn{}, written)
	beam.ParDo0(s.Scope("Commit"), &commitFn{Job: job}, all, side(plan, outline)...)
}

// classed marks a stage's error with fairflip's exit code, which the
// launcher finds in the runner's report (the runner passes on only text).
func classed(err error) error {
	return fmt.Errorf("[fairflip exit %d] %s", flipcli.ExitCode(context.Background(), err), flipcli.Message(err))
}

type inspectFn struct{ Job Job }

func (f *inspectFn) ProcessElement(ctx context.Context, t FileTask, emit func(*transform.DistFile)) error {
	d, err := f.Job.options().Inspect(ctx, transform.Source{Path: t.Path}, t.Index, f.Job.ShardBytes)
	if err != nil {
		return classed(err)
	}
	log.Infof(ctx, "fairflip: %s: %d bytes, %d shards", t.Path, d.Size, len(d.Shards))
	emit(d)
	return nil
}

// fileListFn gathers the inspected files.
type fileListFn struct{}

func (*fileListFn) CreateAccumulator() *FileList { return &FileList{} }
func (*fileListFn) AddInput(a *FileList, f *transform.DistFile) *FileList {
	if f.Index == transform.RefFile {
		a.Ref = f
	} else {
		a.Files = append(a.Files, f)
	}
	return a
}
func (*fileListFn) MergeAccumulators(a, b *FileList) *FileList {
	a.Files = append(a.Files, b.Files...)
	if b.Ref != nil {
		a.Ref = b.Ref
	}
	return a
}
func (*fileListFn) ExtractOutput(a *FileList) *FileList {
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].Index < a.Files[j].Index })
	return a
}

type checkFn struct{ Job Job }

func (f *checkFn) ProcessElement(l *FileList, emit func(*FileList)) error {
	if len(l.Files) != len(f.Job.Inputs) {
		return fmt.Errorf("fairflip: %d of %d files were inspected", len(l.Files), len(f.Job.Inputs))
	}
	if err := f.Job.options().CheckFiles(l.Files, l.Ref); err != nil {
		return classed(err)
	}
	emit(l)
	return nil
}

type shardsFn struct{}

func (*shardsFn) ProcessElement(l *FileList, emit func(transform.Shard)) {
	for _, f := range l.Files {
		for _, sh := range f.Shards {
			emit(sh)
		}
	}
	if l.Ref != nil {
		for _, sh := range l.Ref.Shards {
			emit(sh)
		}
	}
}

type tableFilesFn struct{}

func (*tableFilesFn) ProcessElement(l *FileList, emit func(*transform.DistFile)) {
	for _, f := range l.Files {
		emit(f)
	}
}

type extractFn struct{ Job Job }

func (f *extractFn) ProcessElement(ctx context.Context, sh transform.Shard, emit func(*transform.Batch), emitRows func(transform.ShardRows), emitStats func(*transform.Stats)) error {
	o := f.Job.options()
	b, err := o.Extract(ctx, sh)
	if err != nil {
		return classed(err)
	}
	log.Infof(ctx, "fairflip: read %s shard %d: %d rows", sh.Path, sh.Index, b.Rows)
	emitRows(transform.ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows})
	emitStats(o.BatchStats(b))
	for _, part := range b.Split(transform.DefaultBatchRows) {
		emit(part)
	}
	return nil
}

type offsetsAcc struct{ Rows []transform.ShardRows }

type offsetsFn struct{}

func (*offsetsFn) CreateAccumulator() *offsetsAcc { return &offsetsAcc{} }
func (*offsetsFn) AddInput(a *offsetsAcc, r transform.ShardRows) *offsetsAcc {
	a.Rows = append(a.Rows, r)
	return a
}
func (*offsetsFn) MergeAccumulators(a, b *offsetsAcc) *offsetsAcc {
	a.Rows = append(a.Rows, b.Rows...)
	return a
}
func (*offsetsFn) ExtractOutput(a *offsetsAcc) *transform.Offsets {
	return transform.MakeOffsets(a.Rows)
}

func mergeStats(a, b *transform.Stats) *transform.Stats { return a.Merge(b) }

// levelsFn gives a batch's text levels and its candidates for the collective.
type levelsFn struct{ Job Job }

func (f *levelsFn) ProcessElement(b *transform.Batch, off *transform.Offsets, st *transform.Stats, emitLevels func(*transform.Levels), emitColl func(*transform.Smallest)) {
	o := f.Job.options()
	emitLevels(o.BatchLevels(b, off, st))
	emitColl(o.BatchCollective(b, off, st))
}

func mergeLevels(a, b *transform.Levels) *transform.Levels { return a.Merge(b) }

type specFn struct{ Job Job }

func (f *specFn) ProcessElement(ctx context.Context, lv *transform.Levels, st *transform.Stats, emit func(*transform.Spec)) error {
	sp, err := f.Job.options().MakeSpec(st, lv)
	if err != nil {
		return classed(err)
	}
	log.Infof(ctx, "fairflip: %d rows, %d minority, %d majority; %d feature columns", st.Rows, st.Minority, st.Majority, len(sp.Names))
	emit(sp)
	return nil
}

func mergeSmallest(a, b *transform.Smallest) *transform.Smallest { return a.Merge(b) }

type poolFn struct{}

func (*poolFn) ProcessElement(s *transform.Smallest, emit func(*Pool)) {
	keys, n := s.Pool()
	emit(&Pool{Keys: keys, Collective: n})
}

// referenceFn gives a batch's reference rows, and the batch cut down to
// its candidates, keyed by the group that scores them.
type referenceFn struct{ Job Job }

func (f *referenceFn) ProcessElement(b *transform.Batch, off *transform.Offsets, sp *transform.Spec, pool *Pool, emitRef func(*transform.RefRows), emitCand func(int, *transform.Batch)) {
	emitRef(f.Job.options().BatchReference(b, off, sp))
	emitCand((b.File*7919+b.Shard*31+b.Part)%max(f.Job.ScoreGroups, 1), transform.KeepCandidates(b, off, pool.Keys))
}

// newFitKey names the fit of one pipeline: a worker process keeps the
// fit of the last key it saw.
func newFitKey() string {
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		panic("fairflip: no random bytes for the fit's key: " + err.Error())
	}
	return hex.EncodeToString(id)
}

// fitCache keeps the fit (its k-NN indexes built by the first Score) for
// every bundle that any instance of scoreFn processes in this worker
// process: the runner creates DoFn instances as it likes (prism made
// several, each of which, with a cache of its own, built the k-NN indexes
// of the whole reference again: 2–3.5 s each on 904k reference rows).
// The second of two bundles waits for the first one's fit.
type fitCache struct {
	mu  sync.Mutex
	key string
	sc  *transform.Scorer
	err error
}

var fits fitCache

// get returns the fit of key, made by fit if this process has none.
func (c *fitCache) get(key string, fit func() (*transform.Scorer, error)) (*transform.Scorer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key {
		c.key, c.sc, c.err = "", nil, nil // let the last job's fit go first
		c.sc, c.err = fit()
		c.key = key
	}
	return c.sc, c.err
}

// scoreFn scores a group's candidate batches with the process's fit (made
// on the first bundle) and keeps their best M; it gives the fit's outline
// to the stages after scoring.
type scoreFn struct {
	Job    Job
	FitKey string
}

func (f *scoreFn) ProcessElement(ctx context.Context, _ int, group func(**transform.Batch) bool, off *transform.Offsets, sp *transform.Spec, pool *Pool, parts func(**transform.RefRows) bool, emit func(*transform.Top), emitOutline func(*transform.Scorer)) error {
	sc, err := fits.get(f.FitKey, func() (*transform.Scorer, error) {
		var all []*transform.RefRows
		var p *transform.RefRows
		for parts(&p) {
			all = append(all, p)
		}
		ref := transform.GatherRefRows(all)
		all = nil
		log.Infof(ctx, "fairflip: fitting on %d reference rows", ref.Len())
		sc, err := f.Job.options().FitHere(ref, sp)
		if err == nil {
			log.Infof(ctx, "fairflip: fitted")
		}
		return sc, err
	})
	if err != nil {
		return classed(err)
	}
	emitOutline(sc.WithoutFit())
	var tops []*transform.Top
	var b *transform.Batch
	for group(&b) {
		t, err := f.Job.options().Score(b, off, sp, pool.Keys, sc, nil)
		if err != nil {
			return classed(err)
		}
		tops = append(tops, t)
	}
	top := new(transform.Top).MergeAll(tops)
	if top.Pool > 0 {
		log.Infof(ctx, "fairflip: scored %d candidates of %d batches", top.Pool, len(tops))
	}
	emit(top)
	return nil
}

// mergeOutline keeps one of the fits' outlines: they differ only in
// their IDs (each process fits the same reference the same way).
func mergeOutline(a, b *transform.Scorer) *transform.Scorer {
	if b.ID < a.ID {
		return b
	}
	return a
}

func mergeTop(a, b *transform.Top) *transform.Top { return a.Merge(b) }

type finishFn struct{ Job Job }

func (f *finishFn) ProcessElement(ctx context.Context, top *transform.Top, l *FileList, off *transform.Offsets, st *transform.Stats, sp *transform.Spec, pool *Pool, sc *transform.Scorer, emit func(*transform.DistPlan)) error {
	dp, err := f.Job.options().Finish(l.Files, off, st, sp, pool.Keys, pool.Collective, sc, top)
	if err != nil {
		return classed(err)
	}
	log.Infof(ctx, "fairflip: plan: %d rows, pool %d, %d flips", dp.Summary.Rows, dp.Summary.Pool, dp.Summary.Flips)
	emit(dp)
	return nil
}

type writeFn struct{ Job Job }

func (f *writeFn) ProcessElement(ctx context.Context, d *transform.DistFile, dp *transform.DistPlan, emit func(Written)) (err error) {
	tmp := f.Job.TempPath(d.Path)
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o666)
	if err != nil {
		return classed(fferr.IO(err))
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Job.options().WriteDist(ctx, d, dp, out); err != nil {
		return classed(err)
	}
	if err = out.Sync(); err != nil {
		return classed(fferr.IO(err))
	}
	if err = out.Close(); err != nil {
		return classed(fferr.IO(err))
	}
	ps := dp.Summary.Files[d.Index]
	log.Infof(ctx, "fairflip: wrote %s: %d rows, %d flips", tmp, ps.Rows, ps.Flips)
	emit(Written{Index: d.Index, Temp: tmp, Final: f.Job.OutPath(d.Path), Rows: ps.Rows, Flips: ps.Flips})
	return nil
}

type writtenListFn struct{}

func (*writtenListFn) CreateAccumulator() *WrittenList { return &WrittenList{} }
func (*writtenListFn) AddInput(a *WrittenList, w Written) *WrittenList {
	a.Files = append(a.Files, w)
	return a
}
func (*writtenListFn) MergeAccumulators(a, b *WrittenList) *WrittenList {
	a.Files = append(a.Files, b.Files...)
	return a
}
func (*writtenListFn) ExtractOutput(a *WrittenList) *WrittenList {
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].Index < a.Files[j].Index })
	return a
}

// commitFn renames every temporary file to its output, once all were
// written, and reports the result.
type commitFn struct{ Job Job }

func (f *commitFn) ProcessElement(ctx context.Context, w *WrittenList, dp *transform.DistPlan, sc *transform.Scorer) error {
	if len(w.Files) != len(f.Job.Inputs) {
		return fmt.Errorf("fairflip: %d of %d outputs were written", len(w.Files), len(f.Job.Inputs))
	}
	res := Result{Summary: dp.Summary, ScoreNotices: sc.Notices}
	if dp.Summary.Pool == 0 {
		res.ScoreNotices = nil
	}
	for i, x := range w.Files {
		if err := os.Rename(x.Temp, x.Final); err != nil {
			// A retried commit (the runner may run a bundle again) finds
			// the outputs it renamed already in place.
			_, terr := os.Stat(x.Temp)
			if _, ferr := os.Stat(x.Final); !errors.Is(terr, fs.ErrNotExist) || ferr != nil {
				return classed(fferr.IO(err))
			}
		}
		res.Summary.Files[i].Output = x.Final
		res.Outputs = append(res.Outputs, x.Final)
	}
	log.Infof(ctx, "fairflip: committed %d outputs", len(w.Files))
	if f.Job.ResultPath == "" {
		return nil
	}
	data, err := json.Marshal(res)
	if err != nil {
		return classed(err)
	}
	if err := os.WriteFile(f.Job.ResultPath, data, 0o666); err != nil {
		return classed(fferr.IO(err))
	}
	return nil
}
