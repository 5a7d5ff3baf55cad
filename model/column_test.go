package model

import (
	"math"
	"reflect"
	"strconv"
	"testing"
)

func TestIsMissing(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "?", "NA", "na", "nA", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "None", "none"} {
		if !IsMissing(v) {
			t.Errorf("IsMissing(%q) = false, want true", v)
		}
	}
	for _, v := range []string{"0", "-", "??", "N", "NAs", "nil", "Nonee", "inf", " ", "n.a.", "missing"} {
		if IsMissing(v) {
			t.Errorf("IsMissing(%q) = true, want false", v)
		}
	}
}

func build(name string, force bool, vals ...string) Column {
	b := NewColumnBuilder(name, force)
	for _, v := range vals {
		b.Add(v)
	}
	return b.Build()
}

func buildBytes(name string, force bool, vals ...string) Column {
	b := NewColumnBuilder(name, force)
	buf := make([]byte, 0, 64)
	for _, v := range vals {
		buf = append(buf[:0], v...)
		b.AddBytes(buf)
		// Scribble over the buffer: the builder must not retain it.
		for i := range buf {
			buf[i] = 'X'
		}
	}
	return b.Build()
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func TestColumnBuilder(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, tc := range []struct {
		name    string
		force   bool
		vals    []string
		numeric bool
		num     []float64
		codes   []int32
		levels  []string
	}{
		{
			name: "numeric with missing", vals: []string{"1", "2.5", "", "?", "NA", "n/a", "NaN", "null", "None", "-3e2", "1"},
			numeric: true, num: []float64{1, 2.5, nan, nan, nan, nan, nan, nan, nan, -300, 1},
		},
		{
			name: "text first-seen order", vals: []string{"b", "a", "?", "b", "c", "a"},
			codes: []int32{0, 1, -1, 0, 2, 1}, levels: []string{"b", "a", "c"},
		},
		{
			name: "late text makes text", vals: []string{"1", "2", "", "x", "1.0", "2"},
			codes: []int32{0, 1, -1, 2, 3, 1}, levels: []string{"1", "2", "x", "1.0"},
		},
		{
			name: "inf is missing in a numeric column", vals: []string{"1", "inf", "2"},
			numeric: true, num: []float64{1, nan, 2},
		},
		{
			name: "Infinity is missing in a numeric column", vals: []string{"-Infinity", "3"},
			numeric: true, num: []float64{nan, 3},
		},
		{
			name: "overflow is missing in a numeric column", vals: []string{"1e999", "3"},
			numeric: true, num: []float64{nan, 3},
		},
		{
			name: "inf is a level in a text column", vals: []string{"1", "inf", "x"},
			codes: []int32{0, 1, 2}, levels: []string{"1", "inf", "x"},
		},
		{
			name: "forced categorical", force: true, vals: []string{"3", "1", "3", "", "2"},
			codes: []int32{0, 1, 0, -1, 2}, levels: []string{"3", "1", "2"},
		},
		{
			name: "all missing is numeric", vals: []string{"", "NA"},
			numeric: true, num: []float64{nan, nan},
		},
		{
			name: "empty", numeric: true, num: []float64{},
		},
	} {
		for _, bytes := range []bool{false, true} {
			var c Column
			if bytes {
				c = buildBytes("col", tc.force, tc.vals...)
			} else {
				c = build("col", tc.force, tc.vals...)
			}
			if c.Name != "col" || c.Numeric != tc.numeric {
				t.Errorf("%s (bytes=%v): name %q numeric %v, want col %v", tc.name, bytes, c.Name, c.Numeric, tc.numeric)
				continue
			}
			if c.Len() != len(tc.vals) {
				t.Errorf("%s (bytes=%v): Len = %d, want %d", tc.name, bytes, c.Len(), len(tc.vals))
			}
			if tc.numeric {
				if !sameFloats(c.Num, tc.num) || c.Codes != nil || c.Levels != nil {
					t.Errorf("%s (bytes=%v): got %+v, want Num %v", tc.name, bytes, c, tc.num)
				}
				continue
			}
			if c.Num != nil || !reflect.DeepEqual(c.Codes, tc.codes) || !reflect.DeepEqual(c.Levels, tc.levels) {
				t.Errorf("%s (bytes=%v): got codes %v levels %q, want %v %q", tc.name, bytes, c.Codes, c.Levels, tc.codes, tc.levels)
			}
		}
	}
}

func TestColumnBuilderCounts(t *testing.T) {
	t.Parallel()
	b := NewColumnBuilder("x", false)
	for _, v := range []string{"1", "2", "1", "", "3", "1"} {
		b.Add(v)
	}
	if b.Len() != 6 || b.Distinct() != 3 || !b.Numeric() {
		t.Fatalf("Len %d Distinct %d Numeric %v, want 6 3 true", b.Len(), b.Distinct(), b.Numeric())
	}
	c := b.Build()
	// Further Adds must not modify the built column.
	b.Add("9")
	b.Add("z")
	if len(c.Num) != 6 || c.Num[5] != 1 {
		t.Fatalf("built column changed: %v", c.Num)
	}
	if b.Len() != 8 || b.Distinct() != 5 || b.Numeric() {
		t.Fatalf("after more Adds: Len %d Distinct %d Numeric %v, want 8 5 false", b.Len(), b.Distinct(), b.Numeric())
	}
	c2 := b.Build()
	if c2.Numeric || !reflect.DeepEqual(c2.Codes, []int32{0, 1, 0, -1, 2, 0, 3, 4}) {
		t.Fatalf("second Build: %+v", c2)
	}
}

func TestColumnBuilderAddBytesNoAlloc(t *testing.T) {
	b := NewColumnBuilder("x", false)
	vals := [][]byte{[]byte("12.5"), []byte("7"), []byte("?"), []byte("hello")}
	for _, v := range vals {
		b.AddBytes(v)
	}
	// Pre-grow so that slice growth does not count.
	for i := 0; i < 1000; i++ {
		b.AddBytes(vals[i%4])
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, v := range vals {
			b.AddBytes(v)
		}
	})
	if allocs > 0.5 {
		t.Errorf("AddBytes of seen values allocates %.1f times per run", allocs)
	}
}

// TestColumnBuilderContinuous: a numeric column with many distinct values
// stops keeping a dictionary, keeps every value, and still turns into a text
// column if a text value follows.
func TestColumnBuilderContinuous(t *testing.T) {
	t.Parallel()
	b := NewColumnBuilder("w", false)
	n := numOnlyLevels + 500
	for i := 0; i < n; i++ {
		if i == 7 {
			b.AddBytes([]byte("?"))
			continue
		}
		b.AddBytes([]byte(strconv.Itoa(i * 3)))
	}
	if !b.numOnly || b.Len() != n || !b.Numeric() {
		t.Fatalf("numOnly %v len %d numeric %v", b.numOnly, b.Len(), b.Numeric())
	}
	c := b.Build()
	if !c.Numeric || len(c.Num) != n || c.Num[10] != 30 || !math.IsNaN(c.Num[7]) || c.Num[n-1] != float64((n-1)*3) {
		t.Fatalf("numbers wrong: %v %v %v", c.Num[10], c.Num[7], c.Num[n-1])
	}
	// Then a text value.
	b = NewColumnBuilder("w", false)
	for i := 0; i < n; i++ {
		b.Add(strconv.Itoa(i % (numOnlyLevels + 10)))
	}
	b.Add("")
	b.Add("n/a-ish")
	b.Add("5")
	c = b.Build()
	if c.Numeric || len(c.Codes) != n+3 {
		t.Fatalf("numeric %v, %d codes", c.Numeric, len(c.Codes))
	}
	if c.Levels[c.Codes[5]] != "5" || c.Codes[n] != -1 || c.Levels[c.Codes[n+1]] != "n/a-ish" || c.Codes[n+2] != c.Codes[5] {
		t.Fatalf("codes wrong: %q %d %q", c.Levels[c.Codes[5]], c.Codes[n], c.Levels[c.Codes[n+1]])
	}
}
