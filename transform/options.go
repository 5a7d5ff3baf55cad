// Package transform plans and applies a minority collective's label flips.
//
// A flip runs in two passes over a seekable input. Pass 1 reads only the
// columns the plan needs (label, sensitive columns, members, features),
// selects the collective, builds the candidate pool, scores it and picks the
// rows to flip. Pass 2 copies the input through byte for byte, rewriting only
// the flipped label cells and appending the audit cell. Nothing is written
// before the plan is complete and checked.
//
// The method is that of Ben-Dov, Samadi, Sanyal and Ţifrea, "Fairness for the
// People, by the People: Minority Collective Action" (arXiv 2508.15374).
package transform

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// Names of the scoring methods (package scorer has them, and what each
// does); MethodRBProb is the default.
const (
	MethodRBProb  = "rb-prob"
	MethodRBLabel = "rb-label"
	MethodRBDist  = "rb-dist"
	MethodRandom  = "random"
)

// DefaultAuditColumn is the name of the audit column flip appends.
const DefaultAuditColumn = "fairflip_audit"

// FlipKind says how the number of flips M is chosen.
type FlipKind uint8

const (
	// FlipAuto flips exactly the candidates whose estimated counterfactual
	// label is positive.
	FlipAuto FlipKind = iota
	// FlipCount flips the top N candidates.
	FlipCount
	// FlipPercent flips the top P% of the pool (rounded to the nearest row).
	FlipPercent
)

// FlipRule is a parsed --flips value.
type FlipRule struct {
	Kind    FlipKind
	N       int     // FlipCount
	Percent float64 // FlipPercent, in [0, 100]
}

func (r FlipRule) String() string {
	switch r.Kind {
	case FlipCount:
		return strconv.Itoa(r.N)
	case FlipPercent:
		return strconv.FormatFloat(r.Percent, 'g', -1, 64) + "%"
	}
	return "auto"
}

// ParseFlips parses "auto", "N" or "P%".
func ParseFlips(s string) (FlipRule, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "auto"):
		return FlipRule{Kind: FlipAuto}, nil
	case strings.HasSuffix(s, "%"):
		p, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 100 {
			return FlipRule{}, fferr.Usage("--flips %q: a percentage must be a number from 0%% to 100%%", s)
		}
		return FlipRule{Kind: FlipPercent, Percent: p}, nil
	default:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return FlipRule{}, fferr.Usage("--flips %q: want a count (e.g. 100), a percentage of the pool (e.g. 25%%) or auto", s)
		}
		return FlipRule{Kind: FlipCount, N: n}, nil
	}
}

// Options configure a flip. The zero value is not valid: Sensitive, Minority,
// Label and Positive are required. Use Validate before planning.
type Options struct {
	// Sensitive names the sensitive column(s).
	Sensitive []string
	// Minority and Majority are group expressions (see ParseGroup). An empty
	// Majority means every row with its sensitive cells present that is not
	// in the minority.
	Minority []string
	Majority []string

	Label    string
	Positive []string // any of these label values is positive; a flip writes the first
	Negative []string // if set, every label must be one of Positive or Negative

	Method string
	K      int // neighbours for rb-label and rb-dist

	Alpha   float64 // fraction of the minority in the collective, (0, 1]; 0 means 1
	Members string  // column whose truthy cells mark collective members (instead of Alpha)

	Flips    FlipRule
	MaxFlips int // cap on the number of flips; < 0 means no cap
	Seed     uint64

	Features    []string // explicit feature columns (default: all others)
	Exclude     []string // columns left out of the default features
	Categorical []string // numeric-looking columns to treat as categories
	MaxLevels   int      // one-hot width cap per text column (0: model default)

	Reference       *Input // optional reference file (majority rows are used)
	ReferenceSample int    // if > 0, use only this many reference rows (seeded)

	AuditColumn  string
	ReplaceAudit bool // reuse an existing audit column instead of refusing
	// IgnoreAudit reads a file that has an audit column (a flipped file) as
	// data, leaving that column out of the features (eval and sweep).
	IgnoreAudit bool
	// KeepSensitive: Extract keeps the sensitive cells too (eval and sweep,
	// whose firm may see them).
	KeepSensitive bool

	Dialect tableio.Dialect
	// ParquetLimits bound what a Parquet input may make fairflip allocate
	// (zero: the defaults). CSV bounds are in Dialect.
	ParquetLimits tableio.ParquetLimits
	HeaderNames   []string // names for a file without a header

	// Where keeps only the rows matching these expressions (eval and sweep
	// only: flip never drops a row). Syntax as for groups, by column name.
	Where []string

	Workers  int            // goroutines for scoring (0: GOMAXPROCS)
	tamper   tableio.Tamper // tests only: changes what a flip writes before it is checked
	partRows int            // tests only: the rows of a batch part (0: DefaultBatchRows)
	// tamperRewrite, tests only: changes what a flip asks its format to
	// write (a stand-in for a bug in the flip's rule).
	tamperRewrite func(r *tableio.Rewrite)
	Log           io.Writer // notices (nil: discarded)
	Version       string    // recorded in the summary
}

// Validate checks the options that do not depend on the data and fills in
// defaults.
func (o *Options) Validate() error {
	if len(o.Sensitive) == 0 {
		return fferr.Usage("--sensitive is required: the column that holds the group (e.g. --sensitive race)")
	}
	if len(o.Minority) == 0 {
		return fferr.Usage("--minority is required: the value(s) of --sensitive that mark the minority (e.g. --minority Black)")
	}
	if o.Label == "" {
		return fferr.Usage("--label is required: the column that holds the label (e.g. --label income)")
	}
	if len(o.Positive) == 0 {
		return fferr.Usage("--positive is required: the favourable label value (e.g. --positive '>50K')")
	}
	for _, p := range o.Positive {
		for _, n := range o.Negative {
			if p == n {
				return fferr.Usage("label value %q is given both as --positive and as --negative", p)
			}
		}
	}
	if err := o.checkLabelValues(); err != nil {
		return err
	}
	if o.Method == "" {
		o.Method = MethodRBProb
	}
	if err := o.checkMethod(); err != nil {
		return err
	}
	if o.K == 0 {
		o.K = 10
	}
	if o.K < 1 {
		return fferr.Usage("--k %d: the number of neighbours must be at least 1", o.K)
	}
	if o.Members != "" && o.Alpha != 0 {
		return fferr.Usage("--members and --alpha both choose the collective: give one of them")
	}
	if o.Alpha == 0 && o.Members == "" {
		o.Alpha = 1
	}
	if o.Members == "" && !(o.Alpha > 0 && o.Alpha <= 1) {
		return fferr.Usage("--alpha %v: the collective's share of the minority must be in (0, 1]", o.Alpha)
	}
	if !o.method().Auto && o.Flips.Kind == FlipAuto {
		return fferr.Usage("--method %s has no estimate of the counterfactual label, so --flips auto cannot be used: give --flips N or --flips P%%", o.Method)
	}
	if o.ReferenceSample < 0 {
		return fferr.Usage("--reference-sample %d: must be positive", o.ReferenceSample)
	}
	if o.AuditColumn == "" {
		o.AuditColumn = DefaultAuditColumn
	}
	if err := CheckAuditColumn(o.AuditColumn); err != nil {
		return err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Dialect.Header && len(o.HeaderNames) > 0 {
		return fferr.Usage("--header-names names the columns of a file without a header: give --no-header too")
	}
	return nil
}

// CheckAuditColumn refuses an audit column name that would not read back
// as itself from a CSV header, or that no one could type: leading or
// trailing white space (readers trim it), control characters (a line
// break would split the header), invalid UTF-8.
func CheckAuditColumn(name string) error {
	bad := ""
	switch {
	case !utf8.ValidString(name):
		bad = "is not valid UTF-8"
	case strings.TrimSpace(name) != name:
		bad = "has leading or trailing white space"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		bad = "holds a control character (a line break, a tab, ...)"
	}
	if bad != "" {
		return fferr.Usage("--audit-column %q %s: give a plain name such as %s", name, bad, DefaultAuditColumn)
	}
	return nil
}

func (o *Options) notice(format string, args ...any) {
	fmt.Fprintf(o.Log, "fairflip: "+format+"\n", args...)
}
