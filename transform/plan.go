package transform

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
)

// Plan is one file's share of a flip, as pass 2 writes it: which rows
// flip, and the summary behind it.
type Plan struct {
	Rows    []int     // data-row indices to flip, ascending
	Scores  []float64 // the primary score of each row in Rows
	Summary Summary

	lay  *layout
	pool []int // the candidate pool (collective rows with a negative label), ascending
}

// PartSummary reports one file of a multi-file flip.
type PartSummary struct {
	Input  string `json:"input"`
	Output string `json:"output,omitempty"`
	Rows   int    `json:"rows"`
	Flips  int    `json:"flips"`
	SHA256 string `json:"sha256"`
}

// Summary reports a flip. Its JSON form is what --summary writes.
type Summary struct {
	Version string `json:"version"`
	Input   string `json:"input"`
	SHA256  string `json:"input_sha256"`

	Rows       int `json:"rows"`
	Minority   int `json:"minority"`
	Majority   int `json:"majority"`
	Neither    int `json:"neither"`
	Collective int `json:"collective"`
	Pool       int `json:"pool"`
	Flips      int `json:"flips"`

	Method          string   `json:"method"`
	Seed            uint64   `json:"seed"`
	K               int      `json:"k,omitempty"`
	Alpha           float64  `json:"alpha,omitempty"`
	Members         string   `json:"members,omitempty"`
	FlipRule        string   `json:"flip_rule"`
	MaxFlips        int      `json:"max_flips,omitempty"`
	ReferenceRows   int      `json:"reference_rows"`
	ReferenceFile   string   `json:"reference_file,omitempty"`
	Features        []string `json:"features"`
	Label           string   `json:"label"`
	PositiveWritten string   `json:"positive_written"`
	AuditColumn     string   `json:"audit_column"`

	// Share of positive labels per group, before and after the flips.
	MinorityRateBefore Rate `json:"minority_positive_rate_before"`
	MinorityRateAfter  Rate `json:"minority_positive_rate_after"`
	MajorityRate       Rate `json:"majority_positive_rate"`

	Notices []string `json:"notices,omitempty"`

	// Files, for a multi-file flip: each input file, in order.
	Files []PartSummary `json:"files,omitempty"`
}

// idLike reports whether a text column looks like an identifier (names, case
// numbers): nearly all of its values are distinct. Such a column says nothing
// about the label and would explode the one-hot encoding.
func idLike(c model.Column) bool {
	if c.Numeric {
		return false
	}
	present := 0
	for _, code := range c.Codes {
		if code >= 0 {
			present++
		}
	}
	return present >= 20 && float64(len(c.Levels)) >= 0.9*float64(present)
}

// startSummary fills in the options a summary reports and returns note,
// which records a notice in the summary and prints it.
func (o *Options) startSummary(s *Summary) func(format string, args ...any) {
	s.Version, s.Method, s.Seed, s.FlipRule, s.AuditColumn = o.Version, o.Method, o.Seed, o.Flips.String(), o.AuditColumn
	if o.MaxFlips >= 0 {
		s.MaxFlips = o.MaxFlips
	}
	if o.Method == MethodRBLabel || o.Method == MethodRBDist {
		s.K = o.K
	}
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.Notices = append(s.Notices, msg)
		o.notice("%s", msg)
	}
}

// checkGroups refuses a table with no minority row, or with no majority
// row to learn from, notes the rows in neither group, and sets the
// majority's positive rate (majPos positive labels).
func (o *Options) checkGroups(s *Summary, majPos int, note func(string, ...any)) error {
	if s.Minority == 0 {
		return fferr.Data("%s: no row has the minority value (--minority %s) in --sensitive %s; check the spelling and the column", s.Input, strings.Join(o.Minority, " --minority "), strings.Join(o.Sensitive, ","))
	}
	if s.Majority == 0 && o.Reference == nil {
		return fferr.Data("%s: there are no majority rows to learn from (every row with --sensitive %s set is in the minority); check --minority and --majority", s.Input, strings.Join(o.Sensitive, ","))
	}
	if s.Neither > 0 {
		note("%d rows are in neither group (missing sensitive value, or outside --majority); they are left unchanged", s.Neither)
	}
	s.MajorityRate = rate(majPos, s.Majority)
	return nil
}

// Rate is a share in [0, 1], NaN when undefined (an empty group). In JSON an
// undefined rate is null, never 0.
type Rate float64

// MarshalJSON writes null for NaN.
func (r Rate) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(r)) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(r), 'g', -1, 64), nil
}

func rate(k, n int) Rate {
	if n == 0 {
		return Rate(math.NaN())
	}
	return Rate(float64(k) / float64(n))
}

// chooseFraction returns the ⌈alpha·n⌉ rows with the smallest keyed hash of
// (seed, row), in row order.
func chooseFraction(rows []int, alpha float64, seed uint64) []int {
	return chooseFractionKeys(rows, alpha, seed, func(r int) uint64 { return uint64(r) })
}

// chooseFractionKeys is chooseFraction with the row keys given by key.
func chooseFractionKeys(rows []int, alpha float64, seed uint64, key func(row int) uint64) []int {
	n := len(rows)
	m := int(math.Ceil(alpha*float64(n) - 1e-9))
	if m >= n {
		return rows
	}
	keys := make([]uint64, n)
	for i, r := range rows {
		keys[i] = key(r)
	}
	keep := smallestHashes(keys, m, seed, purposeCollective)
	out := make([]int, len(keep))
	for i, k := range keep {
		out[i] = rows[k]
	}
	return out
}

// smallestHashes returns the positions (ascending) of the m keys with the
// smallest keyed hash; ties are broken by key.
func smallestHashes(keys []uint64, m int, seed, purpose uint64) []int {
	type hk struct {
		h   uint64
		key uint64
		pos int
	}
	all := make([]hk, len(keys))
	for i, k := range keys {
		all[i] = hk{keyedHash(seed, purpose, k), k, i}
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].h != all[b].h {
			return all[a].h < all[b].h
		}
		return all[a].key < all[b].key
	})
	out := make([]int, m)
	for i := 0; i < m; i++ {
		out[i] = all[i].pos
	}
	sort.Ints(out)
	return out
}

// ReferenceRows returns the reference rows and their labels: the dataset's
// reference rows for which keep(row) holds (keep nil: all), down-sampled to
// --reference-sample rows by keyed hash when that is set. The result may
// share memory with t: callers must not modify it.
func (o *Options) ReferenceRows(t *Dataset, keep func(row int) bool) (rows []int, pos []bool) {
	n := len(t.RefRows)
	if keep == nil && (o.ReferenceSample <= 0 || o.ReferenceSample >= n) {
		return t.RefRows, t.RefPos // all of them: no copy
	}
	rows, pos = make([]int, 0, n), make([]bool, 0, n)
	keys := make([]uint64, 0, n)
	for i, r := range t.RefRows {
		if keep == nil || keep(r) {
			rows = append(rows, r)
			pos = append(pos, t.RefPos[i])
			keys = append(keys, t.RefKeys[i])
		}
	}
	if o.ReferenceSample > 0 && o.ReferenceSample < len(rows) {
		keep := smallestHashes(keys, o.ReferenceSample, o.Seed, purposeReference)
		rr := make([]int, len(keep))
		rp := make([]bool, len(keep))
		for i, k := range keep {
			rr[i], rp[i] = rows[k], pos[k]
		}
		rows, pos = rr, rp
	}
	return rows, pos
}

// ChooseFraction returns the collective drawn from the minority rows: the
// ⌈alpha·n⌉ rows with the smallest keyed hash of (seed, row), in row order.
func ChooseFraction(rows []int, alpha float64, seed uint64) []int {
	return chooseFraction(rows, alpha, seed)
}

// ScoreRows scores the candidate rows pool with o.Method, learning from the
// reference rows refRows (labels refPos). Scores are in the order of pool.
func (o *Options) ScoreRows(t *Dataset, refRows []int, refPos []bool, pool []int) (*model.Scores, error) {
	return o.scoreRows(t, refRows, refPos, pool, false)
}

// scoreRows is ScoreRows; with release set it also drops t's feature columns
// once they are encoded (flip needs them no more) and collects them, so
// that the scorer's own memory (a k-NN index copies the reference) reuses
// theirs: a lower peak, and fewer fresh pages to fault in.
func (o *Options) scoreRows(t *Dataset, refRows []int, refPos []bool, pool []int, release bool) (*model.Scores, error) {
	cols := t.Features
	if o.Method == MethodRandom {
		sc := &model.Scores{Primary: make([]float64, len(pool))}
		for i, r := range pool {
			sc.Primary[i] = uniform(o.Seed, purposeRandom, t.Key(r))
		}
		sc.Secondary = sc.Primary
		return sc, nil
	}
	enc, err := model.FitEncoder(cols, refRows, model.EncoderOptions{MaxLevels: o.MaxLevels})
	if err != nil {
		return nil, fferr.Data("encoding the features: %v", err)
	}
	ref := enc.Encode(cols, refRows)
	cand := enc.Encode(cols, pool)
	if release {
		t.Features, cols = nil, nil
		runtime.GC()
	}
	var sc *model.Scores
	switch o.Method {
	case MethodRBProb:
		var lr *model.LogReg
		sc, lr, err = model.RBProb(ref, refPos, cand, model.LogRegOptions{Workers: o.Workers})
		if err == nil && lr != nil && !lr.Converged {
			o.scoreNotice("the majority model did not converge in %d iterations; its scores are used as they are", lr.Iter)
		}
	case MethodRBLabel:
		sc, err = model.RBLabel(ref, refPos, cand, o.K, o.Workers)
	case MethodRBDist:
		sc, err = model.RBDist(ref, refPos, cand, o.K, o.Workers)
	}
	if err == nil {
		o.singleClassNotice(refPos)
	}
	if errors.Is(err, model.ErrNoPositive) {
		return nil, fferr.Data("%s: %v; use a reference with positive labels, or another --method", o.Method, err)
	}
	if err != nil {
		if o.Method != MethodRBProb {
			return nil, fferr.Data("%s: %v; lower --k or use a larger reference", o.Method, err)
		}
		return nil, fferr.Data("%s: %v", o.Method, err)
	}
	return sc, nil
}

// scoreNotice prints a notice from scoring, if o has somewhere to print it
// (sweep scores with Log nil).
func (o *Options) scoreNotice(format string, args ...any) {
	if o.Log != nil {
		o.notice(format, args...)
	}
}

// singleClassNotice says what the scores mean when every reference label
// is the same (model.RBProb, RBLabel and RBDist define the scores then).
func (o *Options) singleClassNotice(refPos []bool) {
	npos := 0
	for _, p := range refPos {
		if p {
			npos++
		}
	}
	if len(refPos) == 0 || (npos > 0 && npos < len(refPos)) {
		return
	}
	label := "negative"
	if npos > 0 {
		label = "positive"
	}
	who := fmt.Sprintf("all %d reference rows are %s", len(refPos), label)
	if len(refPos) == 1 {
		who = "the only reference row is " + label
	}
	var what string
	switch {
	case npos == 0:
		// rb-prob and rb-label; rb-dist refuses.
		what = "every candidate gets the score 0: --flips auto flips none, and a count or share takes candidates in row order"
	case o.Method == MethodRBProb:
		what = "every candidate gets the score 1: --flips auto flips them all, and a count or share takes candidates in row order"
	case o.Method == MethodRBLabel:
		what = fmt.Sprintf("every candidate gets the score %d: --flips auto flips them all, and a count or share takes the candidates nearest the reference rows first", o.K)
	default:
		what = "every candidate counts as nearer the positive rows: --flips auto flips them all, and a count or share takes the candidates nearest the reference rows first"
	}
	o.scoreNotice("%s: %s", who, what)
}

// choose orders the pool by score and applies the flip rule. It returns the
// chosen rows and their primary scores, best first.
func (o *Options) choose(pool []int, sc *model.Scores, note func(string, ...any)) ([]int, []float64, error) {
	order := Rank(pool, sc)
	var pick []int
	switch o.Flips.Kind {
	case FlipAuto:
		for _, i := range order {
			if sc.Positive[i] {
				pick = append(pick, i)
			}
		}
	case FlipCount:
		m := o.Flips.N
		if m > len(order) {
			note("--flips %d is more than the pool (%s): the whole pool is flipped", m, plural(len(order), "candidate"))
			m = len(order)
		}
		pick = order[:m]
	case FlipPercent:
		m := int(math.Round(o.Flips.Percent / 100 * float64(len(order))))
		pick = order[:m]
	}
	if o.MaxFlips >= 0 && len(pick) > o.MaxFlips {
		note("--max-flips %d caps the %d flips the rule %s asks for", o.MaxFlips, len(pick), o.Flips)
		pick = pick[:o.MaxFlips]
	}
	rows := make([]int, len(pick))
	scores := make([]float64, len(pick))
	for n, i := range pick {
		rows[n] = pool[i]
		scores[n] = sc.Primary[i]
	}
	return rows, scores, nil
}

// Rank returns the positions of pool (and of the scores) in flip order: by
// primary score, then secondary score (both descending, NaN last), then row
// (ascending).
func Rank(pool []int, sc *model.Scores) []int {
	order := make([]int, len(pool))
	for i := range order {
		order[i] = i
	}
	key := func(x float64) float64 {
		if math.IsNaN(x) {
			return math.Inf(-1)
		}
		return x
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if pa, pb := key(sc.Primary[i]), key(sc.Primary[j]); pa != pb {
			return pa > pb
		}
		if sa, sb := key(sc.Secondary[i]), key(sc.Secondary[j]); sa != sb {
			return sa > sb
		}
		return pool[i] < pool[j]
	})
	return order
}

// plural returns "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// positiveText is the text a flip writes: the first --positive value, in the
// form the input writes it.
func positiveText(t *Dataset, o *Options) string {
	if t.PositiveText != "" {
		return t.PositiveText
	}
	return strings.TrimSpace(o.Positive[0])
}
