package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
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

// BytesInput is an Input over bytes in memory (for tests and small inputs),
// its format detected from its first bytes.
func BytesInput(name string, b []byte) *Input {
	return &Input{Name: name, Format: tableio.DetectFormat("", b), Open: func() (io.ReadCloser, error) {
		return bytesReadCloser{bytes.NewReader(b)}, nil
	}}
}

type bytesReadCloser struct{ *bytes.Reader }

func (bytesReadCloser) Close() error { return nil }

// openAt opens a Parquet input for random access.
func openAt(in *Input) (io.ReaderAt, int64, io.Closer, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, 0, nil, fferr.IO(err)
	}
	ra, ok1 := rc.(io.ReaderAt)
	sk, ok2 := rc.(io.Seeker)
	if !ok1 || !ok2 {
		rc.Close()
		return nil, 0, nil, fferr.Usage("%s: a Parquet input must be a file (it is read from its footer)", in.Name)
	}
	size, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		rc.Close()
		return nil, 0, nil, fferr.IO(err)
	}
	return ra, size, rc, nil
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

// auditLabel is the label column's name as flip records it in the audit
// cells (LabelName): the header cell, or #N when the file has no header
// row (names from --header-names are not in the file).
func (l *layout) auditLabel(header bool) string {
	if !header {
		return LabelName(nil, l.label)
	}
	return LabelName(l.names, l.label)
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
		return 0, fferr.Usage("%s %q: %s has %d columns of that name (columns %s); name one by number, e.g. %s %s", flag, ref, file, len(hits), strings.Join(refs, ", "), flag, refs[0])
	}
	if strings.HasPrefix(ref, "#") {
		if n, err := strconv.Atoi(ref[1:]); err == nil {
			if n >= 1 && n <= nfields {
				return n - 1, nil
			}
			return 0, fferr.Usage("%s %q: %s has %d columns", flag, ref, file, nfields)
		}
	}
	if names == nil {
		return 0, fferr.Usage("%s %q: %s has no header, so columns are named by number (#1 to #%d) or by --header-names", flag, ref, file, nfields)
	}
	shown := names
	more := ""
	if len(shown) > 20 {
		shown, more = shown[:20], fmt.Sprintf(", ... (%d in all)", len(names))
	}
	return 0, fferr.Usage("%s %q: no such column in %s; its columns are: %s%s", flag, ref, file, strings.Join(shown, ", "), more)
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
	used := map[int]string{l.label: "--label"}
	for _, s := range l.sensitive {
		if used[s] != "" {
			return nil, fferr.Usage("--sensitive %s is also given as %s", l.colName(s), used[s])
		}
		used[s] = "--sensitive"
	}
	if o.Members != "" {
		if l.members, err = resolve(names, nfields, o.Members, "--members", file); err != nil {
			return nil, err
		}
		if used[l.members] != "" {
			return nil, fferr.Usage("--members %s is also given as %s", l.colName(l.members), used[l.members])
		}
		used[l.members] = "--members"
	}
	for i, n := range names {
		if n == o.AuditColumn {
			if !o.ReplaceAudit && !o.IgnoreAudit {
				return nil, fferr.Usage("%s already has an audit column %q (column %d): it was flipped before. Run fairflip undo on it first, choose another --audit-column, or pass --replace-audit to add this run's flips to that column", file, n, i+1)
			}
			l.audit = i
			if used[i] != "" {
				return nil, fferr.Usage("the audit column %q is also given as %s", n, used[i])
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
			if used[f] != "" {
				return nil, fferr.Usage("--features %s: that column is %s, not a feature", l.colName(f), used[f])
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
			if used[i] == "" && !skip[i] {
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
	// prior: the audit column that --replace-audit reuses (nil without one).
	prior *priorAudit

	// Parts are the input files of a multi-file table (LoadFiles), in
	// order; nil for one input (Load).
	Parts []Part

	lay *layout
}

// Part is one file of a multi-file table.
type Part struct {
	Name   string
	Offset int    // its first row's index in the table
	Rows   int    // its data rows
	SHA256 string // of its bytes

	lay *layout // nil for an empty (0-byte) CSV file
}

// Key is the key of data row i for seeded choices: i for one input; for a
// multi-file table, (file << 40) | (row within the file).
func (t *Dataset) Key(i int) uint64 {
	if len(t.Parts) == 0 {
		return uint64(i)
	}
	// The last part that starts at or before i (and has rows).
	lo, hi := 0, len(t.Parts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.Parts[mid].Offset <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return uint64(lo)<<40 | uint64(i-t.Parts[lo].Offset)
}

func joinNames(ins []*Input) string {
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// sameFormat checks that the files of a multi-file table are all Parquet
// or all CSV (TSV being CSV with TAB).
func sameFormat(ins []*Input) error {
	for _, x := range ins[1:] {
		if (x.Format == tableio.Parquet) != (ins[0].Format == tableio.Parquet) {
			return fferr.Usage("%s is %s and %s is %s: the files of one table must be all CSV or all Parquet", ins[0].Name, ins[0].Format.Name(), x.Name, x.Format.Name())
		}
	}
	return nil
}

// sameHeader checks that another file of a multi-file table has the first
// file's columns.
func sameHeader(first, l *layout, firstName, file string) error {
	if l.nfields != first.nfields || !slices.Equal(l.names, first.names) {
		desc := func(l *layout) string {
			if l.names == nil {
				return fmt.Sprintf("%d columns", l.nfields)
			}
			return fmt.Sprintf("%d columns (%s)", l.nfields, strings.Join(l.names, ","))
		}
		return fferr.Data("%s and %s have different headers: %s against %s; every file of the table must have the same columns", firstName, file, desc(first), desc(l))
	}
	return nil
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

// classify marks scanner errors as data errors and read errors as I/O errors.
func classify(err error) error {
	var re *tableio.RowError
	if errors.As(err, &re) {
		return fferr.Wrap(fferr.ErrData, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, fferr.ErrUsage) || errors.Is(err, fferr.ErrData) || errors.Is(err, fferr.ErrIO) {
		return err
	}
	return fferr.IO(err)
}

// rowErr is a data error at one cell.
func rowErr(file string, line, col int, lay *layout, format string, args ...any) error {
	e := &tableio.RowError{File: file, Line: line, Column: col + 1, Name: lay.colName(col), Err: fmt.Errorf(format, args...)}
	if col < 0 {
		e.Column, e.Name = 0, ""
	}
	return fferr.Wrap(fferr.ErrData, e)
}

// Load runs pass 1 over the input and, if given, the reference file. It
// validates the options first.
func (o *Options) Load(ctx context.Context, in *Input) (*Dataset, error) {
	return o.load(ctx, []*Input{in}, false)
}

// LoadFiles runs pass 1 over several files read as one table: their data
// rows in the order of ins, row r of file i keyed (i<<40 | r). The files
// must be all CSV (or TSV) or all Parquet, with the same columns. A CSV file
// with only a header, an empty (0-byte) CSV file and a Parquet file without
// rows are parts with no rows.
func (o *Options) LoadFiles(ctx context.Context, ins []*Input) (*Dataset, error) {
	return o.load(ctx, ins, true)
}

// load is Load (multi false: one input, as before) and LoadFiles.
func (o *Options) load(ctx context.Context, ins []*Input, multi bool) (*Dataset, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, fferr.Usage("no input files")
	}
	in := ins[0]
	name := in.Name
	if multi {
		if err := sameFormat(ins); err != nil {
			return nil, err
		}
		name = joinNames(ins)
	}
	t := &Dataset{Name: name}
	if in.Format == tableio.Parquet {
		if multi {
			return o.loadParquetFiles(ctx, ins, t)
		}
		return o.loadParquet(ctx, in, t)
	}
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	forceCat := map[string]bool{}
	var builders, sensBuilders []*model.ColumnBuilder
	var where rowFilter
	rowsSeen := 0 // data rows, before --where
	started := false
	cells := make([]string, len(o.Sensitive))

	// groupOf classifies one record, reporting an error for a row in both groups.
	groupOf := func(rec *tableio.Record, lay *layout, file string) (int8, error) {
		for i, c := range lay.sensitive {
			cells[i] = rec.Value(c)
		}
		g, err := rules.group(cells)
		if err != nil {
			return 0, rowErr(file, rec.Line, lay.sensitive[0], lay, "%v", err)
		}
		return g, nil
	}
	labelOf := func(rec *tableio.Record, lay *layout, file string) (bool, error) {
		p, err := rules.label(rec.Value(lay.label))
		if err != nil {
			return false, rowErr(file, rec.Line, lay.label, lay, "%v", err)
		}
		return p, nil
	}
	addFeatures := func(rec *tableio.Record, lay *layout) {
		for j, c := range lay.features {
			builders[j].AddBytes(rec.ValueBytes(c))
		}
	}

	all := sha256.New()
	var lay *layout // the first file's with a header or a data record
	layName := ""   // that file
	for fi, in := range ins {
		part := Part{Name: in.Name, Offset: len(t.Group)}
		// Each part is hashed on its own and into the whole; one input is
		// hashed once.
		var h hash.Hash
		var sink io.Writer = all
		if multi {
			h = sha256.New()
			sink = io.MultiWriter(all, h)
		}
		var flay *layout
		checked := false
		err = o.scanFile(ctx, in, sink, func(rec *tableio.Record, l *layout) error {
			if !checked {
				checked = true
				if lay == nil {
					lay, layName = l, in.Name
				} else if err := sameHeader(lay, l, layName, in.Name); err != nil {
					return err
				}
			}
			if !started {
				started = true
				l := lay
				if !o.method().Learns {
					l.features = nil // the method needs no features: skip extracting them
				}
				for _, c := range o.Categorical {
					i, err := resolve(l.names, l.nfields, c, "--categorical", in.Name)
					if err != nil {
						return err
					}
					forceCat[l.colName(i)] = true
				}
				for _, f := range l.features {
					builders = append(builders, model.NewColumnBuilder(l.colName(f), forceCat[l.colName(f)]))
				}
				for _, c := range l.sensitive {
					sensBuilders = append(sensBuilders, model.NewColumnBuilder(l.colName(c), true))
				}
				var err error
				if where, err = parseWhere(o.Where, l, in.Name); err != nil {
					return err
				}
			}
			rowsSeen++
			if o.ReplaceAudit && l.audit >= 0 {
				if t.prior == nil {
					t.prior = &priorAudit{}
				}
				if err := t.prior.csvRecord(in.Name, rec, l, dialectFor(in, o.Dialect)); err != nil {
					return err
				}
			}
			if where != nil && !where.match(rec) {
				return nil
			}
			g, err := groupOf(rec, l, in.Name)
			if err != nil {
				return err
			}
			p, err := labelOf(rec, l, in.Name)
			if err != nil {
				return err
			}
			t.Group = append(t.Group, g)
			t.Positive = append(t.Positive, p)
			if l.members >= 0 {
				t.Member = append(t.Member, rules.member(rec.Value(l.members)))
			}
			addFeatures(rec, lay) // lay: the first file's, whose features were resolved (same columns)
			for j, c := range l.sensitive {
				sensBuilders[j].AddBytes(rec.ValueBytes(c))
			}
			return nil
		}, &flay, func(rows int) {
			if fi > 0 {
				return
			}
			// Size the columns once, from the file size: growing them by
			// doubling copies each column about twice over.
			rows = min(rows, 1<<28)
			t.Group = slices.Grow(t.Group, rows)
			t.Positive = slices.Grow(t.Positive, rows)
			for _, b := range builders {
				b.Reserve(rows)
			}
			for _, b := range sensBuilders {
				b.Reserve(rows)
			}
		})
		if err != nil && lay != nil && flay == nil && errors.Is(err, fferr.ErrUsage) {
			// The columns of a later file did not resolve: its header differs.
			return nil, fferr.Data("%s and %s have different headers (%v); every file of the table must have the same columns", layName, in.Name, err)
		}
		if err != nil {
			if errors.Is(err, tableio.ErrEmptyInput) || errors.Is(err, tableio.ErrNoHeader) {
				if !multi {
					return nil, fferr.Data("%s is empty: there is no table", in.Name)
				}
				if !errors.Is(err, tableio.ErrEmptyInput) {
					return nil, fferr.Data("%s has no header or data record (only lines passed through): a part of a table needs its header, or no bytes at all", in.Name)
				}
				err = nil // a 0-byte file: a part with no rows
			} else {
				return nil, err
			}
		}
		if flay != nil && !checked {
			// a header-only file: no record was visited
			if lay == nil {
				lay, layName = flay, in.Name
			} else if err := sameHeader(lay, flay, layName, in.Name); err != nil {
				return nil, err
			}
		}
		part.Rows = len(t.Group) - part.Offset
		if h != nil {
			part.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		part.lay = flay
		t.Parts = append(t.Parts, part)
	}
	if lay == nil {
		return nil, fferr.Data("%s: every input is empty: there is no table", name)
	}
	t.lay = lay
	t.Rows = len(t.Group)
	t.SHA256 = hex.EncodeToString(all.Sum(nil))
	t.Notices = append(t.Notices, o.tallyNotices(rules.tallies())...)
	t.PositiveText = rules.positiveText
	if !multi {
		t.Parts = nil
	}
	if t.Rows == 0 {
		if where != nil && rowsSeen > 0 {
			return nil, fferr.Data("%s: no row is left after --where (%d rows read)", name, rowsSeen)
		}
		what := "no data rows"
		if o.Dialect.Header {
			what = "a header but no data rows"
		}
		return nil, fferr.Data("%s has %s", name, what)
	}

	// The reference: the input's own majority rows, or the majority rows of --reference.
	if o.Reference == nil {
		if o.method().Learns { // a method that does not learn needs no reference
			t.ownReference()
		}
	} else {
		if o.Reference.Format == tableio.Parquet {
			return nil, errReferenceFormat(o.Reference.Name, true, name, false)
		}
		var rlay *layout
		n := t.Rows
		err := o.scanFileAs(ctx, o.Reference, nil, func(names []string, nfields int, delim byte, file string) (*layout, error) {
			return referenceLayout(lay, names, nfields, delim, file)
		}, func(rec *tableio.Record, l *layout) error {
			g, err := groupOf(rec, l, o.Reference.Name)
			if err != nil {
				return err
			}
			p, err := labelOf(rec, l, o.Reference.Name)
			if err != nil {
				return err
			}
			if g == GroupMajority {
				t.RefRows = append(t.RefRows, n)
				t.RefKeys = append(t.RefKeys, refKeyBase+uint64(rec.Row))
				t.RefPos = append(t.RefPos, p)
				n++
				if len(builders) > 0 { // none for --method random
					addFeatures(rec, l)
				}
			}
			return nil
		}, &rlay)
		if err != nil {
			return nil, err
		}
	}
	t.finish(lay, builders, sensBuilders)
	return t, nil
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

// finish builds the feature and sensitive columns.
func (t *Dataset) finish(lay *layout, builders, sensBuilders []*model.ColumnBuilder) {
	for _, b := range sensBuilders {
		t.Sensitive = append(t.Sensitive, b.Build())
	}
	// Features, without the identifier-like text columns the user did not name.
	var ids []string
	for j, b := range builders {
		c := b.Build()
		if !lay.explicit[lay.features[j]] && idLike(c) {
			ids = append(ids, fmt.Sprintf("%s (%d distinct values)", c.Name, len(c.Levels)))
			continue
		}
		t.Features = append(t.Features, c)
	}
	if len(ids) > 0 {
		t.Notices = append(t.Notices, fmt.Sprintf("left out of the features because nearly all their values are distinct, like identifiers: %s; name a column in --features to use it", strings.Join(ids, ", ")))
	}
}

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

func (f rowFilter) match(rec *tableio.Record) bool {
	for _, c := range f {
		ok := true
		for _, cp := range c {
			if !cp.p.match(rec.Value(cp.col)) {
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
				return nil, fferr.Usage("--where %q: %q is not COLUMN=VALUE, COLUMN!=VALUE or COLUMN<NUMBER", e, part)
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
			return nil, fferr.Usage("--reference %s has %d columns, the input %d: without a header on both, columns are matched by position, so the reference must have the same columns in the same order", file, nfields, in.nfields)
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
			return 0, fferr.Usage("--reference %s has no column %q, the input's %s column; the reference needs the label, sensitive and feature columns, by name (in any order)", file, name, role)
		}
		return 0, fferr.Usage("--reference %s has %d columns named %q (the input's %s column): it cannot tell which to read", file, len(hits), name, role)
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
