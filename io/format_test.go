package tableio

import "testing"

func TestDetectFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		head string
		want Format
	}{
		{"a.parquet", "", Parquet},
		{"A.PQ", "", Parquet},
		{"a.tsv", "", TSV},
		{"a.csv", "PAR1", CSV}, // the name wins
		{"adult.data", "39, State-gov", CSV},
		{"", "PAR1\x15\x04", Parquet}, // stdin: the magic bytes
		{"", "id,x", CSV},
	}
	for _, c := range cases {
		if got := DetectFormat(c.path, []byte(c.head)); got != c.want {
			t.Errorf("DetectFormat(%q, %q) = %q, want %q", c.path, c.head, got, c.want)
		}
	}
	for in, want := range map[string]Format{"": "", "CSV": CSV, "parquet": Parquet, " tsv ": TSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("ParseFormat accepted xlsx")
	}
}
