package transform

import (
	"cmp"
	"math"
	"slices"
)

// hashed is a row chosen by its keyed hash (smallest first, then key).
type hashed struct {
	H, Key   uint64
	Positive bool
}

func compareHashed(a, b hashed) int {
	if c := cmp.Compare(a.H, b.H); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}

// Smallest holds the M rows with the smallest keyed hash (M < 0: all rows).
type Smallest struct {
	M     int
	Items []hashed
}

func (s *Smallest) cut() {
	if s.M >= 0 && len(s.Items) > s.M {
		s.Items = keepBest(s.Items, s.M, compareHashed)
	}
}

// Merge adds t to s, keeping the M smallest.
func (s *Smallest) Merge(t *Smallest) *Smallest {
	s.M = t.M
	s.Items = append(s.Items, t.Items...)
	s.cut()
	return s
}

// MergeAll is Merge of each of parts in turn, with one cut at the end
// instead of one per part: the same rows (the M smallest of them all).
func (s *Smallest) MergeAll(parts []*Smallest) *Smallest {
	m, n := -1, len(s.Items)
	for _, t := range parts {
		if t.M >= 0 {
			m = t.M // every part with rows has the same M
		}
		n += len(t.Items)
	}
	s.Items = slices.Grow(s.Items, n-len(s.Items))
	for _, t := range parts {
		s.Items = append(s.Items, t.Items...)
	}
	if len(parts) > 0 {
		s.M = m
		s.cut()
		s.M = parts[len(parts)-1].M // as Merge leaves it
	}
	return s
}

// CollectiveSize returns the number of minority rows in the collective
// drawn by --alpha, and whether that is all of them.
func (o *Options) CollectiveSize(st *Stats) (m int, all bool) {
	n := st.Minority
	m = int(math.Ceil(o.Alpha*float64(n) - 1e-9))
	return min(m, n), m >= n
}

// BatchCollective gives the batch's candidates for the collective: with
// --members its marked minority rows; with --alpha its minority rows with
// the smallest keyed hashes (all of them if the collective is the whole
// minority).
func (o *Options) BatchCollective(b *Batch, off *Offsets, st *Stats) *Smallest {
	s := &Smallest{M: -1}
	if b.Ref() {
		return s
	}
	m, all := o.CollectiveSize(st)
	if o.Members == "" && !all {
		s.M = m
	}
	key := off.Keys(b)
	for i, g := range b.Group {
		if g != GroupMinority || (o.Members != "" && !b.Member[i]) {
			continue
		}
		k := key(i)
		h := uint64(0)
		if s.M >= 0 {
			h = keyedHash(o.Seed, purposeCollective, k)
		}
		s.Items = append(s.Items, hashed{H: h, Key: k, Positive: b.Positive[i]})
	}
	s.cut()
	return s
}

// Pool returns the candidate pool (collective members with a negative
// label), as sorted row keys, and the collective's size.
func (s *Smallest) Pool() (pool []uint64, collective int) {
	for _, it := range s.Items {
		if !it.Positive {
			pool = append(pool, it.Key)
		}
	}
	slices.Sort(pool)
	return pool, len(s.Items)
}
