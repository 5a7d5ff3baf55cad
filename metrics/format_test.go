package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// sampleReport returns a report with some undefined (NaN) values, for the
// formatting tests. Its values need not be consistent with one another.
func sampleReport() Report {
	nan := math.NaN()
	return Report{
		N: 31, Error: 7.0 / 31, Accuracy: 24.0 / 31, SP: 2.0 / 45,
		EqOdMean: nan, EqOdMax: nan, TPRGap: nan, FPRGap: 1.0 / 55,
		Minority: GroupStats{N: 10, BaseRate: 0, PositiveRate: 2.0 / 5, TPR: nan, FPR: 1.0 / 5, Error: 3.0 / 10},
		Majority: GroupStats{N: 18, BaseRate: 7.0 / 18, PositiveRate: 4.0 / 9, TPR: 6.0 / 7, FPR: 2.0 / 11, Error: 1.0 / 6},
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("Unmarshal into map: %v\n%s", err, b)
	}
	wantTop := map[string]any{
		"n": 31.0, "error": 7.0 / 31, "accuracy": 24.0 / 31, "sp": 2.0 / 45,
		"eqod_mean": nil, "eqod_max": nil, "tpr_gap": nil, "fpr_gap": 1.0 / 55,
	}
	wantGroup := map[string]map[string]any{
		"minority": {"n": 10.0, "base_rate": 0.0, "positive_rate": 2.0 / 5, "tpr": nil, "fpr": 1.0 / 5, "error": 3.0 / 10},
		"majority": {"n": 18.0, "base_rate": 7.0 / 18, "positive_rate": 4.0 / 9, "tpr": 6.0 / 7, "fpr": 2.0 / 11, "error": 1.0 / 6},
	}
	if len(m) != len(wantTop)+len(wantGroup) {
		t.Errorf("got %d top-level fields, want %d: %s", len(m), len(wantTop)+len(wantGroup), b)
	}
	checkFields := func(where string, got, want map[string]any) {
		t.Helper()
		for k, w := range want {
			g, ok := got[k]
			if !ok {
				t.Errorf("%s: field %q missing: %s", where, k, b)
				continue
			}
			if g != w { // nil for null, float64 for numbers (exact round trip)
				t.Errorf("%s: %q = %v, want %v", where, k, g, w)
			}
		}
	}
	checkFields("top level", m, wantTop)
	for name, w := range wantGroup {
		g, ok := m[name].(map[string]any)
		if !ok {
			t.Errorf("%q is %T, want an object: %s", name, m[name], b)
			continue
		}
		if len(g) != len(w) {
			t.Errorf("%q has %d fields, want %d: %s", name, len(g), len(w), b)
		}
		checkFields(name, g, w)
	}
	if !bytes.Contains(b, []byte(`"eqod_mean":null`)) {
		t.Errorf("NaN not encoded as null: %s", b)
	}

	// Field order as documented.
	order := []string{`"n"`, `"error"`, `"accuracy"`, `"sp"`, `"eqod_mean"`, `"eqod_max"`,
		`"tpr_gap"`, `"fpr_gap"`, `"minority"`, `"majority"`}
	last := -1
	for _, k := range order {
		i := bytes.Index(b, []byte(k))
		if i <= last {
			t.Errorf("field %s out of order in %s", k, b)
		}
		last = i
	}

	// A pointer and an embedded value marshal the same way.
	bp, err := json.Marshal(&r)
	if err != nil || !bytes.Equal(bp, b) {
		t.Errorf("Marshal(&r) = %s, %v; want %s", bp, err, b)
	}

	// Round trip: null comes back as NaN.
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	checkReport(t, back, r)

	// null and missing values decode as NaN.
	var partial Report
	if err := json.Unmarshal([]byte(`{"n":3,"error":null,"minority":{"n":1,"tpr":0.5}}`), &partial); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	nan := math.NaN()
	checkReport(t, partial, Report{
		N: 3, Error: nan, Accuracy: nan, SP: nan, EqOdMean: nan, EqOdMax: nan, TPRGap: nan, FPRGap: nan,
		Minority: GroupStats{N: 1, BaseRate: nan, PositiveRate: nan, TPR: 0.5, FPR: nan, Error: nan},
		Majority: nanStats(0),
	})
	f := jsonFloat(1)
	if err := json.Unmarshal([]byte("null"), &f); err != nil || !math.IsNaN(float64(f)) {
		t.Errorf("jsonFloat: null decodes as %v, %v; want NaN", f, err)
	}

	// Evaluate's report of empty input (NaN everywhere) marshals.
	empty, _ := Evaluate(nil, nil, nil)
	if _, err := json.Marshal(empty); err != nil {
		t.Errorf("Marshal(empty report): %v", err)
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sampleReport().WriteTable(&buf); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	out := buf.String()
	t.Logf("\n%s", out)
	for _, want := range []string{
		"error (misclassification rate)", "accuracy", "statistical parity difference",
		"equalized odds difference", "mean of gaps", "max of gaps",
		"base rate", "positive rate", "TPR", "FPR",
		"minority", "majority", "undefined",
		"31", "0.2258", // n and error 7/31
		"0.0444", // SP 2/45
		"0.8571", // majority TPR 6/7
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(strings.ToLower(out), "nan") {
		t.Errorf("table prints NaN:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	// The EqOd lines and the minority TPR are undefined.
	for _, l := range lines {
		if strings.Contains(l, "EqOd") && !strings.HasSuffix(l, "undefined") {
			t.Errorf("EqOd line should be undefined: %q", l)
		}
		if strings.HasPrefix(l, "minority") && strings.Count(l, "undefined") != 1 {
			t.Errorf("minority line should have exactly one undefined value (TPR): %q", l)
		}
		if strings.HasPrefix(l, "majority") && strings.Contains(l, "undefined") {
			t.Errorf("majority line has no undefined values: %q", l)
		}
	}

	if err := sampleReport().WriteTable(failWriter{}); err == nil {
		t.Error("WriteTable: write error not returned")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
