package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// definedApp is fairflip's CLI definition, as the tests walk it.
func definedApp() *cli.App {
	return newApp(strings.NewReader(""), io.Discard, io.Discard, nil)
}

// unroff undoes the escapes manPage writes.
func unroff(s string) string {
	return strings.NewReplacer(`\-`, "-", `\e`, `\`, `\&`, "").Replace(s)
}

func TestManPage(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "man")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, ".TH FAIRFLIP 1 ") {
		t.Errorf("the page does not start with its title line: %.40q", r.stdout)
	}
	page := unroff(r.stdout)
	for _, cmd := range definedApp().VisibleCommands() {
		if !strings.Contains(page, "\n.SS \"fairflip "+cmd.Name) {
			t.Errorf("the man page has no section for command %s", cmd.Name)
		}
		// The command's part of the page: from its heading to the next.
		part := page[strings.Index(page, "\n.SS \"fairflip "+cmd.Name):]
		if i := strings.Index(part[1:], "\n.SS "); i >= 0 {
			part = part[:i+1]
		}
		// The flags each item (.TP) names: ".B --output FILE, -o FILE".
		listed := map[string]bool{}
		items := strings.Split(part, "\n.TP\n.B ")
		for _, item := range items[1:] {
			term, _, _ := strings.Cut(item, "\n")
			for _, name := range strings.Split(term, ", ") {
				listed[strings.Fields(name)[0]] = true
			}
		}
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				if !listed[flagName(n)] {
					t.Errorf("command %s: the man page does not list flag %s", cmd.Name, flagName(n))
				}
			}
		}
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, ".") && !slices.Contains([]string{".TH", ".SH", ".SS", ".PP", ".TP", ".B", ".I", ".br", ".nf", ".fi"}, strings.Fields(l)[0]) {
			t.Errorf("a line reads as an unknown roff request: %q", l)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("no groff to check the page with")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-k", "-ww", "-z")
	cmd.Stdin = strings.NewReader(r.stdout)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff: %v: %s", err, out)
	}
}

// completions runs fairflip with the words and the completion request, and
// returns the words offered.
func completions(t *testing.T, words ...string) []string {
	t.Helper()
	r := runCLI(t, "", append(words, completionFlag)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%v: exit %d: %s", words, r.code, r.stderr)
	}
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}

func TestCompletionWords(t *testing.T) {
	t.Parallel()
	top := completions(t)
	for _, cmd := range definedApp().VisibleCommands() {
		if !slices.Contains(top, cmd.Name) {
			t.Errorf("fairflip %s: no %s in %v", completionFlag, cmd.Name, top)
		}
		got := completions(t, cmd.Name)
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				if !slices.Contains(got, flagName(n)) {
					t.Errorf("fairflip %s %s: no %s in %v", cmd.Name, completionFlag, flagName(n), got)
				}
			}
		}
	}
	// The other words change nothing (and nothing runs: no output file).
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	if got, want := completions(t, "flip", "in.csv", "-o", out, "--sensitive", "--"), completions(t, "flip"); !slices.Equal(got, want) {
		t.Errorf("with more words: %v, want %v", got, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a completion request ran flip")
	}
	if got := completions(t, "completion"); !slices.Contains(got, "zsh") {
		t.Errorf("completion's words %v lack the shells", got)
	}
}

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	scripts := map[string]string{}
	for _, shell := range completionShells {
		r := runCLI(t, "", "completion", shell)
		if r.code != 0 || r.stderr != "" || r.stdout == "" {
			t.Fatalf("completion %s: exit %d: %s", shell, r.code, r.stderr)
		}
		scripts[shell] = r.stdout
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if r := runCLI(t, "", args...); r.code != exitUsage || r.stdout != "" {
			t.Errorf("%v: exit %d, want %d", args, r.code, exitUsage)
		}
	}
	// fish's script lists each command's flags.
	for _, cmd := range definedApp().VisibleCommands() {
		for _, f := range cmd.Flags {
			n := f.Names()[0]
			opt := " -l " + n
			if len(n) == 1 {
				opt = " -s " + n
			}
			if !strings.Contains(scripts["fish"], "'__fish_seen_subcommand_from "+cmd.Name+"'"+opt) {
				t.Errorf("the fish script lacks %s's %s", cmd.Name, flagName(n))
			}
		}
	}
	dir := t.TempDir()
	for shell, script := range scripts {
		t.Run(shell, func(t *testing.T) {
			sh, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed", shell)
			}
			path := writeFile(t, dir, "fairflip."+shell, script)
			if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v: %s", shell, err, out)
			}
		})
	}
	// bash: the function offers what fairflip offers, filtered by the word
	// typed; fairflip is a stub that answers as the real one does.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	top := strings.Join(completions(t), "\n")
	flip := strings.Join(completions(t, "flip"), "\n")
	cases := []struct {
		words string // the command line's words; the last is completed
		want  string
	}{
		{`fairflip s`, "sweep"},
		{`fairflip --ver`, "--version"},
		{`fairflip flip in.csv --output`, "--output --output-dir --output-format"},
		{`fairflip flip --label y -`, ""}, // all of flip's flags
		{`fairflip flip ''`, ""},          // no words: bash completes a file
	}
	for _, c := range cases {
		prog := `fairflip() {
	case "$*" in
	"--generate-bash-completion") printf '%s\n' "$TOP";;
	"flip --generate-bash-completion") printf '%s\n' "$FLIP";;
	*) return 1;;
	esac
}
source "$1"
eval "COMP_WORDS=($2)"
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_fairflip_complete
echo "${COMPREPLY[*]}"`
		cmd := exec.Command(bash, "-c", prog, "bash", filepath.Join(dir, "fairflip.bash"), c.words)
		cmd.Env = append(os.Environ(), "TOP="+top, "FLIP="+flip)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", c.words, err, out)
		}
		got := strings.TrimSpace(string(out))
		want := c.want
		if c.words == `fairflip flip --label y -` {
			var flags []string
			for _, w := range strings.Split(flip, "\n") {
				if strings.HasPrefix(w, "-") {
					flags = append(flags, w)
				}
			}
			slices.Sort(flags)
			want = strings.Join(flags, " ")
			words := strings.Fields(got)
			slices.Sort(words)
			got = strings.Join(words, " ")
		}
		if got != want {
			t.Errorf("%s<TAB>: %q, want %q", c.words, got, want)
		}
	}
}

// TestZshCompletion runs the zsh script's function with compadd, _files
// and fairflip stubbed: it offers the flags for a word starting with -,
// else the other words, else file names.
func TestZshCompletion(t *testing.T) {
	t.Parallel()
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh is not installed")
	}
	r := runCLI(t, "", "completion", "zsh")
	path := writeFile(t, t.TempDir(), "_fairflip", r.stdout)
	top, flip := completions(t), completions(t, "flip")
	split := func(words []string) (flags, other []string) {
		for _, w := range words {
			if strings.HasPrefix(w, "-") {
				flags = append(flags, w)
			} else {
				other = append(other, w)
			}
		}
		return flags, other
	}
	flipFlags, _ := split(flip)
	_, commands := split(top)
	cases := []struct {
		words  string // zsh's words; the last is completed
		prefix string
		want   string
	}{
		{`fairflip flip in.csv --out`, "--out", "compadd -- " + strings.Join(flipFlags, " ")},
		{`fairflip s`, "s", "compadd -- " + strings.Join(commands, " ")},
		{`fairflip flip x`, "x", "files"},
	}
	for _, c := range cases {
		prog := `compdef() { :; }
compadd() { print -r -- "compadd $*"; }
_files() { print files; }
fairflip() {
	case "$*" in
	"--generate-bash-completion") print -r -- "$TOP";;
	"flip --generate-bash-completion") print -r -- "$FLIP";;
	*) return 1;;
	esac
}
source "$1"
eval "words=($2)"
CURRENT=${#words}
PREFIX=$3
_fairflip`
		cmd := exec.Command(zsh, "-f", "-c", prog, "zsh", path, c.words, c.prefix)
		cmd.Env = append(os.Environ(), "TOP="+strings.Join(top, "\n"), "FLIP="+strings.Join(flip, "\n"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", c.words, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("%s<TAB>: %q, want %q", c.words, got, c.want)
		}
	}
}

// TestFishCompletion asks fish for completions with the fish script loaded.
func TestFishCompletion(t *testing.T) {
	t.Parallel()
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	r := runCLI(t, "", "completion", "fish")
	path := writeFile(t, t.TempDir(), "fairflip.fish", r.stdout)
	cases := []struct{ line, want string }{
		{"fairflip flip --out", "--output --output-dir --output-format"},
		{"fairflip sw", "sweep"},
		{"fairflip completion ", "bash fish zsh"},
		{"fairflip sweep --pl", "--plots"},
	}
	for _, c := range cases {
		out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, path, c.line).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", c.line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			w, _, _ := strings.Cut(l, "\t")
			got = append(got, w)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s<TAB>: %q, want %q", c.line, got, c.want)
		}
	}
}
