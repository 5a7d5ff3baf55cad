package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoOutputIsAnInput tries every way an output of a command can be one of
// its inputs: the same path, a hard link, a symbolic link, /dev/stdin and
// /dev/stdout, standard input or standard output redirected from or to an
// input file, for every output (-o, --summary, --output-dir parts, sweep's
// -o and the files beside it, --plots, the report on standard output) and
// every input (INPUT, --reference, --test, --train, each file of a
// multi-file table, standard input). Each must be refused with exit 2 and a
// message that names both, before anything is written: every file keeps its
// bytes, no file appears or disappears.
func TestNoOutputIsAnInput(t *testing.T) {
	t.Parallel()
	flip := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1", "-q"}
	sim := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "-q"}
	grid := append([]string{"--methods", "random", "--alpha", "1", "--flips", "0,1", "--runs", "1"}, sim...)
	cases := []struct {
		name   string
		setup  func(dir string) // links, made before the snapshot
		stdin  string           // a file of dir opened as standard input, or ""
		stdout string           // a file of dir opened (to append) as standard output, or ""
		args   []string         // "DIR/" is replaced by the test's folder
		names  []string         // what the message must name
	}{
		{name: "flip -o INPUT", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/in.csv"}, flip...), names: []string{"-o DIR/in.csv", "INPUT DIR/in.csv"}},
		{name: "flip -o a relative path to INPUT", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/sub/../in.csv"}, flip...), names: []string{"-o DIR/sub/../in.csv", "INPUT DIR/in.csv"},
			setup: func(dir string) { os.Mkdir(filepath.Join(dir, "sub"), 0o755) }},
		{name: "flip -o a hard link to INPUT", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/hard.csv"}, flip...), names: []string{"-o DIR/hard.csv", "INPUT DIR/in.csv"},
			setup: func(dir string) { must(os.Link(filepath.Join(dir, "in.csv"), filepath.Join(dir, "hard.csv"))) }},
		{name: "flip -o a symlink to INPUT", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/sym.csv"}, flip...), names: []string{"-o DIR/sym.csv", "INPUT DIR/in.csv"},
			setup: func(dir string) { must(os.Symlink("in.csv", filepath.Join(dir, "sym.csv"))) }},
		{name: "flip -o --reference", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/ref.csv", "--reference", "DIR/ref.csv"}, flip...), names: []string{"-o DIR/ref.csv", "--reference DIR/ref.csv"}},
		{name: "flip --summary --reference", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/out.csv", "--summary", "DIR/ref.csv", "--reference", "DIR/ref.csv"}, flip...), names: []string{"--summary DIR/ref.csv", "--reference DIR/ref.csv"}},
		{name: "flip --summary INPUT", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/out.csv", "--summary", "DIR/in.csv"}, flip...), names: []string{"--summary DIR/in.csv", "INPUT DIR/in.csv"}},
		{name: "flip - -o the file on stdin", stdin: "in.csv", args: append([]string{"flip", "-", "-o", "DIR/in.csv"}, flip...), names: []string{"-o DIR/in.csv", "standard input, the file DIR/in.csv"}},
		{name: "flip - --summary the file on stdin", stdin: "in.csv", args: append([]string{"flip", "-", "-o", "DIR/out.csv", "--summary", "DIR/in.csv"}, flip...), names: []string{"--summary DIR/in.csv", "standard input, the file DIR/in.csv"}},
		{name: "flip /dev/stdin -o the file on stdin", stdin: "in.csv", args: append([]string{"flip", "/dev/stdin", "-o", "DIR/in.csv"}, flip...), names: []string{"-o DIR/in.csv", "INPUT /dev/stdin"}},
		{name: "flip INPUT >> INPUT", stdout: "in.csv", args: append([]string{"flip", "DIR/in.csv"}, flip...), names: []string{"-o - (standard output, the file DIR/in.csv)", "INPUT DIR/in.csv"}},
		{name: "flip --reference R >> R", stdout: "ref.csv", args: append([]string{"flip", "DIR/in.csv", "--reference", "DIR/ref.csv"}, flip...), names: []string{"standard output, the file DIR/ref.csv", "--reference DIR/ref.csv"}},
		{name: "flip -o /dev/stdout >> INPUT", stdout: "in.csv", args: append([]string{"flip", "DIR/in.csv", "-o", "/dev/stdout"}, flip...), names: []string{"-o /dev/stdout", "INPUT DIR/in.csv"}},
		{name: "flip --summary - >> INPUT", stdout: "in.csv", args: append([]string{"flip", "DIR/in.csv", "-o", "DIR/out.csv", "--summary", "-"}, flip...), names: []string{"--summary - (standard output, the file DIR/in.csv)", "INPUT DIR/in.csv"}},
		{name: "flip --output-dir --summary a part", args: append([]string{"flip", "--output-dir", "DIR/out", "DIR/parts/a.csv", "DIR/parts/b.csv", "--summary", "DIR/parts/b.csv"}, flip...), names: []string{"--summary DIR/parts/b.csv", "INPUT DIR/parts/b.csv"}},
		{name: "flip --output-dir a part is a hard link to another input", args: append([]string{"flip", "--output-dir", "DIR/out", "DIR/parts/a.csv", "DIR/parts/b.csv"}, flip...), names: []string{"--output-dir DIR/out/a.csv", "INPUT DIR/parts/b.csv"},
			setup: func(dir string) { must(os.Link(filepath.Join(dir, "parts/b.csv"), filepath.Join(dir, "out/a.csv"))) }},
		{name: "flip --output-dir a part is --reference", args: append([]string{"flip", "--output-dir", "DIR/out", "DIR/parts/a.csv", "--reference", "DIR/out/a.csv"}, flip...), names: []string{"--output-dir DIR/out/a.csv", "--reference DIR/out/a.csv"},
			setup: func(dir string) { must(os.WriteFile(filepath.Join(dir, "out/a.csv"), []byte(small), 0o644)) }},
		{name: "undo -o INPUT", args: []string{"undo", "DIR/flipped.csv", "-o", "DIR/flipped.csv"}, names: []string{"-o DIR/flipped.csv", "INPUT DIR/flipped.csv"}},
		{name: "undo - -o the file on stdin", stdin: "flipped.csv", args: []string{"undo", "-", "-o", "DIR/flipped.csv"}, names: []string{"-o DIR/flipped.csv", "standard input, the file DIR/flipped.csv"}},
		{name: "undo INPUT >> INPUT", stdout: "flipped.csv", args: []string{"undo", "DIR/flipped.csv"}, names: []string{"standard output, the file DIR/flipped.csv", "INPUT DIR/flipped.csv"}},
		{name: "undo --output-dir a part is a symlink to its input", args: []string{"undo", "--output-dir", "DIR/out", "DIR/parts/a.csv"}, names: []string{"--output-dir DIR/out/a.csv", "INPUT DIR/parts/a.csv"},
			setup: func(dir string) { must(os.Symlink("../parts/a.csv", filepath.Join(dir, "out/a.csv"))) }},
		{name: "eval >> --train", stdout: "in.csv", args: append([]string{"eval", "--train", "DIR/in.csv", "--test", "DIR/test.csv"}, sim...), names: []string{"standard output, the file DIR/in.csv", "--train DIR/in.csv"}},
		{name: "eval >> --test", stdout: "test.csv", args: append([]string{"eval", "--train", "DIR/in.csv", "--test", "DIR/test.csv"}, sim...), names: []string{"standard output, the file DIR/test.csv", "--test DIR/test.csv"}},
		{name: "eval --train - >> the file on stdin", stdin: "in.csv", stdout: "in.csv", args: append([]string{"eval", "--train", "-", "--test", "DIR/test.csv"}, sim...), names: []string{"standard output, the file DIR/in.csv", "standard input, the file DIR/in.csv"}},
		{name: "sweep -o INPUT", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "-o", "DIR/in.csv"}, grid...), names: []string{"-o DIR/in.csv", "INPUT DIR/in.csv"}},
		{name: "sweep -o --test", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "-o", "DIR/test.csv"}, grid...), names: []string{"-o DIR/test.csv", "--test DIR/test.csv"}},
		{name: "sweep FILE.summary.csv is INPUT", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "-o", "DIR/res.csv"}, grid...), names: []string{"-o DIR/res.summary.csv", "INPUT DIR/in.csv"},
			setup: func(dir string) { must(os.Link(filepath.Join(dir, "in.csv"), filepath.Join(dir, "res.summary.csv"))) }},
		{name: "sweep FILE.summary.json is --test", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "-o", "DIR/res.csv"}, grid...), names: []string{"-o DIR/res.summary.json", "--test DIR/test.csv"},
			setup: func(dir string) { must(os.Symlink("test.csv", filepath.Join(dir, "res.summary.json"))) }},
		{name: "sweep --plots file is INPUT", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "--plots", "DIR/out"}, grid...), names: []string{"--plots DIR/out/pareto_error_eqod.png", "INPUT DIR/in.csv"},
			setup: func(dir string) { must(os.Symlink("../in.csv", filepath.Join(dir, "out/pareto_error_eqod.png"))) }},
		{name: "sweep --plots alpha file is --test", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv", "--plots", "DIR/out"}, grid...), names: []string{"--plots DIR/out/eqod_vs_flips_alpha1.svg", "--test DIR/test.csv"},
			setup: func(dir string) {
				must(os.Link(filepath.Join(dir, "test.csv"), filepath.Join(dir, "out/eqod_vs_flips_alpha1.svg")))
			}},
		{name: "sweep >> INPUT", stdout: "in.csv", args: append([]string{"sweep", "DIR/in.csv", "--test", "DIR/test.csv"}, grid...), names: []string{"standard output, the file DIR/in.csv", "INPUT DIR/in.csv"}},
		{name: "sweep - -o the file on stdin", stdin: "in.csv", args: append([]string{"sweep", "-", "--test", "DIR/test.csv", "-o", "DIR/in.csv"}, grid...), names: []string{"-o DIR/in.csv", "standard input, the file DIR/in.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				dir = real // /proc/self/fd names the real path
			}
			for _, sub := range []string{"parts", "out"} {
				must(os.Mkdir(filepath.Join(dir, sub), 0o755))
			}
			table := bigCSV(60)
			writeFile(t, dir, "in.csv", table)
			writeFile(t, dir, "ref.csv", table)
			writeFile(t, dir, "test.csv", table)
			writeFile(t, dir, "parts/a.csv", table)
			writeFile(t, dir, "parts/b.csv", table)
			flipped := filepath.Join(dir, "flipped.csv")
			if r := runCLI(t, "", append([]string{"flip", filepath.Join(dir, "in.csv"), "-o", flipped}, flip...)...); r.code != 0 {
				t.Fatalf("making the flipped file: %s", r.stderr)
			}
			must(os.WriteFile(filepath.Join(dir, "parts/a.csv"), mustRead(flipped), 0o644))
			if c.setup != nil {
				c.setup(dir)
			}
			before := snapshot(t, dir)

			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "DIR/", dir+"/")
			}
			// A process of its own: /dev/stdin and /dev/stdout are its own
			// streams, as in a shell.
			cmd := fairflipCmd(t, t.TempDir(), args...)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if c.stdin != "" {
				f, err := os.Open(filepath.Join(dir, c.stdin))
				must(err)
				defer f.Close()
				cmd.Stdin = f
			}
			var outb bytes.Buffer
			cmd.Stdout = &outb
			if c.stdout != "" {
				f, err := os.OpenFile(filepath.Join(dir, c.stdout), os.O_WRONLY|os.O_APPEND, 0)
				must(err)
				defer f.Close()
				cmd.Stdout = f
			}
			code := exitStatus(t, cmd.Run())
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, errb.String())
			}
			for _, n := range c.names {
				oneLine(t, errb.String(), strings.ReplaceAll(n, "DIR/", dir+"/"))
			}
			if outb.Len() != 0 {
				t.Errorf("standard output: %q", outb.String())
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// snapshot lists every file below dir (links as links) with its contents'
// length and bytes, in a form that is equal for equal trees.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, st os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			b.WriteString(rel + " -> " + target + "\n")
		case st.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(fmt.Sprintf("%s %d bytes, sha256 %x\n", rel, len(data), sha256.Sum256(data)))
		default:
			b.WriteString(rel + "/\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func mustRead(p string) []byte {
	b, err := os.ReadFile(p)
	must(err)
	return b
}
