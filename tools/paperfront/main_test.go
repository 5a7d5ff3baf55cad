package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPaperPoints: the checked-in points parse, hold every table of
// PAPER.md's "plotted points" section (131 points), and select by data
// set and table.
func TestPaperPoints(t *testing.T) {
	f, err := os.Open("../../docs/reproduction/paper_points.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	points, err := parsePaper(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 131 {
		t.Errorf("%d points, want 131 (34 restricted-access, 97 firm-side)", len(points))
	}
	count := func(dataset, table string, names ...string) map[string]int {
		m := map[string]int{}
		for _, s := range selectPaper(points, dataset, table, names) {
			m[s.name] = len(s.points)
		}
		return m
	}
	if got := count("COMPAS", "restricted"); got["base"] != 1 || got["10 majority samples"] != 10 || got["all majority samples"] != 6 || len(got) != 3 {
		t.Errorf("COMPAS restricted: %v", got)
	}
	if got := count("Adult", "firm-side"); got["collective action"] != 8 || got["FARE"] != 12 || got["calibrated EqOd"] != 8 || got["base"] != 1 {
		t.Errorf("Adult firm-side: %v", got)
	}
	if got := count("ACS-Income", "firm-side", "base", "collective action"); len(got) != 2 || got["collective action"] != 5 {
		t.Errorf("ACS-Income firm-side base and collective action: %v", got)
	}
	if got := count("HSLS", "restricted"); len(got) != 0 {
		t.Errorf("HSLS has no restricted-access points: %v", got)
	}
	if got := count("Waterbirds", ""); got["restricted/all majority samples"] != 2 {
		t.Errorf("Waterbirds, every table: %v", got)
	}
	for _, bad := range []string{
		"data,series,error,eqod\n",
		"dataset,series,error,eqod\nCOMPAS,x,0.3,nope\n",
		"dataset,series,error,eqod\nCOMPAS,x,1.3,0.1\n",
		"dataset,series,error,eqod\n,x,0.3,0.1\n",
	} {
		if _, err := parsePaper(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestFront: the lower-left front of hand-made cells.
func TestFront(t *testing.T) {
	cells := []cell{{0.1, 0.30, "a"}, {0.05, 0.32, "b"}, {0.12, 0.31, "c"}, {0.05, 0.33, "d"}, {0.2, 0.29, "e"}, {0.1, 0.30, "a again"}}
	var got []string
	for _, c := range front(cells) {
		got = append(got, c.what)
	}
	if strings.Join(got, " ") != "b a e" {
		t.Errorf("front %v, want b a e", got)
	}
}

// TestRender: a figure from a small summary (filtered by method) and the
// paper's points is a PNG; bad series and files are refused.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "x.summary.csv")
	body := "side,method,alpha,flips_requested,runs,error_mean,eqod_mean_mean\n" +
		"collective,rb-prob,0.3,0,10,0.33,0.24\n" +
		"collective,rb-prob,0.3,100,10,0.34,0.10\n" +
		"collective,random,0.3,100,10,0.30,0.01\n" +
		"firm,massaging,0.3,100,10,0.35,0.05\n" +
		"collective,rb-prob,0.3,200,10,0.36,\n"
	if err := os.WriteFile(sum, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := parseSeries("fairflip=" + sum + ":method=rb-prob,rb-dist")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := readSummary(spec)
	if err != nil || len(cells) != 2 {
		t.Fatalf("cells %v, %v; want the two defined rb-prob cells", cells, err)
	}
	firm, _ := parseSeries("firm=" + sum + ":side=firm")
	if cells, err := readSummary(firm); err != nil || len(cells) != 1 || cells[0].what != "massaging, α 0.3, M 100" {
		t.Errorf("side=firm: %v %v", cells, err)
	}
	out := filepath.Join(dir, "f.png")
	if err := run("../../docs/reproduction/paper_points.csv", "COMPAS", "restricted", nil, "test", out, []string{"fairflip=" + sum + ":method=rb-prob"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() < 500 {
		t.Fatalf("not a figure: %v", err)
	}
	for _, bad := range []string{"fairflip", "=x.csv", "l=" + sum + ":colour=red", "l=" + sum + ":method="} {
		if _, err := parseSeries(bad); err == nil {
			t.Errorf("parseSeries(%q) accepted", bad)
		}
	}
	if err := run("../../docs/reproduction/paper_points.csv", "COMPAS", "nosuchtable", nil, "", out, nil); err == nil {
		t.Error("an empty selection of the paper's points is accepted")
	}
	if _, err := readSummary(seriesSpec{label: "l", path: sum, keep: map[string][]string{"method": {"rb-label"}}}); err == nil {
		t.Error("a series without cells is accepted")
	}
}
