package tableio

// The column-wise rewrite: for files whose leaves all hold exactly one value
// per row (no repeated column), each output column chunk is written from the
// input's chunk alone, value by value, without assembling rows. The columns
// of a row group, and several row groups, are written concurrently (each row
// group by its own parquet-go ConcurrentRowGroupWriter); the row groups are
// committed in order. The values are written in the same batches of 64 rows
// as the row-wise path, so the output is byte for byte the same.

import (
	"io"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
)

// parquetWriteBatch is the number of rows written to a column at a time: the
// row-wise writer of parquet-go writes 64 rows at a time, and pages are cut
// between two batches, so writing the same batches gives the same pages.
const parquetWriteBatch = 64

// columnWise reports whether the rewrite can be done column by column: every
// leaf has one value per row.
func (x *parquetRewriter) columnWise() bool {
	if x.p.seams.byRows {
		return false
	}
	for _, l := range x.p.leaves {
		if l.maxRep != 0 {
			return false
		}
	}
	return true
}

// rewriteRowGroup is a row group being written by runColumns.
type rewriteRowGroup struct {
	g    int
	w    *parquet.ConcurrentRowGroupWriter
	left atomic.Int32
	done chan struct{}
	errs []error // by output column
}

type rewriteTask struct {
	rg  *rewriteRowGroup
	out int // output column
}

// runColumns writes every row group column by column (see columnWise). The
// pages have all been checked by checkChunk.
func (x *parquetRewriter) runColumns(wr *parquet.Writer) error {
	p := x.p
	src := x.outputSources()
	nOut := len(src)
	setsOf := x.setsByColumn()
	workers := p.seams.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, nOut*len(p.meta.RowGroups)))
	// Row group writers, reused once committed: at most that many row groups
	// are in flight.
	pool := make(chan *parquet.ConcurrentRowGroupWriter, workers+1)
	for range cap(pool) {
		pool <- wr.BeginRowGroup()
	}
	tasks := make(chan rewriteTask, nOut)
	groups := make(chan *rewriteRowGroup, len(p.meta.RowGroups))
	stop := make(chan struct{})
	var abort atomic.Bool
	var wg sync.WaitGroup
	stopAll := sync.OnceFunc(func() { close(stop) })
	finished := false
	defer func() {
		if finished {
			return
		}
		// An error or a panic (recovered by RewriteParquet): stop the
		// goroutines before returning, so that none is left reading the file.
		abort.Store(true)
		stopAll()
		for rg := range groups {
			<-rg.done
		}
		wg.Wait()
	}()

	wg.Go(func() {
		defer close(tasks)
		defer close(groups)
		for g := range p.meta.RowGroups {
			var w *parquet.ConcurrentRowGroupWriter
			select {
			case w = <-pool:
			case <-stop:
				return
			}
			rg := &rewriteRowGroup{g: g, w: w, done: make(chan struct{}), errs: make([]error, nOut)}
			rg.left.Store(int32(nOut))
			groups <- rg
			for out := range nOut {
				tasks <- rewriteTask{rg: rg, out: out}
			}
		}
	})
	for range workers {
		wg.Go(func() {
			buf := make([]parquet.Value, parquetBatchRows+parquetWriteBatch)
			for t := range tasks {
				if !abort.Load() {
					t.rg.errs[t.out] = x.writeColumnTask(t.rg, t.out, src[t.out], setsOf, buf)
				}
				if t.rg.left.Add(-1) == 0 {
					close(t.rg.done)
				}
			}
		})
	}

	for rg := range groups {
		var err error
		<-rg.done
		x.rg, x.col = rg.g, -1
		for _, e := range rg.errs {
			if e != nil {
				err = e
				break
			}
		}
		if err == nil {
			if _, e := rg.w.Commit(); e != nil {
				err = p.errorf(-1, rg.g, "writing: %w", e)
			}
		}
		if err != nil {
			return err // the deferred function stops the goroutines
		}
		pool <- rg.w
	}
	wg.Wait()
	finished = true
	x.rg = -1
	return nil
}

// writeColumnTask writes one column of a row group; a panic inside parquet-go
// becomes an error naming the column and the row group.
func (x *parquetRewriter) writeColumnTask(rg *rewriteRowGroup, out, src int, setsOf [][]parquetCellChange, buf []parquet.Value) (err error) {
	defer func() {
		if !x.p.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			name := x.p.leafName(src)
			if src < 0 {
				name = ""
			}
			recoverParquet(rec, x.p.name, name, rg.g, &err)
		}
	}()
	cw := rg.w.ColumnWriters()[out]
	if src < 0 {
		err = x.writeAppended(rg.g, cw, buf)
	} else {
		err = x.copyColumn(rg.g, src, out, cw, setsOf[src], buf)
	}
	if err != nil {
		return err
	}
	// Encode and compress the last page here rather than in Commit, which
	// runs on one goroutine (it writes the same page).
	if err := cw.Flush(); err != nil {
		return x.p.errorf(-1, rg.g, "writing: %w", err)
	}
	return nil
}

// rowsIn returns the part of changes (sorted by row) in [start, end).
func rowsIn[T any](changes []T, row func(*T) int64, start, end int64) []T {
	i := sort.Search(len(changes), func(i int) bool { return row(&changes[i]) >= start })
	j := sort.Search(len(changes), func(i int) bool { return row(&changes[i]) >= end })
	return changes[i:j]
}

// copyColumn writes the values of input leaf src in row group g to cw, with
// the cells of sets changed.
func (x *parquetRewriter) copyColumn(g, src, out int, cw *parquet.ColumnWriter, sets []parquetCellChange, buf []parquet.Value) error {
	p := x.p
	l := p.leaves[src]
	group := p.f.RowGroups()[g]
	start, want := p.rgStarts[g], group.NumRows()
	sets = rowsIn(sets, func(s *parquetCellChange) int64 { return s.row }, start, start+want)
	st := &x.stats[g][out]
	chunk := &checkedChunk{ColumnChunk: group.ColumnChunks()[src], p: p, g: g, leaf: l}
	pages := chunk.Pages()
	defer pages.Close()
	got := int64(0) // values read
	pend := 0       // values of buf not written yet, fewer than a batch
	read := newValueDigest()
	write := func(vals []parquet.Value) error {
		for len(vals) > 0 {
			n := min(len(vals), parquetWriteBatch)
			if _, err := cw.WriteRowValues(vals[:n]); err != nil {
				return p.errorf(src, g, "writing: %w", err)
			}
			vals = vals[n:]
		}
		return nil
	}
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.errorf(src, g, "corrupt page (%v)", err)
		}
		err = func() error {
			defer parquet.Release(page)
			vr := page.Values()
			for {
				n, rerr := vr.ReadValues(buf[pend : pend+parquetBatchRows])
				if n > 0 && got+int64(n) > want {
					return p.errorf(src, g, "corrupt file: the column holds more values than the row group's %d rows", want)
				}
				vals := buf[pend : pend+n]
				for i := range vals {
					v := &vals[i]
					d := v.DefinitionLevel()
					if v.RepetitionLevel() != 0 || d > l.maxDef || v.IsNull() != (d < l.maxDef) {
						return p.errorf(src, g, "corrupt file (invalid levels in row %d)", got+int64(i))
					}
					if out != src {
						v.SetColumnIndex(out)
					}
				}
				read = read.addValues(l.kind, vals)
				for len(sets) > 0 && sets[0].row-start < got+int64(n) {
					vals[sets[0].row-start-got] = sets[0].val.Level(0, l.maxDef, out)
					sets = sets[1:]
				}
				st.addValues(vals)
				got += int64(n)
				total := pend + n
				k := total - total%parquetWriteBatch
				if got == want {
					k = total
				}
				if err := write(buf[:k]); err != nil {
					return err
				}
				pend = copy(buf, buf[k:total])
				if rerr == io.EOF {
					// The values left may point into the page's buffers,
					// which are reused once it is released.
					for i := range pend {
						buf[i] = buf[i].Clone()
					}
					return nil
				}
				if rerr != nil {
					return p.errorf(src, g, "corrupt page (%v)", rerr)
				}
				if n == 0 {
					return p.errorf(src, g, "corrupt page (no progress)")
				}
			}
		}()
		if err != nil {
			return err
		}
	}
	if got != want {
		return p.errorf(src, g, "corrupt file: the column holds %d values but the row group has %d rows", got, want)
	}
	x.reads[g][src] = read
	return nil
}

// writeAppended writes the appended column of row group g to cw: null but
// for the rows of x.appends.
func (x *parquetRewriter) writeAppended(g int, cw *parquet.ColumnWriter, buf []parquet.Value) error {
	p := x.p
	start, want := p.rgStarts[g], p.f.RowGroups()[g].NumRows()
	apps := rowsIn(x.appends, func(a *parquetAppendCell) int64 { return a.row }, start, start+want)
	st := &x.stats[g][x.outCol]
	null := parquet.NullValue().Level(0, 0, x.outCol)
	vals := buf[:parquetWriteBatch]
	for row := int64(0); row < want; row += parquetWriteBatch {
		n := int(min(want-row, parquetWriteBatch))
		for i := range n {
			vals[i] = null
		}
		for len(apps) > 0 && apps[0].row-start < row+int64(n) {
			vals[apps[0].row-start-row] = apps[0].val.Level(0, 1, x.outCol)
			apps = apps[1:]
		}
		st.addValues(vals[:n])
		if _, err := cw.WriteRowValues(vals[:n]); err != nil {
			return p.errorf(-1, g, "writing: %w", err)
		}
	}
	return nil
}
