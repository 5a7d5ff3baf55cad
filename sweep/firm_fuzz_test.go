package sweep

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParsePredictions: whatever an external firm prints, ParsePredictions
// returns exactly n predictions or an error, never panics; and a clean
// output of 0/1 lines always parses to those values.
func FuzzParsePredictions(f *testing.F) {
	for _, s := range []string{"1\n0\n1\n", "0.7\n0.2\n1e-3\n", "true\nno\nYES\n", "1\r\n0\r\n1", "NaN\n1\n0\n", "label\n1\n0\n1\n", "1\n0\n1\n\n\n", strings.Repeat("1", 5000) + "\n0\n1\n", "\xff\n0\n1\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, out []byte, n uint8) {
		pred, err := ParsePredictions(bytes.NewReader(out), int(n))
		if err == nil && len(pred) != int(n) {
			t.Fatalf("%d predictions for n = %d, and no error", len(pred), n)
		}
		// The same predictions written cleanly parse back to themselves.
		if err == nil {
			var b strings.Builder
			for _, p := range pred {
				if p {
					b.WriteString("1\n")
				} else {
					b.WriteString("0\n")
				}
			}
			again, err := ParsePredictions(strings.NewReader(b.String()), int(n))
			if err != nil {
				t.Fatalf("clean output: %v", err)
			}
			for i := range pred {
				if again[i] != pred[i] {
					t.Fatalf("row %d: %v, then %v", i, pred[i], again[i])
				}
			}
		}
	})
}
