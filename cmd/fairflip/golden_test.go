package main

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of testdata/cli")

// TestGoldenCLI runs the cases in testdata/cli. Each case is a folder:
//
//	cmd      the arguments, split at white space; IN stands for the path of in.csv,
//	         DIR/NAME for the case's file NAME, OUT for a fresh empty folder
//	expdir/  with OUT: the files expected in OUT afterwards
//	in.csv   the input
//	expout   the expected stdout
//	experr   the expected stderr (IN replaced by the path)
//	expcode  the expected exit code
//
// Run `go test ./cmd/fairflip -run Golden -update` to regenerate the
// expectations, then review the diff. Every successful flip case is also
// undone, with flip's dialect flags and with none, which must give in.csv
// back byte for byte.
func TestGoldenCLI(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "testdata", "cli")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no cases in testdata/cli")
	}
	for _, d := range dirs {
		dir := filepath.Join(root, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			cmd, err := os.ReadFile(filepath.Join(dir, "cmd"))
			if err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in.csv")
			args := strings.Fields(string(cmd))
			outDir := ""
			for i, a := range args {
				switch {
				case a == "IN":
					args[i] = in
				case a == "OUT":
					outDir = t.TempDir()
					args[i] = outDir
				case strings.HasPrefix(a, "DIR/"):
					args[i] = filepath.Join(dir, a[len("DIR/"):])
				}
			}
			r := runCLI(t, "", args...)
			gotErr := strings.ReplaceAll(r.stderr, in, "IN")
			if outDir != "" {
				gotErr = strings.ReplaceAll(gotErr, outDir, "OUT")
				checkOutDir(t, outDir, filepath.Join(dir, "expdir"))
			}
			gotErr = strings.ReplaceAll(gotErr, dir+string(filepath.Separator), "DIR/")
			gotCode := strconv.Itoa(r.code) + "\n"
			if *update {
				for name, content := range map[string]string{"expout": r.stdout, "experr": gotErr, "expcode": gotCode} {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			for name, got := range map[string]string{"expout": r.stdout, "experr": gotErr, "expcode": gotCode} {
				want, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
				}
			}
			if args[0] == "flip" && r.code == 0 && outDir == "" {
				var dialect []string
				for i, a := range args {
					switch a {
					case "--no-header":
						dialect = append(dialect, a)
					case "--comment", "--skip-lines", "--delimiter":
						dialect = append(dialect, a, args[i+1])
					}
				}
				// With flip's dialect flags, and with none: the audit cells
				// record what undo needs.
				orig, _ := os.ReadFile(in)
				for _, flags := range [][]string{dialect, nil} {
					back := runCLI(t, r.stdout, append([]string{"undo"}, flags...)...)
					if back.code != 0 || back.stdout != string(orig) {
						t.Errorf("undo %s did not restore in.csv (exit %d): %s", strings.Join(flags, " "), back.code, back.stderr)
					}
				}
			}
		})
	}
}

// checkOutDir compares the files in out with those in want (with -update,
// copies them there).
func checkOutDir(t *testing.T, out, want string) {
	t.Helper()
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		os.RemoveAll(want)
		if len(ents) == 0 {
			return
		}
		if err := os.MkdirAll(want, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(want, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	wents, _ := os.ReadDir(want)
	if len(wents) != len(ents) {
		t.Errorf("OUT has %d files, want %d", len(ents), len(wents))
	}
	for _, e := range wents {
		w, _ := os.ReadFile(filepath.Join(want, e.Name()))
		g, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil || string(g) != string(w) {
			t.Errorf("OUT/%s differs from expdir/%s (%v)", e.Name(), e.Name(), err)
		}
	}
}
