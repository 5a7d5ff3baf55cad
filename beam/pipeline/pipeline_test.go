package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/fairflip/fairflip/internal/testfill"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

func TestMain(m *testing.M) { ptest.Main(m) }

// table writes a small table split into parts: LF, CRLF, header-only,
// empty, and one without a final newline.
func table(t *testing.T, n int) []string {
	t.Helper()
	var rows []string
	for i := 0; i < n; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		y := "0"
		if (i*7)%5 < 2 {
			y = "1"
		}
		job := []string{"clerk", "exec", "farm", "\"tech, senior\""}[(i*5)%4]
		x := fmt.Sprint((i * 13) % 17)
		if i%19 == 0 {
			x = "NA"
		}
		rows = append(rows, fmt.Sprintf("%d,%s,%s,%s,%s", i, x, job, g, y))
	}
	header := "id,x,job,g,y"
	third := n / 3
	parts := []string{
		header + "\n" + strings.Join(rows[:third], "\n") + "\n",
		header + "\r\n" + strings.Join(rows[third:2*third], "\r\n") + "\r\n",
		header + "\n",
		"",
		header + "\n" + strings.Join(rows[2*third:], "\n"),
	}
	dir := t.TempDir()
	var paths []string
	for i, p := range parts {
		path := filepath.Join(dir, fmt.Sprintf("part-%d.csv", i))
		if err := os.WriteFile(path, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

func opts(method string) transform.Options {
	o := transform.Options{Config: transform.Config{
		Sensitive: []string{"g"}, Minority: []string{"min"}, Label: "y", Positive: []string{"1"},
		Method: method, K: 5, Alpha: 0.6, Flips: transform.FlipRule{Kind: transform.FlipCount, N: 40},
		MaxFlips: -1, Seed: 11, Dialect: tableio.Dialect{Header: true}, Exclude: []string{"id"},
	}}
	if err := o.Validate(); err != nil {
		panic(err)
	}
	o.Log = nil
	return o
}

// onePass flips the files in one process, as `fairflip flip --output-dir` does.
func onePass(t *testing.T, paths []string, o transform.Options) ([][]byte, *transform.DistPlan) {
	t.Helper()
	var srcs []transform.Source
	for _, p := range paths {
		srcs = append(srcs, transform.Source{Path: p})
	}
	lf, err := o.PlanLocal(context.Background(), srcs, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outs [][]byte
	for _, f := range lf.Files {
		var b bytes.Buffer
		if err := o.WriteDist(context.Background(), f, lf.Plan, &b); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.Bytes())
	}
	return outs, lf.Plan
}

func runBeam(t *testing.T, runner string, paths []string, o transform.Options, shardBytes int64) ([][]byte, *Result) {
	t.Helper()
	out := t.TempDir()
	job := Job{Inputs: paths, OutDir: out, RunID: "test", ShardBytes: shardBytes, ResultPath: filepath.Join(out, ".result.json")}
	if err := job.SetOptions(o); err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	Build(s, job)
	if _, err := beam.Run(context.Background(), runner, p); err != nil {
		t.Fatalf("%s: %v", runner, err)
	}
	var outs [][]byte
	for _, in := range paths {
		b, err := os.ReadFile(filepath.Join(out, filepath.Base(in)))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	data, err := os.ReadFile(job.ResultPath)
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(out, ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	return outs, &res
}

// TestJobConfig: a Config with every field set reaches the workers
// unchanged (the reference as ReferencePath). A field added to Config is
// filled too, so one that does not travel fails here, not on a runner.
func TestJobConfig(t *testing.T) {
	var cfg transform.Config
	if err := testfill.Fill(&cfg); err != nil {
		t.Fatal(err)
	}
	j := &Job{ReferencePath: cfg.Reference}
	if err := j.setConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if got := j.options().Config; !reflect.DeepEqual(got, cfg) {
		t.Errorf("the workers' Config differs:\n%+v\n%+v", got, cfg)
	}
	// A Config that does not validate is refused before the pipeline.
	o := opts(transform.MethodRBProb)
	o.K = -1
	if err := (&Job{}).SetOptions(o); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("SetOptions of an invalid Config: %v", err)
	}
}

func TestPipelineEqualsOneProcess(t *testing.T) {
	paths := table(t, 900)
	for _, runner := range []string{"direct", "prism"} {
		for _, m := range scorer.Names() {
			t.Run(runner+"/"+m, func(t *testing.T) {
				o := opts(m)
				want, p := onePass(t, paths, o)
				got, res := runBeam(t, runner, paths, o, 256)
				for i := range want {
					if !bytes.Equal(want[i], got[i]) {
						t.Errorf("%s: Beam output differs from the one-process output", filepath.Base(paths[i]))
					}
				}
				s := res.Summary
				if s.Rows != p.Summary.Rows || s.Pool != p.Summary.Pool || s.Flips != p.Summary.Flips || len(s.Files) != len(paths) {
					t.Errorf("summary: rows %d pool %d flips %d files %d; one process: %d %d %d", s.Rows, s.Pool, s.Flips, len(s.Files), p.Summary.Rows, p.Summary.Pool, p.Summary.Flips)
				}
				for i := range s.Files {
					if s.Files[i].Flips != p.Summary.Files[i].Flips || s.Files[i].Rows != p.Summary.Files[i].Rows {
						t.Errorf("file %d: %+v, one process %+v", i, s.Files[i], p.Summary.Files[i])
					}
				}
			})
		}
	}
}

// TestCommitRetried: a runner may run the commit's bundle again; the
// second run finds the outputs in place and succeeds, and a missing
// temporary file without its output is an error.
func TestCommitRetried(t *testing.T) {
	dir := t.TempDir()
	job := Job{Inputs: []string{"/in/a.csv", "/in/b.csv"}, OutDir: dir, RunID: "r"}
	var w WrittenList
	for i, in := range job.Inputs {
		tmp := job.TempPath(in)
		if err := os.WriteFile(tmp, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		w.Files = append(w.Files, Written{Index: i, Temp: tmp, Final: job.OutPath(in)})
	}
	dp := &transform.DistPlan{Summary: transform.Summary{Files: make([]transform.PartSummary, 2)}}
	c := &commitFn{Job: job}
	for run := 1; run <= 2; run++ {
		if err := c.ProcessElement(context.Background(), &w, dp, &transform.Scorer{}); err != nil {
			t.Fatalf("commit run %d: %v", run, err)
		}
	}
	for _, in := range job.Inputs {
		if b, err := os.ReadFile(job.OutPath(in)); err != nil || string(b) != in {
			t.Fatalf("%s: %q, %v", job.OutPath(in), b, err)
		}
	}
	os.Remove(job.OutPath(job.Inputs[1]))
	if err := c.ProcessElement(context.Background(), &w, dp, &transform.Scorer{}); err == nil {
		t.Fatal("a commit with neither the temporary file nor the output succeeded")
	}
}

// TestFitCache: a worker process fits once per pipeline (key), however
// many bundles ask at once, keeps a failed fit's error, and fits again
// for another pipeline.
func TestFitCache(t *testing.T) {
	var c fitCache
	fits := 0
	fit := func() (*transform.Scorer, error) {
		fits++
		return &transform.Scorer{ID: fmt.Sprint(fits)}, nil
	}
	done := make(chan *transform.Scorer)
	for range 4 {
		go func() {
			sc, _ := c.get("a", fit)
			done <- sc
		}()
	}
	for range 4 {
		if sc := <-done; sc.ID != "1" {
			t.Fatalf("bundle got fit %q, want the one fit", sc.ID)
		}
	}
	if sc, _ := c.get("b", fit); sc.ID != "2" || fits != 2 {
		t.Fatalf("another pipeline got fit %q after %d fits", sc.ID, fits)
	}
	failed := errors.New("no fit")
	for range 2 {
		if _, err := c.get("c", func() (*transform.Scorer, error) { fits++; return nil, failed }); err != failed || fits != 3 {
			t.Fatalf("a failed fit: %v after %d fits", err, fits)
		}
	}
}
