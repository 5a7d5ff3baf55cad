package figures

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/sweep"
)

// TestPlotDetect: with a detection (sweep --detect), Write adds the two
// detection figures per alpha, in DetectFiles' order, after the others,
// which are byte for byte those without; no undefined number is drawn
// (the flipped share at no flips is undefined).
func TestPlotDetect(t *testing.T) {
	t.Parallel()
	rs, cells := plotTestData(t)
	plainDir := t.TempDir()
	plain, err := Write(plainDir, rs, cells, plotTestInfo)
	if err != nil {
		t.Fatal(err)
	}
	det := slices.Clone(rs)
	for i, r := range det {
		if r.Side != sweep.SideCollective {
			continue
		}
		d := &sweep.Detection{FlaggedFlipped: 0.9 - 0.01*float64(r.Flips), FlaggedUntouched: 0.35, FlaggedUntouchedMi: 0.2,
			FlaggedUntouchedMiPos: 0.6 - 0.01*float64(r.Flips), Dropped: 100, Error: 0.16, EqOdMean: r.EqOdMean + 0.01}
		if r.Flips == 0 {
			d.FlaggedFlipped = math.NaN()
		}
		det[i].Detect = d
	}
	dir := t.TempDir()
	paths, err := Write(dir, det, plotTestCells(t, det), plotTestInfo)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range plain {
		want = append(want, filepath.Join(dir, filepath.Base(p)))
	}
	for _, f := range DetectFiles([]float64{0.3, 0.5}) {
		want = append(want, filepath.Join(dir, f))
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths:\n got %q\nwant %q", paths, want)
	}
	for _, p := range plain {
		if !strings.HasSuffix(p, ".svg") {
			continue
		}
		a, _ := os.ReadFile(p)
		b, _ := os.ReadFile(filepath.Join(dir, filepath.Base(p)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs with a detection", filepath.Base(p))
		}
	}
	for _, name := range []string{"detect_flagged_alpha0.3.svg", "detect_eqod_alpha0.5.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s contains an undefined number", name)
		}
		for _, txt := range []string{"rb-prob", "random", "dashed"} {
			if !strings.Contains(s, txt) {
				t.Errorf("%s lacks %q", name, txt)
			}
		}
	}
}
