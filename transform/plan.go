package transform

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
)

// Plan is one file's share of a flip, as pass 2 writes it: which rows
// flip, and the summary behind it.
type Plan struct {
	Rows    []int     // data-row indices to flip, ascending
	Scores  []float64 // the primary score of each row in Rows
	Summary Summary

	lay       *layout
	pool      []int  // the candidate pool (collective rows with a negative label), ascending
	changeSum string // the input's, as pass 1 read it (DistFile.ChangeSum)
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
	if s.Majority == 0 && o.Reference == "" {
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

// Plural writes a count with its noun, singular for one: "1 row", "2 rows"
// (for messages and titles outside this package too).
func Plural(n int, noun string) string { return plural(n, noun) }

// plural returns "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
