package transform

import (
	"cmp"
	"slices"
)

// RefRows are reference rows, column by column: their keys, keyed hashes
// and labels, and their kept features as the model reads them (Num for a
// numeric feature, Codes into the table's levels for a text one). With
// M ≥ 0 only the M rows with the smallest hashes are kept.
type RefRows struct {
	M     int
	Keys  []uint64
	H     []uint64
	Pos   []bool
	Num   [][]float64 // [kept feature][row]; nil for a text feature
	Codes [][]int32   // [kept feature][row]; nil for a numeric feature
}

// Len returns the number of rows.
func (r *RefRows) Len() int { return len(r.Keys) }

// take keeps the rows at positions idx, in that order.
func (r *RefRows) take(idx []int) {
	keys, h, pos := make([]uint64, len(idx)), make([]uint64, len(idx)), make([]bool, len(idx))
	for i, x := range idx {
		keys[i], h[i], pos[i] = r.Keys[x], r.H[x], r.Pos[x]
	}
	r.Keys, r.H, r.Pos = keys, h, pos
	for k := range r.Num {
		if r.Num[k] != nil {
			v := make([]float64, len(idx))
			for i, x := range idx {
				v[i] = r.Num[k][x]
			}
			r.Num[k] = v
		}
		if r.Codes[k] != nil {
			v := make([]int32, len(idx))
			for i, x := range idx {
				v[i] = r.Codes[k][x]
			}
			r.Codes[k] = v
		}
	}
}

// order returns the row positions sorted by cmp.
func (r *RefRows) order(cmpRows func(a, b int) int) []int {
	idx := make([]int, r.Len())
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, cmpRows)
	return idx
}

func (r *RefRows) cut() {
	if r.M < 0 || r.Len() <= r.M {
		return
	}
	// Sorted as values, not as indices into r's columns: fewer cache misses.
	type at struct {
		hashed
		i int
	}
	rows := make([]at, r.Len())
	for i := range rows {
		rows[i] = at{hashed{H: r.H[i], Key: r.Keys[i]}, i}
	}
	slices.SortFunc(rows, func(a, b at) int { return compareHashed(a.hashed, b.hashed) })
	idx := make([]int, r.M)
	for i := range idx {
		idx[i] = rows[i].i
	}
	r.take(idx)
}

// Merge adds t to r, keeping the M smallest hashes.
func (r *RefRows) Merge(t *RefRows) *RefRows {
	r.M = t.M
	if r.Num == nil {
		r.Num, r.Codes = make([][]float64, len(t.Num)), make([][]int32, len(t.Codes))
	}
	r.Keys = append(r.Keys, t.Keys...)
	r.H = append(r.H, t.H...)
	r.Pos = append(r.Pos, t.Pos...)
	for k := range t.Num {
		if t.Num[k] != nil {
			r.Num[k] = append(r.Num[k], t.Num[k]...)
		}
		if t.Codes[k] != nil {
			r.Codes[k] = append(r.Codes[k], t.Codes[k]...)
		}
	}
	r.cut()
	return r
}

// GatherRefRows joins the reference rows of every batch into one, with one
// copy into arrays of the final size (merging them pairwise copies the
// growing whole again and again), in key order, and keeps the M smallest
// hashes.
func GatherRefRows(parts []*RefRows) *RefRows {
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b *RefRows) int {
		if a.Len() == 0 || b.Len() == 0 {
			return cmp.Compare(a.Len(), b.Len())
		}
		return cmp.Compare(a.Keys[0], b.Keys[0])
	})
	out := &RefRows{M: -1}
	n := 0
	for _, p := range parts {
		n += p.Len()
		out.M = p.M
		if out.Num == nil {
			out.Num, out.Codes = make([][]float64, len(p.Num)), make([][]int32, len(p.Codes))
		}
	}
	out.Keys, out.H, out.Pos = make([]uint64, 0, n), make([]uint64, 0, n), make([]bool, 0, n)
	for _, p := range parts {
		out.Keys = append(out.Keys, p.Keys...)
		out.H = append(out.H, p.H...)
		out.Pos = append(out.Pos, p.Pos...)
		for k := range p.Num {
			if p.Num[k] != nil {
				if out.Num[k] == nil {
					out.Num[k] = make([]float64, 0, n)
				}
				out.Num[k] = append(out.Num[k], p.Num[k]...)
			}
			if p.Codes[k] != nil {
				if out.Codes[k] == nil {
					out.Codes[k] = make([]int32, 0, n)
				}
				out.Codes[k] = append(out.Codes[k], p.Codes[k]...)
			}
		}
	}
	out.cut()
	return out
}

// BatchReference gives the batch's reference rows: its majority rows (the
// --reference file's, if given), down to the --reference-sample rows with
// the smallest keyed hashes.
func (o *Options) BatchReference(b *Batch, off *Offsets, sp *Spec) *RefRows {
	r := newRefRows(sp, o.referenceSample())
	rows := o.referenceRows(b)
	r.grow(sp, len(rows))
	o.readReference(b, off, sp, rows, r, 0)
	r.cut()
	return r
}

// referenceSample is RefRows.M: --reference-sample, or -1 for all rows.
func (o *Options) referenceSample() int {
	if o.ReferenceSample > 0 {
		return o.ReferenceSample
	}
	return -1
}

// referenceRows are the batch's rows that are reference rows: its
// majority rows, in a batch of the table the reference is taken from,
// for a method that learns.
func (o *Options) referenceRows(b *Batch) []int {
	if !o.method().Learns || b.Ref() != (o.Reference != "") {
		return nil
	}
	var rows []int
	for i, g := range b.Group {
		if g == GroupMajority {
			rows = append(rows, i)
		}
	}
	return rows
}

func newRefRows(sp *Spec, m int) *RefRows {
	return &RefRows{M: m, Num: make([][]float64, len(sp.Index)), Codes: make([][]int32, len(sp.Index))}
}

// grow makes room for n rows (r is empty).
func (r *RefRows) grow(sp *Spec, n int) {
	r.Keys, r.H, r.Pos = make([]uint64, n), make([]uint64, n), make([]bool, n)
	for k := range sp.Index {
		if sp.Numeric[k] {
			r.Num[k] = make([]float64, n)
		} else {
			r.Codes[k] = make([]int32, n)
		}
	}
}

// readReference writes the batch's reference rows into r from row at on.
func (o *Options) readReference(b *Batch, off *Offsets, sp *Spec, rows []int, r *RefRows, at int) {
	end := at + len(rows)
	key := off.Keys(b)
	for i, row := range rows {
		k := key(row)
		r.Keys[at+i], r.Pos[at+i] = k, b.Positive[row]
		if r.M >= 0 {
			r.H[at+i] = keyedHash(o.Seed, purposeReference, k)
		}
	}
	num, codes := make([][]float64, len(sp.Index)), make([][]int32, len(sp.Index))
	for k := range sp.Index {
		if r.Num[k] != nil {
			num[k] = r.Num[k][at:end]
		}
		if r.Codes[k] != nil {
			codes[k] = r.Codes[k][at:end]
		}
	}
	sp.readColumns(b, rows, num, codes)
}
