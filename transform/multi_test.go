package transform

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
)

// multiFiles splits synth(n) into parts: LF, CRLF, header-only, empty
// (0 bytes), and a last part without a final newline.
func multiFiles(n int) (names []string, files []string) {
	lines := strings.Split(strings.TrimSuffix(synth(n), "\n"), "\n")
	header, rows := lines[0], lines[1:]
	third := len(rows) / 3
	a := header + "\n" + strings.Join(rows[:third], "\n") + "\n"
	b := header + "\r\n" + strings.Join(rows[third:2*third], "\r\n") + "\r\n"
	c := header + "\n"
	d := ""
	e := header + "\n" + strings.Join(rows[2*third:], "\n")
	return []string{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}, []string{a, b, c, d, e}
}

func flipFiles(t *testing.T, names, files []string, o Options) ([]string, *Plan, error) {
	t.Helper()
	var ins []*Input
	for i := range names {
		ins = append(ins, &Input{Name: names[i], Format: "csv", Open: BytesInput(names[i], []byte(files[i])).Open})
	}
	p, err := o.MakePlanFiles(context.Background(), ins)
	if err != nil {
		return nil, nil, err
	}
	var outs []string
	for i, in := range ins {
		var out bytes.Buffer
		if err := o.WritePart(context.Background(), p, i, in, &out); err != nil {
			return nil, nil, err
		}
		outs = append(outs, out.String())
	}
	return outs, p, nil
}

func TestMultiFileFlip(t *testing.T) {
	names, files := multiFiles(600)
	for _, method := range []string{MethodRBProb, MethodRBLabel, MethodRandom} {
		t.Run(method, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.K, o.Alpha = method, 5, 0.6
			o.Flips = FlipRule{Kind: FlipCount, N: 30}
			outs, p, err := flipFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Rows != 600 || p.Summary.Flips != 30 || len(p.Summary.Files) != 5 {
				t.Fatalf("summary: rows %d flips %d files %d", p.Summary.Rows, p.Summary.Flips, len(p.Summary.Files))
			}
			total := 0
			for i := range files {
				if files[i] == "" {
					if outs[i] != "" {
						t.Errorf("%s: empty input, output %q", names[i], outs[i])
					}
					continue
				}
				changed := changedRows(t, files[i], outs[i], o.Dialect, 3)
				total += len(changed)
				if got := p.Summary.Files[i].Flips; got != len(changed) {
					t.Errorf("%s: summary says %d flips, %d rows changed", names[i], got, len(changed))
				}
				for _, r := range changed {
					row := strings.Split(strings.Split(strings.ReplaceAll(files[i], "\r", ""), "\n")[r+1], ",")
					if row[2] != "min" || row[3] != "0" {
						t.Errorf("%s row %d flipped: %v", names[i], r, row)
					}
				}
				if back := undoBytes(t, outs[i], o.Dialect); back != files[i] {
					t.Errorf("%s: undo does not restore the file", names[i])
				}
			}
			if total != 30 {
				t.Errorf("%d rows changed in all, want 30", total)
			}
			// Determinism.
			again, _, err := flipFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range outs {
				if again[i] != outs[i] {
					t.Errorf("%s: a second run differs", names[i])
				}
			}
		})
	}
}

// With one file, the row key is the row number: the output is the one of a
// single-file flip, byte for byte.
func TestMultiFileOneFileIsSingleFlip(t *testing.T) {
	in := synth(500)
	for _, method := range []string{MethodRBProb, MethodRBDist, MethodRandom} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.ReferenceSample = method, 5, 0.5, 100
		o.Flips = FlipRule{Kind: FlipCount, N: 20}
		single, _, err := flipBytes(t, in, o)
		if err != nil {
			t.Fatal(err)
		}
		outs, _, err := flipFiles(t, []string{"t.csv"}, []string{in}, o)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0] != single {
			t.Errorf("%s: one file through MakePlanFiles differs from a single-file flip", method)
		}
	}
}

// The row key of row r of file i is i<<40 | r.
func TestMultiFileKeys(t *testing.T) {
	names, files := multiFiles(90)
	o := baseOpts()
	var ins []*Input
	for i := range names {
		ins = append(ins, &Input{Name: names[i], Format: "csv", Open: BytesInput(names[i], []byte(files[i])).Open})
	}
	ds, err := o.LoadFiles(context.Background(), ins)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]uint64{0: 0, 29: 29, 30: 1<<40 | 0, 59: 1<<40 | 29, 60: 4<<40 | 0, 89: 4<<40 | 29}
	for row, k := range want {
		if got := ds.Key(row); got != k {
			t.Errorf("Key(%d) = %#x, want %#x", row, got, k)
		}
	}
	for i, r := range ds.RefRows {
		if ds.RefKeys[i] != ds.Key(r) {
			t.Fatalf("reference row %d has key %#x, want %#x", r, ds.RefKeys[i], ds.Key(r))
		}
	}
}

func TestMultiFileNothingFlipped(t *testing.T) {
	names, files := multiFiles(300)
	o := baseOpts()
	o.Method = MethodRandom
	o.Flips = FlipRule{Kind: FlipCount, N: 0}
	outs, p, err := flipFiles(t, names, files, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Flips != 0 {
		t.Fatalf("%d flips", p.Summary.Flips)
	}
	for i := range files {
		if files[i] != "" && len(changedRows(t, files[i], outs[i], o.Dialect, 3)) != 0 {
			t.Errorf("%s changed", names[i])
		}
		if back := undoOrEmpty(t, outs[i], o); back != files[i] {
			t.Errorf("%s: undo does not restore the file", names[i])
		}
	}
}

func undoOrEmpty(t *testing.T, s string, o Options) string {
	if s == "" {
		return ""
	}
	return undoBytes(t, s, o.Dialect)
}

func TestMultiFileErrors(t *testing.T) {
	o := baseOpts()
	_, _, err := flipFiles(t, []string{"a.csv", "b.csv"}, []string{synth(30), strings.Replace(synth(30), "id,x", "id,z", 1)}, o)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "a.csv") || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("different headers: %v", err)
	}
	// A header-only file with other columns is refused too.
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{synth(30), "id,x,g\n"}, o)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("different header-only file: %v", err)
	}
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{"", ""}, o)
	if !errors.Is(err, fferr.ErrData) {
		t.Errorf("all empty: %v", err)
	}
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{"id,x,g,y\n", ""}, o)
	if !errors.Is(err, fferr.ErrData) {
		t.Errorf("no rows: %v", err)
	}
}

// TestMultiFilePartChangedBetweenPasses: a part that changes between the
// passes, keeping its size, is caught by that part's hash in pass 2 (bad
// data), and so is an empty part that is no longer empty.
func TestMultiFilePartChangedBetweenPasses(t *testing.T) {
	names, files := multiFiles(300)
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	for _, c := range []struct {
		part   int
		change func(string) string
	}{
		{1, func(s string) string { return strings.Replace(s, "\r\n1", "\r\n7", 1) }}, // same size
		{3, func(s string) string { return s + "x" }},                                 // the empty part
	} {
		var ins []*Input
		for i := range names {
			first, second := []byte(files[i]), []byte(files[i])
			if i == c.part {
				second = []byte(c.change(files[i]))
				if bytes.Equal(first, second) {
					t.Fatalf("part %d: the test's change changes nothing", i)
				}
			}
			opens := 0
			ins = append(ins, &Input{Name: names[i], Format: "csv", Open: func() (io.ReadCloser, error) {
				opens++
				if opens == 1 {
					return io.NopCloser(bytes.NewReader(first)), nil
				}
				return io.NopCloser(bytes.NewReader(second)), nil
			}})
		}
		p, err := o.MakePlanFiles(context.Background(), ins)
		if err != nil {
			t.Fatal(err)
		}
		var failed error
		for i, in := range ins {
			if err := o.WritePart(context.Background(), p, i, in, io.Discard); err != nil {
				if i != c.part {
					t.Fatalf("part %d failed, part %d changed: %v", i, c.part, err)
				}
				failed = err
			}
		}
		if failed == nil || !errors.Is(failed, fferr.ErrData) || !strings.Contains(failed.Error(), names[c.part]+" changed while it was being read") {
			t.Errorf("part %d changed: got %v, want a data error naming it", c.part, failed)
		}
	}
}
