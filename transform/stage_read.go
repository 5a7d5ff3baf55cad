package transform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// The reading stages, Inspect and Extract, for every format: a format is
// reached only through tableio's TableFormat and Table, and the row loop is
// this package's one loop over a table's rows.

// readOptions are how this flip reads its tables.
func (o *Options) readOptions() tableio.ReadOptions {
	ro := tableio.ReadOptions{Dialect: o.Dialect, HeaderNames: o.HeaderNames, ParquetLimits: o.ParquetLimits, NoSHA256: o.NoInputSHA256}
	if o.IgnoreAudit {
		ro.OptionalLast = o.AuditColumn
	}
	return ro
}

// openTable opens a source as a table, with this package's wording of what
// can go wrong before a row is read.
func (o *Options) openTable(src Source) (tableio.Table, error) {
	t, _, err := tableio.OpenTable(tableio.Source{Path: src.Path, Name: src.Name}, src.Format, o.readOptions())
	if err == nil {
		return t, nil
	}
	var hn *tableio.HeaderNamesError
	switch {
	case errors.As(err, &hn) && hn.Header:
		return nil, fferr.Usage("%s:%d: the first record is the --header-names (%s): the file has a header; drop --no-header and --header-names", hn.File, hn.Line, strings.Join(hn.Names, ","))
	case errors.As(err, &hn):
		return nil, configErr("header-names", field("header-names"), fmt.Sprintf(" gives %d names, but %s has %d columns (line %d)", hn.Given, hn.File, hn.Cols, hn.Line))
	}
	return nil, classify(err)
}

// columnNames returns the names of columns (nil if they have none) and
// their count.
func columnNames(cols []tableio.Column, named bool) ([]string, int) {
	if !named {
		return nil, len(cols)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names, len(cols)
}

// tableLayout resolves the flags against a table's columns (columnLayout),
// and checks that a typed label column holds the --positive and
// --negative values (before any pass over the data; a file without rows
// has no label to read or write).
func (o *Options) tableLayout(t tableio.Table, delim byte, file string) (*layout, []string, error) {
	lay, notices, err := o.columnLayout(t.Columns(), t.Named(), delim, file)
	if err != nil {
		return nil, nil, err
	}
	if tt, ok := t.(tableio.TypedTable); ok && tt.Rows() > 0 {
		if err := o.checkLabelColumn(tt, lay.label, t.Columns()[lay.label]); err != nil {
			return nil, nil, err
		}
	}
	return lay, notices, nil
}

// columnLayout resolves the flags against a table's columns: the columns
// the plan reads must be flat (a nested or repeated column is carried
// through untouched, and left out of the default features, with a
// notice).
func (o *Options) columnLayout(cols []tableio.Column, named bool, delim byte, file string) (*layout, []string, error) {
	names, n := columnNames(cols, named)
	lay, err := o.buildLayout(names, n, delim, file)
	if err != nil {
		return nil, nil, err
	}
	check := func(i int, role string) error {
		if !cols[i].Flat {
			return configErr(role, field(role), fmt.Sprintf(" %s: column %q is nested or repeated (%s); fairflip carries such columns through untouched but cannot use them as %s", cols[i].Name, cols[i].Name, cols[i].Type, role))
		}
		return nil
	}
	if err := check(lay.label, "label"); err != nil {
		return nil, nil, err
	}
	for _, s := range lay.sensitive {
		if err := check(s, "sensitive"); err != nil {
			return nil, nil, err
		}
	}
	if lay.members >= 0 {
		if err := check(lay.members, "members"); err != nil {
			return nil, nil, err
		}
	}
	var feats []int
	var skipped, notices []string
	for _, f := range lay.features {
		if cols[f].Flat {
			feats = append(feats, f)
			continue
		}
		if lay.explicit[f] {
			return nil, nil, check(f, "features")
		}
		skipped = append(skipped, cols[f].Name)
	}
	lay.features = feats
	if len(skipped) > 0 {
		notices = append(notices, fmt.Sprintf("nested or repeated columns are carried through untouched and are not features: %s", strings.Join(skipped, ", ")))
	}
	if lay.audit >= 0 && !cols[lay.audit].Flat {
		return nil, nil, fferr.Usage("the audit column %q is nested", cols[lay.audit].Name)
	}
	return lay, notices, nil
}

// delimiterOf is a CSV table's delimiter (0 for other formats).
func delimiterOf(t tableio.Table) byte {
	if d, ok := t.(interface{ Delimiter() byte }); ok {
		return d.Delimiter()
	}
	return 0
}

// Inspect reads one file: its columns, its SHA-256 and its shards (CSV:
// pieces of about shardBytes, cut at records; Parquet: row groups).
// index is the file's place in the table, or RefFile.
func (o *Options) Inspect(ctx context.Context, src Source, index int, shardBytes int64) (*DistFile, error) {
	f, sums, err := o.inspect(ctx, src, index, shardBytes, 0)
	if err != nil {
		return nil, err
	}
	if err := sums(); err != nil {
		return nil, err
	}
	return f, nil
}

// inspect is Inspect, but a CSV file's sums (SHA256, ChangeSum) may still
// be being taken, on another goroutine, when it returns: sums waits for
// them, fills them in and closes the file. Call sums once the sums are
// needed, and in any case (it may be called again: it then does nothing).
//
// With pipe workers (> 0), a line-based file is not cut yet: its shards
// are cut while it is read once, for its sums and its shards' bytes
// (DistFile.pipe, tableio.ShardPipe), by pipeShardBytes at most; sums
// must then be called after the pipe was read to its end (a shardFeed),
// or it stops the read and returns an error.
func (o *Options) inspect(ctx context.Context, src Source, index int, shardBytes int64, pipe int) (_ *DistFile, sums func() error, err error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	if shardBytes <= 0 {
		shardBytes = DefaultShardBytes
	}
	path, name := src.Path, src.name()
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fferr.IO(err)
	}
	in := src.input()
	f := &DistFile{Index: index, Path: path, Name: name, Format: in.Format, Size: st.Size(), ModTime: st.ModTime().UnixNano()}
	t, err := o.openTable(f.source())
	if err != nil {
		if errors.Is(err, tableio.ErrNoHeader) {
			if index == RefFile {
				return nil, nil, fferr.Data("--reference %s has no header or data record", name)
			}
			return nil, nil, fferr.Data("%s has no header or data record (only lines passed through): a part of a table needs its header, or no bytes at all", name)
		}
		return nil, nil, err
	}
	closing := t // closed on return, unless sums will close it
	defer func() {
		if closing != nil {
			closing.Close()
		}
	}()
	if t.Empty() {
		if index == RefFile {
			return nil, nil, fferr.Data("--reference %s is empty", name)
		}
		f.Empty = true
	}
	f.Names, f.NFields = columnNames(t.Columns(), t.Named())
	f.Columns = t.Columns()
	f.Delim = delimiterOf(t)
	if tt, ok := t.(tableio.TypedTable); ok {
		f.Rows = tt.Rows()
	}
	if !f.Empty && index != RefFile {
		if err := o.checkTable(ctx, t, f); err != nil {
			return nil, nil, err
		}
	}
	var shards []tableio.Shard
	var later func() (string, error)
	pt, piped := t.(tableio.PipedShards)
	if piped && pipe > 0 && !f.Empty {
		f.pipe = pt.PipeShards(min(shardBytes, pipeShardBytes), pipe)
		later = func() (string, error) {
			sha, change, err := f.pipe.Sums()
			f.ChangeSum = change
			return sha, err
		}
	} else if sl, ok := t.(tableio.LaterShards); ok {
		shards, later, err = sl.ShardsLater(ctx, shardBytes)
	} else {
		var sha string
		sha, shards, err = t.Shards(ctx, shardBytes)
		later = func() (string, error) { return sha, nil }
	}
	if err != nil {
		return nil, nil, classify(err)
	}
	for _, s := range shards {
		f.Shards = append(f.Shards, f.shard(s))
	}
	if len(shards) > 0 {
		f.CountLine = shards[0].CountLine
	}
	closing = nil
	var once sync.Once
	var serr error
	sums = func() error {
		once.Do(func() {
			defer t.Close()
			sha, err := later()
			if err != nil {
				serr = classify(err)
				return
			}
			f.SHA256 = sha
			if cs, ok := t.(tableio.ChangeSummed); ok && f.pipe == nil {
				f.ChangeSum = cs.ChangeSum()
			}
		})
		return serr
	}
	return f, sums, nil
}

// pipeShardBytes is the most bytes of a shard cut by a pipe: the pipe
// keeps a few shards' bytes in memory (workers+2).
const pipeShardBytes = 2 << 20

// shard is the shard s of the file f.
func (f *DistFile) shard(s tableio.Shard) Shard {
	return Shard{File: f.Index, Index: s.Index, Path: f.Path, Name: f.Name, Format: f.Format,
		Start: s.Start, End: s.End, Line: s.Line, Delim: s.Delim, NFields: s.NFields, CountLine: s.CountLine, Names: f.Names, data: s.Data}
}

// checkTable checks what can be checked of a file of the table before its
// rows are read: the flags against its columns (a later file's columns
// that differ from the first's are reported by CheckFiles, which compares
// them), a Parquet footer's row count against the label's pages, and, with
// --replace-audit, its audit column as undo would check it.
func (o *Options) checkTable(ctx context.Context, t tableio.Table, f *DistFile) error {
	lay, _, err := o.tableLayout(t, f.Delim, f.Name)
	if err != nil {
		if f.Index > 0 {
			return nil
		}
		return err
	}
	if rc, ok := t.(interface{ CheckRows(col int) error }); ok {
		if err := rc.CheckRows(lay.label); err != nil {
			return classify(err)
		}
	}
	if o.ReplaceAudit && lay.audit >= 0 {
		if f.Prior, err = o.checkPriorAudit(ctx, t, f, lay); err != nil {
			return err
		}
	}
	return nil
}

// Extract reads one shard with the table's reader and the rules: per data
// row its group, label, membership, feature cells and (for eval and sweep)
// sensitive cells; --where drops the rows it does not keep (eval and sweep
// only). A --reference shard keeps its majority rows.
func (o *Options) Extract(ctx context.Context, sh Shard) (*Batch, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	b := &Batch{File: sh.File, Shard: sh.Index, PositiveRow: -1}
	t, err := o.openTable(sh.source())
	if err != nil {
		return nil, err
	}
	defer t.Close()
	lay, tableLay, notices, err := o.shardLayout(sh, t)
	if err != nil {
		return nil, err
	}
	if sh.Index == 0 {
		b.Notices = notices
	}
	if err := o.featureLayout(b, lay, tableLay, sh.Name); err != nil {
		return nil, err
	}
	var where rowFilter
	if len(o.Where) > 0 {
		if where, err = parseWhere(o.Where, lay, sh.Name); err != nil {
			return nil, err
		}
	}
	ref := sh.File == RefFile
	// The columns to read, and where each lands in a Row's cells.
	var cols []int
	at := func(c int) int { cols = append(cols, c); return len(cols) - 1 }
	sens := make([]int, len(lay.sensitive))
	for i, c := range lay.sensitive {
		sens[i] = at(c)
	}
	label := at(lay.label)
	members := -1
	if lay.members >= 0 && !ref {
		members = at(lay.members)
	}
	feats := make([]int, len(lay.features))
	for j, c := range lay.features {
		feats[j] = at(c)
	}
	whereAt := map[int]int{}
	for _, conj := range where {
		for _, cp := range conj {
			if _, ok := whereAt[cp.col]; !ok {
				whereAt[cp.col] = at(cp.col)
			}
		}
	}
	if o.KeepSensitive {
		b.Sens = make([]CodedColumn, len(lay.sensitive))
	}
	cells, sensText, labelText := make([]string, len(sens)), make([]cellText, len(sens)), &cellText{}
	spec := tableio.Shard{Index: sh.Index, Start: sh.Start, End: sh.End, Line: sh.Line, Delim: sh.Delim, NFields: sh.NFields, CountLine: sh.CountLine, Data: sh.data}
	rowErrAt := func(row *tableio.Row, col int, err error) error {
		return fferr.Wrap(fferr.ErrData, row.Where(sh.Name, col, lay.colName(col), err))
	}
	err = t.Read(ctx, spec, cols, func(row *tableio.Row) error {
		b.RowsRead++
		if where != nil && !where.matchCells(func(c int) string { return string(row.Cells[whereAt[c]]) }) {
			return nil
		}
		n := b.Rows
		b.Rows++
		for i, k := range sens {
			cells[i] = sensText[i].text(row.Cells[k])
		}
		g, err := rules.group(cells)
		if err != nil {
			return rowErrAt(row, lay.sensitive[0], err)
		}
		had := rules.positiveText != ""
		p, err := rules.label(labelText.text(row.Cells[label]))
		if err != nil {
			return rowErrAt(row, lay.label, err)
		}
		if !had && rules.positiveText != "" {
			b.PositiveText, b.PositiveRow = rules.positiveText, n
		}
		if ref && g != GroupMajority {
			return nil
		}
		if ref {
			b.Local = append(b.Local, int64(n))
		}
		b.Group = append(b.Group, g)
		b.Positive = append(b.Positive, p)
		if members >= 0 {
			b.Member = append(b.Member, !(row.Null != nil && row.Null[members]) && rules.member(string(row.Cells[members])))
			if row.Null != nil && row.Null[members] {
				rules.member("")
			}
		}
		for j, k := range feats {
			b.Cols[j].add(row.Cells[k]) // a null is empty: missing
		}
		for i, k := range sens {
			if b.Sens != nil {
				b.Sens[i].addDistinct(row.Cells[k])
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, fferr.ErrData) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, classify(err)
	}
	if !ref {
		b.NearPositive, b.NonMembers = rules.tallies()
	}
	return b, nil
}

// cellText turns one column's cells into strings, reusing the string of
// an equal cell seen before: a group or label column has few values, so a
// row costs a map look-up instead of an allocation.
// The previous row's value is tried first: runs of one value are common.
// The first cellTextFew values are found by comparison, the others by a
// map look-up.
type cellText struct {
	last string
	few  []string
	seen map[string]string
}

// cellTextFew is how many values a cellText finds without its map.
const cellTextFew = 8

// cellTextLimit bounds the values a cellText keeps.
const cellTextLimit = 1 << 10

func (c *cellText) text(b []byte) string {
	if string(b) == c.last {
		return c.last
	}
	for _, s := range c.few {
		if string(b) == s {
			c.last = s
			return s
		}
	}
	if len(c.few) < cellTextFew {
		s := string(b)
		c.few = append(c.few, s)
		c.last = s
		return s
	}
	s, ok := c.seen[string(b)]
	if !ok {
		s = string(b)
		if c.seen == nil {
			c.seen = map[string]string{}
		}
		if len(c.seen) < cellTextLimit {
			c.seen[s] = s
		}
	}
	c.last = s
	return s
}
