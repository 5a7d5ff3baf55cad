package transform

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"math"
	"slices"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// Scorer is the fitted method, sent to the workers that score.
type Scorer struct {
	Method        string
	Encoder       []byte // model.Encoder, serialised; empty for a method that does not learn, or with nothing to learn from
	Model         []byte // the method's scorer.Fitted, serialised; empty with nothing to learn from
	ReferenceRows int
	Notices       []string

	// ID names this fit: a ScoreCache keeps the prepared scorer of the
	// last ID it saw, for all the batches it scores.
	ID string

	// The fit itself, in the process that made it (not sent): a runner in
	// that process scores with it, without Encoder and Model's round trip.
	enc    *model.Encoder
	fitted scorer.Fitted
}

// WithoutFit is sc without its encoder and model: all that the stages
// after scoring (Finish, and a runner's commit) read of it, the method,
// the reference's size and the notices. A runner that passes the Scorer
// to them as a side input then moves a few bytes instead of the fit (for
// rb-label and rb-dist, the whole encoded reference).
func (sc *Scorer) WithoutFit() *Scorer {
	return &Scorer{Method: sc.Method, ReferenceRows: sc.ReferenceRows, Notices: sc.Notices, ID: sc.ID}
}

// Fit fits the encoder and the method on the reference rows, once, and
// writes them (Encoder, Model) for the workers that score.
func (o *Options) Fit(ref *RefRows, sp *Spec) (*Scorer, error) {
	sc, err := o.fitLive(ref, sp)
	if err != nil {
		return nil, err
	}
	if sc.enc != nil {
		if sc.Encoder, err = sc.enc.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	if sc.fitted != nil {
		if sc.Model, err = sc.fitted.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// FitHere is Fit for a runner that scores in the process that fits (and
// sends on only the outline, WithoutFit): the fit is kept, not written.
func (o *Options) FitHere(ref *RefRows, sp *Spec) (*Scorer, error) { return o.fitLive(ref, sp) }

// fitLive is Fit for scoring in this process: the fit is kept, not written.
func (o *Options) fitLive(ref *RefRows, sp *Spec) (*Scorer, error) {
	if err := o.checkMethod(); err != nil {
		return nil, err
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	sc := &Scorer{Method: o.Method, ID: hex.EncodeToString(id)}
	var x *model.Matrix
	var pos []bool
	if o.method().Learns {
		n := ref.Len()
		sc.ReferenceRows = n
		if n == 0 || len(sp.Index) == 0 {
			return sc, nil // nothing to learn from: Score and Finish refuse, if there are candidates
		}
		// Row order, as in the one-process reference: by key.
		if !slices.IsSorted(ref.Keys) {
			ref.take(ref.order(func(a, b int) int { return cmp.Compare(ref.Keys[a], ref.Keys[b]) }))
		}
		cols := make([]model.Column, len(sp.Index))
		for k := range cols {
			cols[k] = model.Column{Name: sp.Names[k], Numeric: sp.Numeric[k], Num: ref.Num[k], Codes: ref.Codes[k]}
			if !sp.Numeric[k] {
				cols[k].Levels = sp.Levels[k]
			}
		}
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		enc, err := model.FitEncoder(cols, rows, model.EncoderOptions{MaxLevels: o.MaxLevels, HasMissing: sp.HasMissing})
		if err != nil {
			return nil, fferr.Data("encoding the features: %v", err)
		}
		sc.enc = enc
		x, pos = enc.Encode(cols, rows), ref.Pos
	}
	f, notices, err := o.fit(x, pos)
	if err != nil {
		return nil, err
	}
	sc.fitted, sc.Notices = f, notices
	return sc, nil
}

// Scored is a candidate with its scores.
type Scored = scorer.Scored

// Top holds the best M candidates (M < 0: all) and counts of the pool.
type Top struct {
	M         int
	Pool      int // candidates scored
	Positives int // of them, estimated positive
	Items     []Scored
}

func (t *Top) cut() { t.Items = keepBest(t.Items, t.M, scorer.Compare) }

// keepBest returns the m first of s in cmp's order (a total order; m < 0:
// all), sorted: what sorting s and keeping m gives, without sorting the
// rest (a pool of thousands keeps a few).
func keepBest[T any](s []T, m int, cmp func(a, b T) int) []T {
	if m >= 0 && len(s) > m {
		selectFirst(s, m, cmp)
		s = slices.Clip(s[:m])
	}
	slices.SortFunc(s, cmp)
	return s
}

// selectFirst reorders s so that s[:k] holds its k first elements in
// cmp's order (a total order), in any order (quickselect).
func selectFirst[T any](s []T, k int, cmp func(a, b T) int) {
	lo, hi := 0, len(s) // s[:lo] precede s[lo:], which precede s[hi:]; lo <= k <= hi
	x := uint64(len(s)) | 1
	at := func() int { // a pseudo-random place in s[lo:hi] (xorshift)
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return lo + int(x%uint64(hi-lo))
	}
	for hi-lo > 16 {
		// The median of three places as the pivot, at lo, taken at
		// random: in Top.MergeAll's sorted parts the first and middle
		// are among the very first (and a short last part ends with the
		// very last), and each pass dropped a few dozen of 52,000
		// (TestKeepBestSortedRuns).
		a, b, c := at(), at(), at()
		if cmp(s[b], s[a]) < 0 {
			a, b = b, a
		}
		if cmp(s[c], s[b]) < 0 {
			b = c
			if cmp(s[b], s[a]) < 0 {
				b = a
			}
		}
		s[lo], s[b] = s[b], s[lo]
		i := lo + 1
		for j := lo + 1; j < hi; j++ {
			if cmp(s[j], s[lo]) < 0 {
				s[i], s[j] = s[j], s[i]
				i++
			}
		}
		q := i - 1 // the pivot's place: s[lo:q] precede it, s[q+1:hi] follow
		s[lo], s[q] = s[q], s[lo]
		switch {
		case k < q:
			hi = q
		case k > q+1:
			lo = q + 1
		default:
			return
		}
	}
	slices.SortFunc(s[lo:hi], cmp)
}

// Merge adds u to t, keeping the best M.
func (t *Top) Merge(u *Top) *Top { return t.MergeAll([]*Top{u}) }

// MergeAll is Merge of each of parts in turn, with one cut at the end
// instead of one per part: the same items (the best M of them all).
func (t *Top) MergeAll(parts []*Top) *Top {
	n := len(t.Items)
	for _, u := range parts {
		n += len(u.Items)
	}
	t.Items = slices.Grow(t.Items, n-len(t.Items))
	for _, u := range parts {
		t.M = u.M
		t.Pool += u.Pool
		t.Positives += u.Positives
		t.Items = append(t.Items, u.Items...)
	}
	t.cut()
	return t
}

// FlipBound returns how many of the best candidates the flip rule and
// --max-flips can take from a pool of n (-1: no bound: --flips auto takes
// every candidate estimated positive).
func (o *Options) FlipBound(n int) int {
	m := -1
	switch o.Flips.Kind {
	case FlipCount:
		m = min(o.Flips.N, n)
	case FlipPercent:
		m = int(math.Round(o.Flips.Percent / 100 * float64(n)))
	}
	if o.MaxFlips >= 0 && (m < 0 || m > o.MaxFlips) {
		m = o.MaxFlips
	}
	return m
}

// Score scores the batch's candidates (the rows of pool in it) and keeps
// its best FlipBound(len(pool)). cache, if not nil, keeps the prepared
// scorer for the next batches.
func (o *Options) Score(b *Batch, off *Offsets, sp *Spec, pool []uint64, sc *Scorer, cache *ScoreCache) (*Top, error) {
	t := &Top{M: o.FlipBound(len(pool))}
	if b.Ref() {
		return t, nil
	}
	rows, keys := candidates(b, off, pool)
	t.Pool = len(rows)
	if len(rows) == 0 {
		return t, nil
	}
	scores, err := o.scoreBatch(b, rows, keys, sp, sc, cache)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		s := Scored{Key: k, Primary: scores.Primary[i], Secondary: scores.Secondary[i]}
		if scores.Positive != nil {
			s.Positive = scores.Positive[i]
		}
		if s.Positive {
			t.Positives++
		}
		if o.Flips.Kind == FlipAuto && !s.Positive {
			continue
		}
		t.Items = append(t.Items, s)
	}
	t.cut()
	return t, nil
}

// KeepCandidates returns the batch cut down to its rows in the pool (the
// candidates; none for a reference batch): all that Score reads of it. A
// runner that gathers the candidates of many batches into a few groups
// before scoring sends the fitted scorer to those groups only, not to
// every batch.
func KeepCandidates(b *Batch, off *Offsets, pool []uint64) *Batch {
	rows, _ := candidates(b, off, pool)
	return b.keepRows(rows)
}

// candidates are the batch's rows in the pool, and their keys.
func candidates(b *Batch, off *Offsets, pool []uint64) (rows []int, keys []uint64) {
	if b.Ref() {
		return nil, nil
	}
	key := off.Keys(b)
	j, last := 0, uint64(0) // pool[:j] precede the last key looked up
	for i, g := range b.Group {
		if g != GroupMinority || b.Positive[i] {
			continue
		}
		k := key(i)
		if k < last {
			j = 0 // keys rise with the rows; if not, search the whole pool
		}
		last = k
		ok := j < len(pool) && pool[j] == k // the next in the pool: most are
		if !ok {
			var n int
			n, ok = slices.BinarySearch(pool[j:], k)
			j += n
		}
		if ok {
			rows, keys = append(rows, i), append(keys, k)
			j++
		}
	}
	return rows, keys
}

func (o *Options) scoreBatch(b *Batch, rows []int, keys []uint64, sp *Spec, sc *Scorer, cache *ScoreCache) (*model.Scores, error) {
	if err := o.checkScorable(sc.ReferenceRows, len(sp.Index)); err != nil {
		return nil, err
	}
	enc, f, err := cache.prepare(sc, o.Workers)
	if err != nil {
		return nil, err
	}
	var cand *model.Matrix
	if enc != nil {
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		cand = enc.Encode(sp.batchColumns(b, rows), idx)
	}
	s, err := f.Score(scorer.Candidates{X: cand, Keys: keys})
	if err != nil {
		return nil, o.scoreErr(err)
	}
	return s, nil
}
