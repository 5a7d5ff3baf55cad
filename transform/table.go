package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// Input is an input that can be read more than once (flip reads it twice).
type Input struct {
	Name   string // as shown in messages
	Format tableio.Format
	// Open opens the input. For Parquet the result must also be an
	// io.ReaderAt and an io.Seeker (an *os.File is).
	Open func() (io.ReadCloser, error)
}

// FileInput is an Input reading the file at path.
func FileInput(path string) *Input {
	return &Input{Name: path, Format: detectFile(path), Open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fferr.IO(err)
		}
		return f, nil
	}}
}

// detectFile guesses a file's format from its name and first bytes.
func detectFile(path string) tableio.Format {
	head := make([]byte, 4)
	if f, err := os.Open(path); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	return tableio.DetectFormat(path, head)
}

// layout is what pass 1 learned about the file's columns.
type layout struct {
	names     []string // column names (header, --header-names, or nil)
	nfields   int
	delim     byte
	label     int
	sensitive []int
	members   int // -1 if none
	audit     int // existing audit column, -1 if none
	features  []int
	explicit  map[int]bool // features named in --features
}

// colName names column i (0-based) for messages.
func (l *layout) colName(i int) string {
	if i < len(l.names) && l.names[i] != "" {
		return l.names[i]
	}
	return "#" + strconv.Itoa(i+1)
}

// resolve finds the column a flag names: a name from the header, or #N.
func resolve(names []string, nfields int, ref, flag, file string) (int, error) {
	ref = strings.TrimSpace(ref)
	name := strings.TrimPrefix(flag, "--") // the Config field
	var hits []int
	for i, n := range names {
		if n == ref {
			hits = append(hits, i)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	if len(hits) > 1 {
		var refs []string
		for _, h := range hits {
			refs = append(refs, "#"+strconv.Itoa(h+1))
		}
		return 0, configErr(name, field(name), fmt.Sprintf(" %q: %s has %d columns of that name (columns %s); name one by number, e.g. ", ref, file, len(hits), strings.Join(refs, ", ")), field(name), " "+refs[0])
	}
	if strings.HasPrefix(ref, "#") {
		if n, err := strconv.Atoi(ref[1:]); err == nil {
			if n >= 1 && n <= nfields {
				return n - 1, nil
			}
			return 0, configErr(name, field(name), fmt.Sprintf(" %q: %s has %d columns", ref, file, nfields))
		}
	}
	if names == nil {
		return 0, configErr(name, field(name), fmt.Sprintf(" %q: %s has no header, so columns are named by number (#1 to #%d) or by ", ref, file, nfields), field("header-names"))
	}
	return 0, configErr(name, field(name), fmt.Sprintf(" %q: no such column in %s; its columns are: %s", ref, file, shownList(names, 20)))
}

func resolveList(names []string, nfields int, refs []string, flag, file string) ([]int, error) {
	var out []int
	for _, r := range refs {
		i, err := resolve(names, nfields, r, flag, file)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}

// buildLayout resolves every flag that names a column.
func (o *Options) buildLayout(names []string, nfields int, delim byte, file string) (*layout, error) {
	l := &layout{names: names, nfields: nfields, delim: delim, members: -1, audit: -1, explicit: map[int]bool{}}
	var err error
	if l.label, err = resolve(names, nfields, o.Label, "--label", file); err != nil {
		return nil, err
	}
	if l.sensitive, err = resolveList(names, nfields, o.Sensitive, "--sensitive", file); err != nil {
		return nil, err
	}
	// used: what each column is already (a field, or "the audit column").
	used := map[int]any{l.label: field("label")}
	for _, s := range l.sensitive {
		if used[s] != nil {
			return nil, configErr("sensitive", field("sensitive"), fmt.Sprintf(" %s is also given as ", l.colName(s)), used[s])
		}
		used[s] = field("sensitive")
	}
	if o.Members != "" {
		if l.members, err = resolve(names, nfields, o.Members, "--members", file); err != nil {
			return nil, err
		}
		if used[l.members] != nil {
			return nil, configErr("members", field("members"), fmt.Sprintf(" %s is also given as ", l.colName(l.members)), used[l.members])
		}
		used[l.members] = field("members")
	}
	for i, n := range names {
		if n == o.AuditColumn {
			if !o.ReplaceAudit && !o.IgnoreAudit {
				return nil, fferr.Usage("%s already has an audit column %q (column %d): it was flipped before. Run fairflip undo on it first, choose another --audit-column, or pass --replace-audit to add this run's flips to that column", file, n, i+1)
			}
			l.audit = i
			if used[i] != nil {
				return nil, configErr("audit-column", fmt.Sprintf("the audit column %q is also given as ", n), used[i])
			}
			used[i] = "the audit column"
		}
	}
	if len(o.Features) > 0 {
		fs, err := resolveList(names, nfields, o.Features, "--features", file)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if used[f] != nil {
				return nil, configErr("features", field("features"), fmt.Sprintf(" %s: that column is ", l.colName(f)), used[f], ", not a feature")
			}
			if !l.explicit[f] {
				l.features = append(l.features, f)
				l.explicit[f] = true
			}
		}
	} else {
		ex, err := resolveList(names, nfields, o.Exclude, "--exclude", file)
		if err != nil {
			return nil, err
		}
		skip := map[int]bool{}
		for _, e := range ex {
			skip[e] = true
		}
		for i := 0; i < nfields; i++ {
			if used[i] == nil && !skip[i] {
				l.features = append(l.features, i)
			}
		}
	}
	return l, nil
}

// table is what pass 1 extracts from the input (and the reference file).
// Dataset is what pass 1 extracts from an input: per data row its group,
// label and feature cells, without the bytes. flip plans on it; eval and
// sweep simulate the firm on it.
type Dataset struct {
	Name     string
	Rows     int            // data rows of the input
	Group    []int8         // per row: GroupNone, GroupMinority or GroupMajority
	Positive []bool         // per row: the label is positive
	Member   []bool         // per row: the --members cell is truthy (nil without --members)
	Features []model.Column // the scorer's feature columns (identifier-like ones left out), over Rows rows then any --reference rows
	// Sensitive holds the sensitive column(s), for a firm that uses them.
	Sensitive []model.Column
	// RefRows are the reference majority rows (indices into the feature
	// columns): the input's majority rows, or rows after Rows read from
	// --reference. RefKeys are their keys for seeded sampling, RefPos their labels.
	RefRows []int
	RefKeys []uint64
	RefPos  []bool
	SHA256  string // of the input's bytes
	// PositiveText is how the input writes the first --positive value (the
	// first label cell equal to it, as text or as a number: "1.0" for
	// --positive 1); empty if no row has it.
	PositiveText string
	Notices      []string // what the user should know about how the data was read
	featureRefs  []string // FeatureRefs
}

// Key is the key of data row i for seeded choices: the row's number.
func (t *Dataset) Key(i int) uint64 { return uint64(i) }

func joinNames(ins []*Input) string {
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// Groups of a row, as in package metrics.
const (
	GroupNone     int8 = 0
	GroupMinority int8 = 1
	GroupMajority int8 = 2
)

func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "y":
		return true
	}
	return false
}

// Classify is classify, for the CLI's conversions (tableio.Convert).
func Classify(err error) error { return classify(err) }

// classify gives an error of reading or writing a table its class: one
// already classified (or the context's) as it is; a bug in a format's own
// work internal; a malformed or changed file bad data; anything else (a
// failed read or write) I/O.
func classify(err error) error {
	switch {
	case err == nil || classified(err):
		return err
	case errors.Is(err, tableio.ErrInternal):
		return fferr.Wrap(fferr.ErrInternal, err)
	case errors.Is(err, tableio.ErrMalformed):
		return fferr.Wrap(fferr.ErrData, err)
	}
	return fferr.IO(err)
}

// classified reports whether err has its class already.
func classified(err error) bool {
	return errors.Is(err, fferr.ErrInternal) || errors.Is(err, fferr.ErrUsage) || errors.Is(err, fferr.ErrData) ||
		errors.Is(err, fferr.ErrIO) || errors.Is(err, context.Canceled)
}

// ownReference makes the input's own majority rows the reference.
func (t *Dataset) ownReference() {
	n := 0
	for _, g := range t.Group {
		if g == GroupMajority {
			n++
		}
	}
	t.RefRows = make([]int, 0, n)
	t.RefKeys = make([]uint64, 0, n)
	t.RefPos = make([]bool, 0, n)
	for i, g := range t.Group {
		if g == GroupMajority {
			t.RefRows = append(t.RefRows, i)
			t.RefKeys = append(t.RefKeys, t.Key(i))
			t.RefPos = append(t.RefPos, t.Positive[i])
		}
	}
}

// FeatureRefs returns how --features names each feature column in a file
// with the same columns: its name, or #N where the name is not unique in
// the file (COMPAS has two decile_score columns) or there is none.
func (t *Dataset) FeatureRefs() []string { return t.featureRefs }

// FeatureNames returns the names of the feature columns.
func (t *Dataset) FeatureNames() []string {
	var out []string
	for _, c := range t.Features {
		out = append(out, c.Name)
	}
	return out
}

// rowFilter is a parsed --where: a union of conjunctions of conditions on
// any columns.
type rowFilter [][]colPred

type colPred struct {
	col int
	p   pred
}

// matchCells reports whether a row matches, given its value in column c.
func (f rowFilter) matchCells(value func(c int) string) bool {
	for _, c := range f {
		ok := true
		for _, cp := range c {
			if !cp.p.match(value(cp.col)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// parseWhere parses --where expressions: COL=V, COL!=V, COL<N, ... joined by
// commas (all must hold); a repeated flag takes the union.
func parseWhere(exprs []string, l *layout, file string) (rowFilter, error) {
	var f rowFilter
	for _, e := range exprs {
		var c []colPred
		for _, part := range splitEscaped(e, ',') {
			col, o, val, ok := cutOp(part)
			if !ok || strings.TrimSpace(col) == "" {
				return nil, groupErr("--where", fmt.Sprintf(" %q: %q is not COLUMN=VALUE, COLUMN!=VALUE or COLUMN<NUMBER", e, part))
			}
			i, err := resolve(l.names, l.nfields, unescape(col), "--where", file)
			if err != nil {
				return nil, err
			}
			pr, err := makePred("--where", e, o, val)
			if err != nil {
				return nil, err
			}
			c = append(c, colPred{i, pr})
		}
		f = append(f, c)
	}
	return f, nil
}

// referenceLayout is the layout of a --reference file with columns names
// (nil: no header and no --header-names) and nfields, for a table whose
// layout is in: every column the plan reads from the reference (the label,
// the sensitive columns, the features) is found by its name, in any order;
// the reference's other columns are ignored. A missing or repeated name is
// a usage error naming it. Without names, the columns can only be matched
// by position, so the reference must have as many as the table.
func referenceLayout(in *layout, names []string, nfields int, delim byte, file string) (*layout, error) {
	ref := &layout{names: names, nfields: nfields, delim: delim, members: -1, audit: -1, explicit: in.explicit}
	if in.names == nil || names == nil {
		if in.names != nil || names != nil || nfields != in.nfields {
			return nil, configErr("reference", field("reference"), fmt.Sprintf(" %s has %d columns, the input %d: without a header on both, columns are matched by position, so the reference must have the same columns in the same order", file, nfields, in.nfields))
		}
		ref.label, ref.sensitive, ref.features = in.label, in.sensitive, in.features
		return ref, nil
	}
	find := func(c int, role string) (int, error) {
		name := in.names[c]
		var hits []int
		for i, n := range names {
			if n == name {
				hits = append(hits, i)
			}
		}
		switch len(hits) {
		case 1:
			return hits[0], nil
		case 0:
			return 0, configErr("reference", field("reference"), fmt.Sprintf(" %s has no column %q, the input's %s column; the reference needs the label, sensitive and feature columns, by name (in any order)", file, name, role))
		}
		return 0, configErr("reference", field("reference"), fmt.Sprintf(" %s has %d columns named %q (the input's %s column): it cannot tell which to read", file, len(hits), name, role))
	}
	var err error
	if ref.label, err = find(in.label, "label"); err != nil {
		return nil, err
	}
	for _, c := range in.sensitive {
		i, err := find(c, "sensitive")
		if err != nil {
			return nil, err
		}
		ref.sensitive = append(ref.sensitive, i)
	}
	for _, c := range in.features {
		i, err := find(c, "feature")
		if err != nil {
			return nil, err
		}
		ref.features = append(ref.features, i)
	}
	return ref, nil
}

func trimAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.TrimSpace(v)
	}
	return out
}
