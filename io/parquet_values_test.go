package tableio

import (
	"strings"
	"testing"
)

// TestParquetLabelValues: which columns can hold labels, and which label
// values each accepts (strictly, for the command line) and in what text
// form; ParquetCanonical is what a rewrite writes.
func TestParquetLabelValues(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqStandard(t))
	col := func(name string) ParquetColumn { return p.Columns()[pqCol(t, p, name)] }
	for _, name := range []string{"date", "ts", "i96", "uuid", "tags.list.element"} {
		if err := ParquetLabelType(col(name)); err == nil {
			t.Errorf("%s accepted as a label column", name)
		}
		if _, err := ParquetLabelValue(col(name), "1"); err == nil {
			t.Errorf("%s: a label value accepted", name)
		}
	}
	for _, tc := range []struct {
		col, text, want string // want "": refused
		form            string // part of the refusal message
	}{
		{"b", "true", "true", ""}, {"b", "false", "false", ""},
		{"b", "1", "", "true or false"}, {"b", "TRUE", "", "true or false"}, {"b", "yes", "", "true or false"},
		{"i8", "127", "127", ""}, {"i8", "+1", "1", ""}, {"i8", "128", "", "an integer from -128 to 127"}, {"i8", "1.0", "", "integer"},
		{"u8", "255", "255", ""}, {"u8", "-1", "", "an integer from 0 to 255"},
		{"i64", "-9223372036854775808", "-9223372036854775808", ""},
		{"u64", "18446744073709551615", "18446744073709551615", ""},
		{"f32", "0.5", "0.5", ""}, {"f32", "0.123456789", "0.12345679", ""}, {"f32", "NaN", "", "a finite number"}, {"f32", "1e40", "", "a finite number"},
		{"f64", "1", "1", ""}, {"f64", "-Inf", "", "a finite number"}, {"f64", "one", "", "a finite number"},
		{"d32", "1", "1.00", ""}, {"d32", "1.005", "", "at most 2 of them after the decimal point"}, {"d32", "1e2", "", "DECIMAL"},
		{"s", "yes", "yes", ""}, {"s", " padded ", " padded ", ""}, {"s", "caf\xe9", "", "not valid UTF-8"},
		{"enum", "C", "C", ""},
		{"bin", "yes", "yes", ""}, {"bin", "0x3078", "0x3078", ""},
	} {
		got, err := ParquetLabelValue(col(tc.col), tc.text)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %q: accepted as %q", tc.col, tc.text, got)
		case tc.want == "" && !strings.Contains(err.Error(), tc.form):
			t.Errorf("%s %q: error %q lacks %q", tc.col, tc.text, err, tc.form)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("%s %q: %q, %v; want %q", tc.col, tc.text, got, err, tc.want)
		}
	}
	// ParquetCanonical accepts what a rewrite writes: BOOLEAN in any of
	// strconv.ParseBool's spellings, non-finite numbers.
	for _, tc := range []struct{ col, text, want string }{
		{"b", "1", "true"}, {"b", "F", "false"}, {"f64", "NaN", "NaN"}, {"bin", "0x41", "A"}, {"bin", "0xZZ", "0x30785a5a"},
	} {
		if got, err := ParquetCanonical(col(tc.col), tc.text); err != nil || got != tc.want {
			t.Errorf("ParquetCanonical %s %q = %q, %v; want %q", tc.col, tc.text, got, err, tc.want)
		}
	}
	if _, err := ParquetCanonical(col("s"), "\xff"); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("ParquetCanonical of invalid UTF-8 into a STRING: %v", err)
	}
}
