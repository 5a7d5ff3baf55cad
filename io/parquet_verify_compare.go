package tableio

// The comparison of an output chunk with what it should hold, value by value
// and levels included: the input chunk's values (read by the reference
// reader), the changed cells' new values, or the appended column's cells.

import (
	"bytes"
	"fmt"
)

// check compares output chunk (og, o) with its input.
func (w *verifyWorker) check(og, o int) (err error) {
	v := w.v
	defer func() {
		if !v.src.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			err = v.mismatch("checking column %s, row group %d: a panic (%v)", v.leaves[o].name, og, rec)
		}
	}()
	c := w.startChunk(og, o)
	for {
		more, err := c.nextPages()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		c.compareValues()
	}
	return c.finish()
}

// chunkCompare is the state of verifyWorker.check.
type chunkCompare struct {
	w        *verifyWorker
	og, o    int          // the output chunk
	g, s     int          // its input row group and leaf (s < 0: the appended column)
	l        *parquetLeaf // the output's leaf
	start    int64        // the row group's first row in the file
	rows     int64        // the row group's rows
	sets     []parquetCellChange
	apps     []parquetAppendCell
	ck       chunkChecker
	inStats  parquetStatsAcc // of the input values that parquet-go's encodings decoded
	read     valueDigest     // of the input values
	diff     *valueDiff      // the first difference
	statsErr error           // the first statistics error
	ip, op   *refPage        // the current pages
	ii, ij   int             // value and non-null value index in ip
	oi, oj   int             // value and non-null value index in op
	row      int64           // the current row in the row group
	value    int64           // the values compared
}

// startChunk prepares the comparison of output chunk (og, o) with its input.
func (w *verifyWorker) startChunk(og, o int) *chunkCompare {
	v := w.v
	l := v.leaves[o]
	g, s := v.groups[og], v.srcOf[o]
	c := &w.cmp
	*c = chunkCompare{
		w: w, og: og, o: o, g: g, s: s, l: l, start: v.src.rgStarts[g], rows: v.src.rgSizes[g],
		ck:      chunkChecker{w: w, og: og, o: o, l: l, page: newStatsAcc(l), chunk: newStatsAcc(l)},
		inStats: newStatsAcc(l),
		read:    newValueDigest(),
		row:     -1,
	}
	w.outR.reset(v.out, og, o, &w.bufs)
	if s >= 0 {
		w.in.reset(v.src, g, s, &w.bufs)
		c.sets = rowsIn(v.setsOf[s], func(c *parquetCellChange) int64 { return c.row }, c.start, c.start+c.rows)
	} else {
		c.apps = rowsIn(v.x.appends, func(a *parquetAppendCell) int64 { return a.row }, c.start, c.start+c.rows)
	}
	w.sameIdx, w.words, w.wordOK = w.sameIdx[:0], w.words[:0], w.wordOK[:0]
	return c
}

// nextPages reads the next page of the output and of the input where the
// current one is done; it returns false at the end of both chunks.
func (c *chunkCompare) nextPages() (bool, error) {
	w, v := c.w, c.w.v
	for {
		if c.op == nil || c.oi == c.op.n {
			if c.op != nil && c.statsErr == nil {
				c.statsErr = c.ck.endPage(c.op)
			}
			c.op, c.oi, c.oj = nil, 0, 0
			ok, err := w.outR.next()
			if err != nil {
				return false, v.mismatch("column %s, row group %d: %v", c.l.name, c.og, err)
			}
			if ok {
				c.op = &w.outR.page
				c.ck.startPage(c.op)
				continue
			}
		}
		if c.s >= 0 && (c.ip == nil || c.ii == c.ip.n) {
			c.ip, c.ii, c.ij = nil, 0, 0
			ok, err := w.in.next()
			if err != nil {
				return false, fmt.Errorf("%s: column %s: row group %d: %w: %v (codec %s)", v.src.name, v.src.leaves[c.s].name, c.g, ErrParquetDecode, err, w.in.codec)
			}
			if ok {
				c.ip = &w.in.page
				if !w.in.pageOwn() {
					for k := range c.ip.vals.n {
						c.inStats.addRaw(c.ip.vals.at(k))
					}
				}
				continue
			}
		}
		if c.op == nil || (c.s >= 0 && c.ip == nil) {
			if c.op != nil || (c.s >= 0 && c.ip != nil) {
				return false, v.mismatch("column %s, row group %d: the output holds %s values than the input", c.l.name, c.og, map[bool]string{true: "more", false: "fewer"}[c.op != nil])
			}
			return false, nil
		}
		return true, nil
	}
}

// compareValues compares the values of the current pages, up to the end of
// either. (The state it updates for every value is kept in local variables.)
func (c *chunkCompare) compareValues() {
	w, l, ck, s, start := c.w, c.l, &c.ck, c.s, c.start
	op, ip, oi, oj, ii, ij := c.op, c.ip, c.oi, c.oj, c.ii, c.ij
	sets, apps, read, diff, row, value := c.sets, c.apps, c.read, c.diff, c.row, c.value
	n := op.n - oi
	if s >= 0 {
		n = min(n, ip.n-ii)
	}
	for range n {
		od, or := levelAt(op.def, oi, l.maxDef), levelAt(op.rep, oi, l.maxRep)
		var ov []byte
		oIdx := int32(-1) // ov's dictionary index
		if od == l.maxDef {
			if op.vals.idx != nil {
				oIdx = op.vals.idx[oj]
				ov = op.vals.dict.at(int(oIdx))
				ck.addDictValue(oIdx)
			} else {
				ov = op.vals.at(oj)
				ck.page.addRaw(ov)
			}
			oj++
		} else {
			ck.page.nulls++
		}
		oi++
		if or == 0 {
			row++
		}
		var wd, wr int
		var want []byte
		wIdx := int32(-1) // want's dictionary index in the input
		if s >= 0 {
			wd, wr = levelAt(ip.def, ii, l.maxDef), levelAt(ip.rep, ii, l.maxRep)
			var word uint64
			if wd == l.maxDef {
				if ip.vals.idx != nil {
					wIdx = ip.vals.idx[ij]
					want = ip.vals.dict.at(int(wIdx))
					word = w.dictWord(l.kind, wIdx, want)
				} else {
					want = ip.vals.at(ij)
					word = digestWord(l.kind, want)
				}
				ij++
			}
			ii++
			read = read.add(wd, wr, wd < l.maxDef, word)
		}
		changed := false
		switch {
		case s < 0 && len(apps) > 0 && apps[0].row-start == row:
			wd, wr, w.raw, changed = 1, 0, appendRaw(w.raw[:0], apps[0].val), true
			want = w.raw
			apps = apps[1:]
		case s < 0:
			wd, wr, want = 0, 0, nil
		case len(sets) > 0 && sets[0].row-start == row && or == 0:
			wd, wr, w.raw, changed = l.maxDef, 0, appendRaw(w.raw[:0], sets[0].val), true
			want = w.raw
			sets = sets[1:]
		}
		same := od == wd && or == wr
		if same && oIdx >= 0 && wIdx >= 0 && !changed {
			// Both dictionary-encoded: compare the values once per
			// pair of indexes.
			for int(wIdx) >= len(w.sameIdx) {
				w.sameIdx = append(w.sameIdx, -1)
			}
			if w.sameIdx[wIdx] != oIdx {
				same = bytes.Equal(ov, want)
				if same {
					w.sameIdx[wIdx] = oIdx
				}
			}
		} else if same {
			same = bytes.Equal(ov, want)
		}
		if diff == nil && !same {
			diff = &valueDiff{value: value, row: row, got: bytes.Clone(ov), gotDef: od, want: bytes.Clone(want), wantDef: wd, changed: changed}
			if ip != nil {
				diff.encoding = ip.encoding
			}
		}
		value++
	}
	c.oi, c.oj, c.ii, c.ij = oi, oj, ii, ij
	c.sets, c.apps, c.read, c.diff, c.row, c.value = sets, apps, read, diff, row, value
}

// finish makes the checks that need the whole chunk: what parquet-go read
// for the rewrite, the first difference, the statistics, the cells left to
// change, the number of values, the column and offset indexes, and the
// input's statistics.
func (c *chunkCompare) finish() error {
	w, v, l, g, s := c.w, c.w.v, c.l, c.g, c.s
	if s >= 0 {
		// What parquet-go read from the input for the rewrite, if it is
		// known, against what the pages hold.
		if reads := v.src.reads; g < len(reads) && reads[g][s].n > 0 && reads[g][s] != c.read {
			return w.unfaithful(g, s, c.diff)
		}
	}
	if c.diff != nil {
		return w.diagnose(c.og, c.o, c.diff)
	}
	if c.statsErr != nil {
		return c.statsErr
	}
	if len(c.sets) > 0 || len(c.apps) > 0 {
		return v.mismatch("column %s, row group %d: cells to change beyond the end of the chunk", l.name, c.og)
	}
	if l.maxRep == 0 && c.value != c.rows {
		return v.mismatch("column %s, row group %d: %d values for %d rows", l.name, c.og, c.value, c.rows)
	}
	if err := c.ck.endChunk(); err != nil {
		return err
	}
	if s >= 0 && (c.inStats.values > 0 || c.inStats.nan) {
		return w.checkInputStats(g, s, &c.inStats)
	}
	return nil
}
