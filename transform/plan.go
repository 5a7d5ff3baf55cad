package transform

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// Plan is the outcome of pass 1: which rows flip, and the counts behind it.
type Plan struct {
	Rows    []int     // data-row indices to flip, ascending
	Scores  []float64 // the primary score of each row in Rows
	Summary Summary

	lay   *layout
	pool  []int  // the candidate pool (collective rows with a negative label), ascending
	parts []Part // the files of a multi-file table (MakePlanFiles), else nil
	// rehash: pass 2 hashes a Parquet input again and compares it with
	// Summary.SHA256 (a part of a multi-file table; a CSV input is always
	// hashed again).
	rehash bool
}

// PartSummary reports one file of a multi-file flip.
type PartSummary struct {
	Input  string `json:"input"`
	Output string `json:"output,omitempty"`
	Rows   int    `json:"rows"`
	Flips  int    `json:"flips"`
	SHA256 string `json:"sha256"`
}

// Parts returns the number of files of a multi-file plan (0 for one input).
func (p *Plan) Parts() int { return len(p.parts) }

// part returns the plan of file i of a multi-file table, as if that file
// were the only input: its rows, scores, layout, row count and SHA-256.
func (p *Plan) part(i int) *Plan {
	pt := p.parts[i]
	q := &Plan{lay: pt.lay, Summary: p.Summary, rehash: true}
	q.Summary.Input, q.Summary.Rows, q.Summary.SHA256 = pt.Name, pt.Rows, pt.SHA256
	q.Summary.Files = nil
	lo, hi := pt.Offset, pt.Offset+pt.Rows
	for j, r := range p.Rows {
		if r >= lo && r < hi {
			q.Rows = append(q.Rows, r-lo)
			q.Scores = append(q.Scores, p.Scores[j])
		}
	}
	for _, r := range p.pool {
		if r >= lo && r < hi {
			q.pool = append(q.pool, r-lo)
		}
	}
	q.Summary.Flips = len(q.Rows)
	return q
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

// MakePlan runs pass 1: it reads the input, selects the collective and the
// candidate pool, scores the pool and chooses the rows to flip.
func (o *Options) MakePlan(ctx context.Context, in *Input) (*Plan, error) {
	return o.makePlan(ctx, []*Input{in}, false)
}

// MakePlanFiles runs pass 1 over several files, all CSV or all Parquet, read
// as one table (see LoadFiles): one collective, one pool, one top M, one
// reference. Write each file with WritePart.
func (o *Options) MakePlanFiles(ctx context.Context, ins []*Input) (*Plan, error) {
	return o.makePlan(ctx, ins, true)
}

func (o *Options) makePlan(ctx context.Context, ins []*Input, multi bool) (*Plan, error) {
	if len(o.Where) > 0 {
		return nil, fferr.Usage("--where drops rows, and flip never drops a row: filter the rows for eval and sweep only")
	}
	t, err := o.load(ctx, ins, multi)
	if err != nil {
		return nil, err
	}
	in := &Input{Name: t.Name}
	p := &Plan{lay: t.lay, parts: t.Parts}
	s := &p.Summary
	*s = Summary{
		Input: in.Name, SHA256: t.SHA256, Rows: t.Rows,
		Label: t.lay.colName(t.lay.label), PositiveWritten: positiveText(t, o),
	}
	if err := t.prior.check(s.PositiveWritten); err != nil {
		return nil, err
	}
	note := o.startSummary(s)
	for _, n := range t.Notices {
		note("%s", n)
	}
	for _, c := range t.Features {
		if c.NonFinite > 0 {
			note("feature %s: %s infinite or beyond the range of a float64 (such as Inf, -Inf or 1e400); read as missing", c.Name, plural(c.NonFinite, "number"))
		}
	}

	var minority []int
	minPos := 0
	majPos := 0
	for i, g := range t.Group {
		switch g {
		case GroupMinority:
			minority = append(minority, i)
			if t.Positive[i] {
				minPos++
			}
		case GroupMajority:
			s.Majority++
			if t.Positive[i] {
				majPos++
			}
		default:
			s.Neither++
		}
	}
	s.Minority = len(minority)
	if err := o.checkGroups(s, majPos, note); err != nil {
		return nil, err
	}

	// The collective.
	var collective []int
	if o.Members != "" {
		s.Members = t.lay.colName(t.lay.members)
		outside := 0
		for i, m := range t.Member {
			if !m {
				continue
			}
			if t.Group[i] == GroupMinority {
				collective = append(collective, i)
			} else {
				outside++
			}
		}
		if outside > 0 {
			note("%d rows marked in --members %s are not in the minority; only minority members can join the collective, so they are left unchanged", outside, s.Members)
		}
	} else {
		s.Alpha = o.Alpha
		collective = chooseFractionKeys(minority, o.Alpha, o.Seed, t.Key)
	}
	s.Collective = len(collective)

	// The candidate pool: collective members with a negative label.
	var pool []int
	for _, i := range collective {
		if !t.Positive[i] {
			pool = append(pool, i)
		}
	}
	s.Pool = len(pool)
	p.pool = pool

	// Features actually used.
	nfeat := len(t.Features)
	s.Features = t.FeatureNames()

	refRows, refPos := o.ReferenceRows(t, nil)
	s.ReferenceRows = len(refRows)
	if o.Reference != nil {
		s.ReferenceFile = o.Reference.Name
	}

	var chosen []int
	var scores []float64
	if len(pool) == 0 {
		note("the candidate pool is empty (no collective member has a negative label): nothing to flip; the table is written unchanged apart from the empty audit column")
	} else {
		if err := o.checkScorable(len(refRows), nfeat); err != nil {
			return nil, err
		}
		sc, err := o.scoreRows(t, refRows, refPos, pool, true)
		if err != nil {
			return nil, err
		}
		chosen, scores, err = o.choose(pool, sc, note)
		if err != nil {
			return nil, err
		}
	}
	// Report in row order.
	idx := make([]int, len(chosen))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return chosen[idx[a]] < chosen[idx[b]] })
	for _, i := range idx {
		p.Rows = append(p.Rows, chosen[i])
		p.Scores = append(p.Scores, scores[i])
	}
	s.Flips = len(p.Rows)
	if err := p.checkRows(); err != nil {
		return nil, err
	}
	for i, pt := range t.Parts {
		s.Files = append(s.Files, PartSummary{Input: pt.Name, Rows: pt.Rows, Flips: len(p.part(i).Rows), SHA256: pt.SHA256})
	}
	s.MinorityRateBefore = rate(minPos, s.Minority)
	s.MinorityRateAfter = rate(minPos+s.Flips, s.Minority)
	return p, nil
}

// startSummary fills in the options a summary reports and returns note,
// which records a notice in the summary and prints it.
func (o *Options) startSummary(s *Summary) func(format string, args ...any) {
	s.Version, s.Method, s.Seed, s.FlipRule, s.AuditColumn = o.Version, o.Method, o.Seed, o.Flips.String(), o.AuditColumn
	if o.MaxFlips >= 0 {
		s.MaxFlips = o.MaxFlips
	}
	if o.method().UsesK {
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

// choose orders the pool by score and applies the flip rule. It returns the
// chosen rows and their primary scores, best first.
func (o *Options) choose(pool []int, sc *model.Scores, note func(string, ...any)) ([]int, []float64, error) {
	keys := make([]uint64, len(pool))
	for i, r := range pool {
		keys[i] = uint64(r) // in row order, as the row keys are
	}
	order := scorer.Rank(keys, sc)
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
