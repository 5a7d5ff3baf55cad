package transform

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	"github.com/fairflip/fairflip/scorer"
)

// writeFiles writes the named contents into a fresh directory and returns
// the paths.
func writeFiles(t *testing.T, names, files []string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(files[i]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// sources are paths as Sources.
func sources(paths []string) []Source {
	srcs := make([]Source, len(paths))
	for i, p := range paths {
		srcs[i] = Source{Path: p}
	}
	return srcs
}

// onePass flips the files as fairflip flip does: each file one shard,
// batches in parts of DefaultBatchRows.
func onePass(t *testing.T, paths []string, o Options) ([][]byte, *Plan, error) {
	t.Helper()
	o.partRows = 0
	outs, lf, err := flipSources(o, sources(paths))
	if err != nil {
		return nil, nil, err
	}
	return outs, &Plan{Summary: lf.Plan.Summary}, nil
}

// staged flips the files cut small: shards of about shardBytes (0: the
// default), batch parts of 37 rows, merged in the order order gives (nil:
// the table's).
func staged(t *testing.T, paths []string, o Options, shardBytes int64, order ...func(n int) []int) ([][]byte, *DistPlan, error) {
	t.Helper()
	o.partRows = 37
	var ord func(n int) []int
	if len(order) > 0 {
		ord = order[0]
	}
	lf, err := o.planLocal(context.Background(), sources(paths), shardBytes, ord)
	if err != nil {
		return nil, nil, err
	}
	var outs [][]byte
	for _, f := range lf.Files {
		var out bytes.Buffer
		if err := o.WriteDist(context.Background(), f, lf.Plan, &out); err != nil {
			return nil, nil, err
		}
		outs = append(outs, out.Bytes())
	}
	return outs, lf.Plan, nil
}

// sameFlip checks that a flip does not depend on how its table is cut:
// the files cut in small shards and batch parts give the same bytes and
// counts as each file read whole.
func sameFlip(t *testing.T, paths []string, o Options, shardBytes int64) *DistPlan {
	t.Helper()
	want, p, err := onePass(t, paths, o)
	if err != nil {
		t.Fatalf("whole: %v", err)
	}
	got, dp, err := staged(t, paths, o, shardBytes)
	if err != nil {
		t.Fatalf("cut small: %v", err)
	}
	for i := range want {
		if !bytes.Equal(want[i], got[i]) {
			t.Errorf("%s: the output cut small differs from the output read whole (%d vs %d bytes)", filepath.Base(paths[i]), len(got[i]), len(want[i]))
		}
	}
	a, b := p.Summary, dp.Summary
	if !reflect.DeepEqual(a, b) {
		t.Errorf("summaries differ:\n whole     %+v\n cut small %+v", a, b)
	}
	return dp
}

func TestStagedEqualsOnePass(t *testing.T) {
	t.Parallel()
	names, files := multiFiles(900)
	paths := writeFiles(t, names, files)
	rules := []FlipRule{{Kind: FlipCount, N: 40}, {Kind: FlipPercent, Percent: 50}, {Kind: FlipAuto}, {Kind: FlipCount, N: 100000}}
	for _, method := range scorer.Names() {
		for _, rule := range rules {
			if method == MethodRandom && rule.Kind == FlipAuto {
				continue
			}
			for _, shard := range []int64{0, 300} {
				t.Run(fmt.Sprintf("%s/%s/shard%d", method, rule, shard), func(t *testing.T) {
					o := baseOpts()
					o.Method, o.K, o.Alpha, o.Flips = method, 5, 0.6, rule
					o.Features = []string{"x"}
					sameFlip(t, paths, o, shard)
				})
			}
		}
	}
	t.Run("max-flips and reference sample", func(t *testing.T) {
		o := baseOpts()
		o.Alpha, o.Flips, o.MaxFlips, o.ReferenceSample = 0.5, FlipRule{Kind: FlipCount, N: 50}, 7, 100
		o.Features = []string{"x"}
		dp := sameFlip(t, paths, o, 256)
		if dp.Summary.Flips != 7 || dp.Summary.ReferenceRows != 100 {
			t.Errorf("flips %d reference rows %d, want 7 and 100", dp.Summary.Flips, dp.Summary.ReferenceRows)
		}
	})
	t.Run("reference file", func(t *testing.T) {
		ref := writeFiles(t, []string{"ref.csv"}, []string{synth(500)})
		for _, m := range []string{MethodRBProb, MethodRBLabel, MethodRandom} {
			o := baseOpts()
			o.Method, o.K, o.Alpha, o.Flips = m, 5, 0.7, FlipRule{Kind: FlipCount, N: 30}
			o.Features, o.Reference, o.ReferenceSample = []string{"x"}, ref[0], 200
			dp := sameFlip(t, paths, o, 300)
			if dp.Summary.ReferenceRows != 200 {
				t.Errorf("%s: %d reference rows, want 200", m, dp.Summary.ReferenceRows)
			}
		}
	})
	t.Run("nothing flips", func(t *testing.T) {
		o := baseOpts()
		o.Minority, o.Alpha, o.Flips = []string{"min"}, 0.001, FlipRule{Kind: FlipCount, N: 5}
		o.Positive = []string{"0"} // the sampled member is positive: empty pool
		dp := sameFlip(t, paths, o, 256)
		if dp.Summary.Flips != 0 {
			t.Errorf("%d flips, want 0", dp.Summary.Flips)
		}
	})
}

// TestStagedRealData splits real files into parts and shards and checks the
// staged flip against the one-process flip: text features with their
// levels, missing values, quoted fields, members.
func TestStagedRealData(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(testdata.Path(t, "adult/adult.data"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	lines = lines[:6000]
	parts := []string{strings.Join(lines[:2500], ""), strings.Join(lines[2500:2501], ""), "", strings.Join(lines[2501:], "")}
	parts[3] = strings.TrimSuffix(parts[3], "\n")
	paths := writeFiles(t, []string{"p0.csv", "p1.csv", "p2.csv", "p3.csv"}, parts)
	for _, m := range scorer.Names() {
		t.Run(m, func(t *testing.T) {
			o := Options{Config: Config{
				HeaderNames: strings.Split(testdata.AdultColumns, ","),
				Sensitive:   []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
				Method: m, Alpha: 0.4, Seed: 5, MaxFlips: -1, Flips: FlipRule{Kind: FlipCount, N: 60},
			}}
			sameFlip(t, paths, o, 64<<10)
		})
	}

	// Quoted fields with line breaks and delimiters, CRLF, and a members column.
	var b strings.Builder
	b.WriteString("id,note,age,job,grp,member,y\r\n")
	for i := 0; i < 400; i++ {
		note := fmt.Sprintf("plain %d", i%7)
		if i%5 == 0 {
			note = fmt.Sprintf("\"line one\nline, two %d\"", i%3)
		}
		g := "a"
		if i%4 == 0 {
			g = "b"
		}
		age := fmt.Sprint(20 + (i*7)%50)
		if i%11 == 0 {
			age = "NA"
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%d,%d\r\n", i, note, age, []string{"clerk", "exec", "farm", "tech"}[(i*3)%4], g, (i/3)%2, (i*11)%3%2)
	}
	text := b.String()
	half := strings.Index(text[len(text)/2:], "\r\n") + len(text)/2 + 2
	q := writeFiles(t, []string{"q0.csv", "q1.csv"}, []string{text[:half], "id,note,age,job,grp,member,y\r\n" + text[half:]})
	for _, m := range []string{MethodRBProb, MethodRBDist} {
		t.Run("quoted/"+m, func(t *testing.T) {
			o := baseOpts()
			o.Sensitive, o.Minority, o.Label = []string{"grp"}, []string{"b"}, "y"
			o.Members, o.Alpha = "member", 0
			o.Method, o.K, o.Flips = m, 3, FlipRule{Kind: FlipCount, N: 12}
			o.Exclude = []string{"id"}
			sameFlip(t, q, o, 500)
		})
	}
	bo := baseOpts()
	bo.Sensitive, bo.Minority, bo.Label = []string{"grp"}, []string{"b"}, "y"
	f, err := bo.Inspect(context.Background(), Source{Path: q[0]}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Shards) < 10 {
		t.Errorf("the quoted file has %d shards, want at least 10", len(f.Shards))
	}
	for _, sh := range f.Shards[1:] {
		// Each shard starts a record: after a CRLF outside quotes.
		if raw := []byte(text[:sh.Start]); !bytes.HasSuffix(raw, []byte("\r\n")) || bytes.Count(raw, []byte{'"'})%2 != 0 {
			t.Errorf("shard %d starts at byte %d, inside a record", sh.Index, sh.Start)
		}
	}
}

// TestStagedParquet flips a Parquet file of several row groups by row
// group, against the one-process flip of the same file.
func TestStagedParquet(t *testing.T) {
	t.Parallel()
	src := synth(700)
	pq := testdata.CSVToParquet(t, src, 64)
	paths := writeFiles(t, []string{"s.parquet"}, []string{string(pq)})
	for _, m := range scorer.Names() {
		t.Run(m, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.K, o.Alpha, o.Flips = m, 5, 0.5, FlipRule{Kind: FlipCount, N: 25}
			o.Features = []string{"x"}
			dp := sameFlip(t, paths, o, 0)
			csvPaths := writeFiles(t, []string{"s.csv"}, []string{src})
			_, cp, err := onePass(t, csvPaths, o)
			if err != nil {
				t.Fatal(err)
			}
			if dp.Summary.Flips != cp.Summary.Flips || dp.Summary.Pool != cp.Summary.Pool || !reflect.DeepEqual(dp.Summary.Notices, cp.Summary.Notices) {
				t.Errorf("flips %d pool %d, as CSV %d and %d", dp.Summary.Flips, dp.Summary.Pool, cp.Summary.Flips, cp.Summary.Pool)
			}
			f, err := o.Inspect(context.Background(), Source{Path: paths[0]}, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Shards) != 11 {
				t.Errorf("%d shards, want one per row group (11)", len(f.Shards))
			}
		})
	}
}

// TestStagedErrors: bad data in a later shard is reported with its file and
// line, and different columns are refused.
func TestStagedErrors(t *testing.T) {
	t.Parallel()
	names, files := multiFiles(300)
	files[4] = strings.Replace(files[4], ",min,0\n", ",min,\n", 1) // a missing label
	paths := writeFiles(t, names, files)
	o := baseOpts()
	o.Flips = FlipRule{Kind: FlipCount, N: 3}
	_, _, err1 := onePass(t, paths, o)
	_, _, err2 := staged(t, paths, o, 200)
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Fatalf("errors differ:\n one process %v\n staged      %v", err1, err2)
	}
	files[1] = strings.Replace(files[1], "id,x,g,y", "id,x,grp,y", 1)
	paths = writeFiles(t, names, files)
	_, _, err := staged(t, paths, o, 0)
	if err == nil || !strings.Contains(err.Error(), "different columns") {
		t.Fatalf("different columns: %v", err)
	}
}

// TestStagedMergeOrder: the plan does not depend on the order in which a
// runner merges the shards' partial results.
func TestStagedMergeOrder(t *testing.T) {
	t.Parallel()
	names, files := multiFiles(600)
	paths := writeFiles(t, names, files)
	for _, m := range scorer.Names() {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.Flips, o.ReferenceSample = m, 5, 0.5, FlipRule{Kind: FlipCount, N: 20}, 150
		_, want, err := staged(t, paths, o, 200)
		if err != nil {
			t.Fatal(err)
		}
		for seed := int64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewSource(seed))
			_, got, err := staged(t, paths, o, 200, r.Perm)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s: merging in another order changed the plan", m)
			}
		}
	}
}

// TestWire: a batch and reference rows survive their wire form, nil and
// empty slices apart, and a truncated or corrupted form is an error, not a
// panic.
func TestWire(t *testing.T) {
	t.Parallel()
	names, files := multiFiles(300)
	paths := writeFiles(t, names, files)
	o := baseOpts()
	o.Members = "" // no members column in these files
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	f, err := o.Inspect(context.Background(), Source{Path: paths[1]}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.Extract(context.Background(), f.Shards[0])
	if err != nil {
		t.Fatal(err)
	}
	b.Local, b.Notices = []int64{}, []string{"a notice"}
	data, _ := b.MarshalBinary()
	var got Batch
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(data, again) || got.Rows != b.Rows || !reflect.DeepEqual(got.Group, b.Group) || got.Local == nil || got.Member != nil {
		t.Fatalf("the batch changed on the wire")
	}
	for j := range b.Cols {
		if !reflect.DeepEqual(got.Cols[j].Levels, b.Cols[j].Levels) || !reflect.DeepEqual(got.Cols[j].Codes, b.Cols[j].Codes) {
			t.Fatalf("column %d changed on the wire", j)
		}
	}
	for _, m := range []int{-1, 2} { // all rows (keys as differences), or a sample (with hashes)
		ref := &RefRows{M: m, Keys: []uint64{3, 1 << 62}, H: []uint64{0, 9}, Pos: []bool{true, false},
			Num: [][]float64{{1.5, math.NaN()}, nil, {40, -3}}, Codes: [][]int32{nil, {0, -1}, nil}}
		if m < 0 {
			ref.H = []uint64{0, 0}
		}
		rdata, _ := ref.MarshalBinary()
		var rgot RefRows
		if err := rgot.UnmarshalBinary(rdata); err != nil {
			t.Fatal(err)
		}
		if r2, _ := rgot.MarshalBinary(); !bytes.Equal(rdata, r2) || rgot.Num[1] != nil || rgot.Codes[0] != nil || !math.IsNaN(rgot.Num[0][1]) ||
			!reflect.DeepEqual(rgot.Keys, ref.Keys) || !reflect.DeepEqual(rgot.H, ref.H) || !reflect.DeepEqual(rgot.Num[2], ref.Num[2]) || !reflect.DeepEqual(rgot.Codes[1], ref.Codes[1]) {
			t.Fatalf("the reference rows changed on the wire: %+v", rgot)
		}
		for n := 0; n < len(rdata); n++ {
			if err := new(RefRows).UnmarshalBinary(rdata[:n]); err == nil {
				t.Fatalf("reference rows cut to %d of %d bytes decoded without an error", n, len(rdata))
			}
		}
	}
	for n := 0; n < len(data); n += 1 + n/7 {
		if err := new(Batch).UnmarshalBinary(data[:n]); err == nil {
			t.Fatalf("a batch cut to %d of %d bytes decoded without an error", n, len(data))
		}
	}
	bad := append([]byte(nil), data...)
	for i := range bad {
		bad[i] ^= 0xff
		new(Batch).UnmarshalBinary(bad) // must not panic
		bad[i] ^= 0xff
	}
}

// Batches are cut into parts of a few rows in these tests, so that the
// parts' keys, dictionaries and counts are exercised on small tables.

// The local runner's reference (each batch writing its rows in place)
// is the reference the stages give: GatherRefRows over every batch's
// BatchReference, whatever the order of the batches.
func TestLocalReferenceIsGathered(t *testing.T) {
	names, files := multiFiles(600)
	paths := writeFiles(t, names, files)
	ctx := context.Background()
	o := baseOpts()
	o.Method, o.K = MethodRBProb, 5
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	var batches []*Batch
	var counts []ShardRows
	st := &Stats{}
	for i, p := range paths {
		f, err := o.Inspect(ctx, Source{Path: p}, i, 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range f.Shards {
			b, err := o.Extract(ctx, sh)
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows})
			st.Merge(o.BatchStats(b))
			batches = append(batches, b.Split(37)...)
		}
	}
	off := MakeOffsets(counts)
	lv := &Levels{}
	for _, b := range batches {
		lv.Merge(o.BatchLevels(b, off, st))
	}
	sp, err := o.MakeSpec(st, lv)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	r.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	parts := make([]*RefRows, len(batches))
	for i, b := range batches {
		parts[i] = o.BatchReference(b, off, sp)
	}
	want, _ := GatherRefRows(parts).MarshalBinary()
	ref, err := o.localReference(ctx, batches, off, sp, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ref.MarshalBinary()
	if ref.Len() == 0 || !bytes.Equal(got, want) {
		t.Fatalf("the local reference (%d rows) differs from the gathered one", ref.Len())
	}
}
