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

// FlipRule is a parsed flips value ("auto", "N" or "P%").
type FlipRule struct {
	Kind    FlipKind `json:"kind"`
	N       int      `json:"n,omitempty"`       // FlipCount
	Percent float64  `json:"percent,omitempty"` // FlipPercent, in [0, 100]
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
			return FlipRule{}, configErr("flips", field("flips"), fmt.Sprintf(" %q: a percentage must be a number from 0%% to 100%%", s))
		}
		return FlipRule{Kind: FlipPercent, Percent: p}, nil
	default:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return FlipRule{}, configErr("flips", field("flips"), fmt.Sprintf(" %q: want a count (e.g. 100), a percentage of the pool (e.g. 25%%) or auto", s))
		}
		return FlipRule{Kind: FlipCount, N: n}, nil
	}
}

// Config is what a flip (or an eval, a sweep's cell) does: plain data, with
// no file handles, writers or functions, so that it can be stored or sent
// to workers as JSON. Each field's JSON name is the name of the fairflip
// flag that sets it. The zero value is not valid: Sensitive, Minority, Label
// and Positive are required. Validate checks it and fills in defaults.
type Config struct {
	// Sensitive names the sensitive column(s).
	Sensitive []string `json:"sensitive"`
	// Minority and Majority are group expressions (see ParseGroup). An empty
	// Majority means every row with its sensitive cells present that is not
	// in the minority.
	Minority []string `json:"minority"`
	Majority []string `json:"majority"`

	Label    string   `json:"label"`
	Positive []string `json:"positive"` // any of these label values is positive; a flip writes the first
	Negative []string `json:"negative"` // if set, every label must be one of Positive or Negative

	Method string `json:"method"`
	K      int    `json:"k"` // neighbours for rb-label and rb-dist

	Alpha   float64 `json:"alpha"`   // fraction of the minority in the collective, (0, 1]; 0 means 1
	Members string  `json:"members"` // column whose truthy cells mark collective members (instead of Alpha)

	Flips    FlipRule `json:"flips"`
	MaxFlips int      `json:"max-flips"` // cap on the number of flips; < 0 means no cap
	Seed     uint64   `json:"seed"`

	Features    []string `json:"features"`    // explicit feature columns (default: all others)
	Exclude     []string `json:"exclude"`     // columns left out of the default features
	Categorical []string `json:"categorical"` // numeric-looking columns to treat as categories
	MaxLevels   int      `json:"max-levels"`  // one-hot width cap per text column (0: model default)

	Reference       string `json:"reference"`        // optional reference file, by path (majority rows are used)
	ReferenceSample int    `json:"reference-sample"` // if > 0, use only this many reference rows (seeded)

	AuditColumn  string `json:"audit-column"`
	ReplaceAudit bool   `json:"replace-audit"` // reuse an existing audit column instead of refusing
	// IgnoreAudit reads a file that has an audit column (a flipped file) as
	// data, leaving that column out of the features (eval and sweep).
	IgnoreAudit bool `json:"ignore-audit"`
	// KeepSensitive: Extract keeps the sensitive cells too (eval and sweep,
	// whose firm may see them).
	KeepSensitive bool `json:"keep-sensitive"`

	// Dialect is the CSV dialect (the flags --delimiter, --no-header,
	// --skip-lines, --comment, --max-record-bytes, --max-columns).
	Dialect tableio.Dialect `json:"dialect"`
	// ParquetLimits bound what a Parquet input may make fairflip allocate
	// (zero: the defaults; the flags --max-page-bytes, --max-footer-bytes).
	ParquetLimits tableio.ParquetLimits `json:"parquet-limits"`
	HeaderNames   []string              `json:"header-names"` // names for a file without a header

	// Where keeps only the rows matching these expressions (eval and sweep
	// only: flip never drops a row). Syntax as for groups, by column name.
	Where []string `json:"where"`
}

// Runtime is how a run goes rather than what it does: where its notices go,
// how many goroutines it uses, and the tests' seams. It is never serialized.
type Runtime struct {
	Log     io.Writer // notices (nil: discarded)
	Workers int       // goroutines for scoring (0: GOMAXPROCS)
	Version string    // recorded in the summary
	// ReferenceSource, when its Path is set, is where a local flip reads
	// the reference instead of Config.Reference, which its messages and
	// the summary still name: the command line's decompressed copy of a
	// compressed file (/proc/self/fd/N), with its format.
	ReferenceSource Source
	// Progress, if not nil, is told how a local flip's plan (PlanLocal)
	// advances: after each file inspected (stage "inspecting"), each shard
	// read ("reading") and each batch scored ("scoring"), with the units
	// of the stage done and their total. Calls are serialised.
	Progress func(stage string, done, total int)
	// Timings, if not nil, records each stage's wall time (PlanLocal's
	// stages; the command line laps the write and the commit).
	Timings *Timings
	// Converting: the output is converted to another format after the
	// flip (fairflip flip --output-format), so its audit cells do not
	// record how the CSV input was read (AuditRead): the converted file
	// has a header and nothing passed through.
	Converting bool
	// NoInputSHA256 leaves the inputs' SHA-256 out: the summary's
	// input_sha256 (and each part's sha256) is then "", and the inputs are
	// not read for it (the command line, when no --summary is written).
	// The check that an input did not change between the passes does not
	// need it: it compares a CRC-32 of the bytes.
	NoInputSHA256 bool

	tamper   tableio.Tamper // tests only: changes what a flip writes before it is checked
	partRows int            // tests only: the rows of a batch part (0: DefaultBatchRows)
	// tamperRewrite, tests only: changes what a flip asks its format to
	// write (a stand-in for a bug in the flip's rule).
	tamperRewrite func(r *tableio.Rewrite)
}

// Options configure a flip: its Config and its Runtime.
type Options struct {
	Config
	Runtime
}

// Validate checks the configuration and fills in the defaults of both parts.
func (o *Options) Validate() error {
	if err := o.Config.Validate(); err != nil {
		return err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

// Validate checks the configuration that does not depend on the data and
// fills in defaults. Its errors are *ConfigError.
func (o *Config) Validate() error {
	required := []struct {
		name string
		ok   bool
		why  []any
	}{
		{"sensitive", len(o.Sensitive) > 0, []any{" is required: the column that holds the group (e.g. ", field("sensitive"), " race)"}},
		{"minority", len(o.Minority) > 0, []any{" is required: the value(s) of ", field("sensitive"), " that mark the minority (e.g. ", field("minority"), " Black)"}},
		{"label", o.Label != "", []any{" is required: the column that holds the label (e.g. ", field("label"), " income)"}},
		{"positive", len(o.Positive) > 0, []any{" is required: the favourable label value (e.g. ", field("positive"), " '>50K')"}},
	}
	for _, r := range required {
		if !r.ok {
			return configErr(r.name, append([]any{field(r.name)}, r.why...)...)
		}
	}
	for _, p := range o.Positive {
		for _, n := range o.Negative {
			if p == n {
				return configErr("negative", fmt.Sprintf("label value %q is given both as ", p), field("positive"), " and as ", field("negative"))
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
		return configErr("k", field("k"), fmt.Sprintf(" %d: the number of neighbours must be at least 1", o.K))
	}
	if o.Members != "" && o.Alpha != 0 {
		return configErr("members", field("members"), " and ", field("alpha"), " both choose the collective: give one of them")
	}
	if o.Alpha == 0 && o.Members == "" {
		o.Alpha = 1
	}
	if o.Members == "" && !(o.Alpha > 0 && o.Alpha <= 1) {
		return configErr("alpha", field("alpha"), fmt.Sprintf(" %v: the collective's share of the minority must be in (0, 1]", o.Alpha))
	}
	if !o.method().Auto && o.Flips.Kind == FlipAuto {
		return configErr("flips", field("method"), " "+o.Method+" has no estimate of the counterfactual label, so ", field("flips"), " auto cannot be used: give ", field("flips"), " N or ", field("flips"), " P%")
	}
	if o.ReferenceSample < 0 {
		return configErr("reference-sample", field("reference-sample"), fmt.Sprintf(" %d: must be positive", o.ReferenceSample))
	}
	if o.AuditColumn == "" {
		o.AuditColumn = DefaultAuditColumn
	}
	if err := CheckAuditColumn(o.AuditColumn); err != nil {
		return err
	}
	if o.Dialect.Header && len(o.HeaderNames) > 0 {
		return configErr("header-names", field("header-names"), " names the columns of a file without a header: give ", field("no-header"), " too")
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
		return configErr("audit-column", field("audit-column"), fmt.Sprintf(" %q %s: give a plain name such as %s", name, bad, DefaultAuditColumn))
	}
	return nil
}

func (o *Options) notice(format string, args ...any) {
	fmt.Fprintf(o.Log, "fairflip: "+format+"\n", args...)
}
