// Package flipcli holds what the fairflip command and fairflip-beam share:
// the flags of a flip, how they become transform.Options, the summary on
// standard error, input globs and the exit codes. Both binaries take the
// same flags and say the same things.
package flipcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

// Version is fairflip's version, recorded in every --summary.
var Version = "0.1.0-dev"

// Exit codes: a stable, documented table (docs/REFERENCE.md, "Errors and exit codes").
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2
	ExitData        = 3
	ExitIO          = 4
	ExitInterrupted = 130
	ExitClosedPipe  = 141 // 128 + SIGPIPE, what a shell reports for a process killed by SIGPIPE
)

// FlipFlags are flip's own flags: method, collective, flips, reference,
// audit column and reports (not its inputs and outputs).
func FlipFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "method", Value: transform.MethodRBProb, Usage: MethodUsage(), Category: "method"},
		&cli.IntFlag{Name: "k", Value: 10, Usage: KUsage(), Category: "method"},
		&cli.Float64Flag{Name: "alpha", Value: 1, Usage: "collective = this fraction `F` of the minority, chosen by --seed", Category: "collective"},
		&cli.StringFlag{Name: "members", Usage: "collective = minority rows whose `COL` cell is 1/true/yes/y", Category: "collective"},
		&cli.StringFlag{Name: "flips", Value: "auto", Usage: "how many to flip: `N`, P% of the pool, or auto (those estimated positive)", Category: "method"},
		&cli.IntFlag{Name: "max-flips", Value: -1, DefaultText: "no cap", Usage: "never flip more than `N` rows, whatever --flips says", Category: "method"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed for every random choice (collective, random scores, reference sample)", Category: "method"},
		&cli.StringFlag{Name: "reference", Usage: "learn the majority from the majority rows of `FILE` (any format; the input's label, sensitive and feature columns, by name) instead of the input's", Category: "features"},
		&cli.IntFlag{Name: "reference-sample", DefaultText: "every reference row", Usage: "learn from only `N` reference (majority) rows, chosen by --seed (k or fewer: the k-NN methods use them all, with a notice; docs/REFERENCE.md, tiny references)", Category: "features"},
		&cli.StringFlag{Name: "audit-column", Value: transform.DefaultAuditColumn, Usage: "`NAME` of the audit column", Category: "output"},
		&cli.BoolFlag{Name: "replace-audit", Usage: "if the input already has the audit column, add this run's entries to it instead of refusing", Category: "output"},
		&cli.StringFlag{Name: "summary", Usage: "write the summary as JSON to `FILE`", Category: "output"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no summary, notices or progress on stderr (errors are still reported)", Category: "output"},
	}
}

// MethodUsage is --method's help: every registered method, with what its
// score is.
func MethodUsage() string {
	var each []string
	for _, m := range scorer.Methods() {
		each = append(each, m.Name+", "+m.Help)
	}
	return "scoring `METHOD`, one of: " + strings.Join(each, "; ")
}

// KUsage is --k's help: the methods that use it.
func KUsage() string {
	var names []string
	for _, m := range scorer.Methods() {
		if m.UsesK {
			names = append(names, m.Name)
		}
	}
	if len(names) > 1 {
		names = append(names[:len(names)-2], names[len(names)-2]+" and "+names[len(names)-1])
	}
	return "neighbours for " + strings.Join(names, ", ")
}

// DataFlags are the flags that say how to read a table and what its groups,
// label and features are: shared by flip, eval and sweep.
func DataFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "sensitive", Usage: "sensitive column(s), comma-separated `COLS`", Category: "groups and label"},
		&cli.StringSliceFlag{Name: "minority", Usage: "minority group `EXPR` (see above); repeat for a union", Category: "groups and label"},
		&cli.StringSliceFlag{Name: "majority", Usage: "majority group `EXPR` (default: every other row with the sensitive cells present)", Category: "groups and label"},
		&cli.StringFlag{Name: "label", Usage: "label `COL`", Category: "groups and label"},
		&cli.StringSliceFlag{Name: "positive", Usage: "favourable label `VALUE`; repeat for several (a flip writes the first). A Parquet label takes values of its type: BOOLEAN exactly true or false, integers in range, DECIMAL within its scale", Category: "groups and label"},
		&cli.StringSliceFlag{Name: "negative", Usage: "unfavourable label `VALUE`; repeat for several (default: every other label value)", Category: "groups and label"},
		&cli.StringFlag{Name: "features", Usage: "score with only these `COLS` (default: all but label, sensitive, members, audit)", Category: "features"},
		&cli.StringFlag{Name: "exclude", Usage: "leave these `COLS` out of the default features", Category: "features"},
		&cli.StringFlag{Name: "categorical", Usage: "treat these numeric-looking `COLS` as categories", Category: "features"},
		&cli.IntFlag{Name: "max-levels", Value: 100, Usage: "one-hot at most `N` levels per text column (the rest share one level)", Category: "features"},
		&cli.StringFlag{Name: "header-names", Usage: "column `NAMES` for a file without a header, comma-separated", Category: "CSV dialect"},
	}, DialectFlags()...)
}

// DataOptions reads the flags of dataFlags into options.
func DataOptions(c *cli.Context, stderr io.Writer) (*transform.Options, error) {
	d, err := ParseDialect(c)
	if err != nil {
		return nil, err
	}
	var lists [5][]string
	for i, name := range []string{"sensitive", "features", "exclude", "categorical", "header-names"} {
		if lists[i], err = List(c, name); err != nil {
			return nil, err
		}
	}
	o := &transform.Options{
		Config: transform.Config{
			Sensitive:     lists[0],
			Minority:      c.StringSlice("minority"),
			Majority:      c.StringSlice("majority"),
			Label:         c.String("label"),
			Positive:      c.StringSlice("positive"),
			Negative:      c.StringSlice("negative"),
			Features:      lists[1],
			Exclude:       lists[2],
			Categorical:   lists[3],
			MaxLevels:     c.Int("max-levels"),
			Dialect:       d,
			ParquetLimits: ParquetLimits(c),
			HeaderNames:   lists[4],
			MaxFlips:      -1,
		},
		Runtime: transform.Runtime{Log: stderr, Version: Version},
	}
	if o.MaxLevels < 1 {
		return nil, fferr.Usage("--max-levels %d: must be at least 1", o.MaxLevels)
	}
	if c.Bool("quiet") {
		o.Log = io.Discard
	}
	return o, nil
}

// SimDataFlags are DataFlags for the commands that read tables without
// writing them (eval, sweep): there a preamble or a comment line is skipped,
// not passed through.
func SimDataFlags() []cli.Flag {
	fs := DataFlags()
	for i, f := range fs {
		switch f.Names()[0] {
		case "skip-lines":
			fs[i] = &cli.IntFlag{Name: "skip-lines", Usage: "skip the first `N` lines of each file (a preamble)", Category: "CSV dialect"}
		case "comment":
			fs[i] = &cli.StringFlag{Name: "comment", Usage: "skip lines starting with character `C` (adult.test's first line starts with |)", Category: "CSV dialect"}
		}
	}
	return fs
}

// DialectFlags are the flags that say how a CSV file is written.
func DialectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "delimiter", Usage: "field delimiter `C`: one character, or tab, or space (default: detected from the first record)", Category: "CSV dialect"},
		&cli.BoolFlag{Name: "no-header", Usage: "the file has no header record", Category: "CSV dialect"},
		&cli.IntFlag{Name: "skip-lines", Usage: "pass the first `N` lines through unchanged (a preamble)", Category: "CSV dialect"},
		&cli.StringFlag{Name: "comment", Usage: "pass lines starting with character `C` through unchanged", Category: "CSV dialect"},
		&cli.IntFlag{Name: "max-record-bytes", Value: tableio.DefaultMaxRecordBytes, Usage: "refuse a CSV record of more than `N` bytes, all its lines (bounds memory; stops a quote that never closes)", Category: "CSV dialect"},
		&cli.IntFlag{Name: "max-columns", Value: tableio.DefaultMaxColumns, Usage: "refuse a CSV record of more than `N` fields", Category: "CSV dialect"},
		&cli.Int64Flag{Name: "max-page-bytes", Value: tableio.DefaultParquetMaxPageBytes, Usage: "refuse a Parquet page of more than `N` bytes, compressed or not (bounds memory: a page is decoded whole)", Category: "Parquet limits"},
		&cli.Int64Flag{Name: "max-footer-bytes", Value: tableio.DefaultParquetMaxFooterBytes, Usage: "refuse a Parquet footer (the metadata) of more than `N` bytes", Category: "Parquet limits"},
		&cli.StringFlag{Name: "format", Usage: "input `FORMAT`: " + tableio.FormatNames() + " (default: from the file name, else the first bytes: Parquet starts with PAR1)", Category: "CSV dialect"},
	}
}

// List reads a comma-separated list flag. A flag given with an empty list,
// or with an empty item (",x", "x,,y", "x,"), is a usage error: it is a
// typing mistake, never a request for nothing.
func List(c *cli.Context, name string) ([]string, error) {
	v := c.String(name)
	if !c.IsSet(name) {
		return SplitList(v), nil
	}
	if strings.TrimSpace(v) == "" {
		return nil, fferr.Usage("--%s is empty: give one or more values, comma-separated", name)
	}
	items := SplitList(v)
	for _, it := range items {
		if it == "" {
			return nil, fferr.Usage("--%s %q: an empty item (a comma too many); give the values comma-separated", name, v)
		}
	}
	return items, nil
}

// SplitList splits a comma-separated list, trimming each item.
func SplitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

func ParseDialect(c *cli.Context) (tableio.Dialect, error) {
	d := tableio.Dialect{Header: !c.Bool("no-header"), SkipLines: c.Int("skip-lines")}
	if d.SkipLines < 0 {
		return d, fferr.Usage("--skip-lines %d: must be 0 or more", d.SkipLines)
	}
	switch v := c.String("delimiter"); strings.ToLower(v) {
	case "":
	case "tab", `\t`:
		d.Delimiter = '\t'
	case "space":
		d.Delimiter = ' '
	default:
		if len(v) != 1 || v == `"` || v == "\n" || v == "\r" {
			return d, fferr.Usage("--delimiter %q: want one character (or tab, space)", v)
		}
		d.Delimiter = v[0]
	}
	if v := c.String("comment"); v != "" {
		if len(v) != 1 {
			return d, fferr.Usage("--comment %q: want one character", v)
		}
		d.Comment = v[0]
	}
	d.MaxRecordBytes, d.MaxColumns = c.Int("max-record-bytes"), c.Int("max-columns")
	if d.MaxRecordBytes < 1 || d.MaxColumns < 1 {
		return d, fferr.Usage("--max-record-bytes %d, --max-columns %d: each must be at least 1", d.MaxRecordBytes, d.MaxColumns)
	}
	if c.Int64("max-page-bytes") < 1 || c.Int64("max-footer-bytes") < 1 {
		return d, fferr.Usage("--max-page-bytes %d, --max-footer-bytes %d: each must be at least 1", c.Int64("max-page-bytes"), c.Int64("max-footer-bytes"))
	}
	return d, nil
}

// Alpha returns --alpha if it was given, else 0 (the library's "all of the
// minority", which --members may replace).
func Alpha(c *cli.Context) float64 {
	if !c.IsSet("alpha") {
		return 0
	}
	return c.Float64("alpha")
}

// FlipOptions reads flip's flags (all but the outputs and inputs).
func FlipOptions(c *cli.Context, stderr io.Writer) (*transform.Options, error) {
	opt, err := DataOptions(c, stderr)
	if err != nil {
		return nil, err
	}
	if opt.Flips, err = transform.ParseFlips(c.String("flips")); err != nil {
		return nil, err
	}
	opt.Method = c.String("method")
	opt.K = c.Int("k")
	opt.Alpha = Alpha(c)
	opt.Members = c.String("members")
	opt.MaxFlips = c.Int("max-flips")
	opt.Seed = c.Uint64("seed")
	opt.ReferenceSample = c.Int("reference-sample")
	if opt.AuditColumn, err = AuditColumn(c); err != nil {
		return nil, err
	}
	opt.ReplaceAudit = c.Bool("replace-audit")
	if c.IsSet("alpha") && opt.Alpha == 0 {
		return nil, fferr.Usage("--alpha 0: the collective's share of the minority must be in (0, 1]")
	}
	if c.IsSet("k") && opt.K < 1 {
		return nil, fferr.Usage("--k %d: the number of neighbours must be at least 1", opt.K)
	}
	if c.IsSet("max-flips") && opt.MaxFlips < 0 {
		return nil, fferr.Usage("--max-flips %d: must be 0 or more", opt.MaxFlips)
	}
	opt.Reference = c.String("reference")
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	return opt, nil
}

// ReadGiven marks the CSV dialect flags given on the command line: undo
// uses them as given and reads the others from the audit cells
// (transform.UndoOptions.Infer).
func ReadGiven(c *cli.Context) transform.ReadGiven {
	return transform.ReadGiven{Header: c.IsSet("no-header"), SkipLines: c.IsSet("skip-lines"), Comment: c.IsSet("comment")}
}

// AuditColumn reads --audit-column (flip's and undo's), refusing a name
// that would not read back as itself (transform.CheckAuditColumn).
func AuditColumn(c *cli.Context) (string, error) {
	name := c.String("audit-column")
	if name == "" {
		return "", fferr.Usage("--audit-column is empty: give the audit column a name (default %s)", transform.DefaultAuditColumn)
	}
	return name, transform.CheckAuditColumn(name)
}

func PrintSummary(w io.Writer, s *transform.Summary) {
	pct := func(r transform.Rate) string {
		x := float64(r)
		if math.IsNaN(x) {
			return "undefined"
		}
		return fmt.Sprintf("%.2f%%", 100*x)
	}
	fmt.Fprintf(w, "fairflip flip: %d rows: %d minority, %d majority", s.Rows, s.Minority, s.Majority)
	if s.Neither > 0 {
		fmt.Fprintf(w, ", %d in neither group", s.Neither)
	}
	fmt.Fprintln(w)
	how := fmt.Sprintf("alpha %g of the minority", s.Alpha)
	if s.Members != "" {
		how = "members marked in " + s.Members
	}
	fmt.Fprintf(w, "  collective %d (%s), candidate pool %d (negative label), flipped %d (--flips %s)\n", s.Collective, how, s.Pool, s.Flips, s.FlipRule)
	method := s.Method
	if s.K > 0 {
		method += fmt.Sprintf(" (k=%d)", s.K)
	}
	if m, _ := scorer.Lookup(s.Method); !m.Learns {
		fmt.Fprintf(w, "  method %s, seed %d (%s scores need no features or reference)\n", s.Method, s.Seed, s.Method)
	} else {
		fmt.Fprintf(w, "  method %s, seed %d, %d reference rows, %d feature columns\n", method, s.Seed, s.ReferenceRows, len(s.Features))
	}
	fmt.Fprintf(w, "  positive rate: minority %s -> %s, majority %s\n", pct(s.MinorityRateBefore), pct(s.MinorityRateAfter), pct(s.MajorityRate))
	for _, f := range s.Files {
		fmt.Fprintf(w, "  %s -> %s: %d rows, %d flipped\n", f.Input, f.Output, f.Rows, f.Flips)
	}
}

// InputPaths returns the INPUT arguments, a quoted glob pattern expanded,
// in lexical order.
func InputPaths(c *cli.Context) ([]string, error) {
	var paths []string
	for _, a := range c.Args().Slice() {
		if a == "-" {
			return nil, fferr.Usage("%s --output-dir reads files: standard input (-) is not one of them", c.Command.Name)
		}
		if _, err := os.Lstat(a); err != nil && strings.ContainsAny(a, "*?[") {
			m, gerr := filepath.Glob(a)
			if gerr != nil {
				return nil, fferr.Usage("%q: bad pattern: %v", a, gerr)
			}
			if len(m) == 0 {
				return nil, fferr.Usage("%q matches no file", a)
			}
			paths = append(paths, m...)
			continue
		}
		paths = append(paths, a)
	}
	if len(paths) == 0 {
		return nil, fferr.Usage("%s --output-dir OUT needs INPUT files", c.Command.Name)
	}
	sort.Strings(paths)
	return paths, nil
}

func ExitCode(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return ExitInterrupted
	case errors.Is(err, fferr.ErrInternal):
		return ExitInternal
	case errors.Is(err, fferr.ErrClosedOutput):
		return ExitClosedPipe
	case errors.Is(err, fferr.ErrUsage):
		return ExitUsage
	case errors.Is(err, fferr.ErrData):
		return ExitData
	case errors.Is(err, fferr.ErrIO):
		return ExitIO
	}
	return ExitInternal
}

// Message is err's message as the command line says it: the fields of a
// transform.ConfigError in it are named as the flags that set them
// ("--sensitive is required: ..."). This is the one place where a
// configuration's field becomes a flag.
func Message(err error) string {
	msg := err.Error()
	var ce *transform.ConfigError
	if errors.As(err, &ce) {
		msg = strings.Replace(msg, ce.Error(), ce.Render(Flag), 1)
	}
	return msg
}

// Flag is the command-line flag for a configuration field's JSON name.
func Flag(field string) string { return "--" + field }

// Interspersed moves a command's positional arguments after its flags, so
// that "fairflip flip data.csv -o out.csv" works: urfave/cli v2 stops reading
// flags at the first positional argument.
func Interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	out := append([]string{}, args[:2]...)
	var pos []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		out = append(out, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			out = append(out, rest[i+1])
			i++
		}
	}
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}

// OutputDirInputs checks --output-dir OUT (an existing folder) and returns
// the INPUT files (globs expanded, in lexical order), refusing two inputs
// of the same name (their outputs would collide) and an input in OUT.
func OutputDirInputs(c *cli.Context) ([]string, error) {
	dir := c.String("output-dir")
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fferr.Usage("--output-dir %s does not exist; create it first (fairflip does not create folders)", dir)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fferr.IO(fmt.Errorf("--output-dir %s: %w", dir, err))
	case !st.IsDir():
		return nil, fferr.Usage("--output-dir %s is not a folder", dir)
	}
	paths, err := InputPaths(c)
	if err != nil {
		return nil, err
	}
	byBase := map[string]string{}
	for _, p := range paths {
		base := filepath.Base(p)
		if prev, ok := byBase[base]; ok {
			return nil, fferr.Usage("%s and %s have the same name %s: their outputs in --output-dir would collide", prev, p, base)
		}
		byBase[base] = p
		if ds, err := os.Stat(filepath.Dir(p)); err == nil && os.SameFile(ds, st) {
			return nil, fferr.Usage("--output-dir %s is the folder of the input %s: fairflip never overwrites its input; write to another folder", dir, p)
		}
	}
	return paths, nil
}

// SummaryJSON is the --summary file's content for s.
func SummaryJSON(s *transform.Summary) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParquetLimits are the bounds --max-page-bytes and --max-footer-bytes set
// on a Parquet input.
func ParquetLimits(c *cli.Context) tableio.ParquetLimits {
	return tableio.ParquetLimits{MaxPageBytes: c.Int64("max-page-bytes"), MaxFooterBytes: c.Int64("max-footer-bytes")}
}
