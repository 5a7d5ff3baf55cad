package flipcli

import (
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/fairflip/fairflip/internal/fferr"
)

// Files holds what a command reads and writes, so that no output is ever
// an input. Every input (INPUT, --reference, --test, each file of a
// multi-file table, and standard input when a command reads it and it is a
// file) is recorded with Input before anything is written; each output (-o,
// --summary, an --output-dir part, sweep's files and plots, and standard
// output when a command writes its data there and it is a file) is then
// checked with Output, which refuses (exit 2, naming both) an output that is
// the same file as an input, by device and inode, or the same file as an
// earlier output. Nothing is created, opened for writing or truncated here.
type Files struct {
	stdin, stdout *os.File // nil when they are not files (in tests, a buffer)
	ins           []namedFile
	outs          []namedFile
}

// namedFile is one file of a command, with what the command calls it and,
// when it exists, its identity.
type namedFile struct {
	what string      // "INPUT adult.csv", "-o out.csv", "standard input, the file /data/in.csv"
	flag string      // "-o -", "--summary out.json": the flag as given
	path string      // absolute path, for outputs that do not exist yet; "-" for standard output
	st   os.FileInfo // nil: the file does not exist (yet)
}

// NewFiles starts the record of a command's files. stdin and stdout are the
// command's standard streams, as the command was given them.
func NewFiles(stdin io.Reader, stdout io.Writer) *Files {
	f := &Files{}
	f.stdin, _ = stdin.(*os.File)
	f.stdout, _ = stdout.(*os.File)
	return f
}

// streamName names a standard stream for messages, with the file behind
// it when the system says ("standard input, the file /data/in.csv").
func streamName(name string, fd *os.File) string {
	if fd == nil {
		return name
	}
	if p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd.Fd()))); err == nil && filepath.IsAbs(p) {
		return name + ", the file " + p
	}
	return name
}

// streamStat is the identity of a standard stream that is a regular file.
// A pipe, a terminal or /dev/null cannot be overwritten by mistake (and
// /dev/null is everyone's file), so only regular files count.
func streamStat(fd *os.File) os.FileInfo {
	if fd == nil {
		return nil
	}
	st, err := fd.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return st
}

// Input records an input that flag (INPUT, --reference, --test, ...) names:
// path, or "-" for standard input. A file that does not exist is not
// recorded: opening it fails later, with its own message.
func (f *Files) Input(flag, path string) {
	if path == "-" {
		if st := streamStat(f.stdin); st != nil {
			f.ins = append(f.ins, namedFile{what: streamName("standard input", f.stdin), st: st})
		}
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	f.ins = append(f.ins, namedFile{what: describe(flag, path), st: st})
}

func describe(flag, path string) string {
	if flag == "" {
		return path
	}
	return flag + " " + path
}

// Output checks an output that flag (-o, --summary, ...) names: path, or
// "-" for standard output. It fails, as a usage error naming both, when the
// output is an input or an earlier output.
func (f *Files) Output(flag, path string) error {
	o := namedFile{what: describe(flag, path), flag: describe(flag, path)}
	if path == "-" {
		o.what = streamName("standard output", f.stdout)
		if flag != "" {
			o.what = flag + " - (" + o.what + ")"
		}
		o.st = streamStat(f.stdout)
		o.path = "-" // two outputs to standard output are one
	} else {
		if abs, err := filepath.Abs(path); err == nil {
			o.path = abs
		}
		if st, err := os.Stat(path); err == nil {
			o.st = st
		}
	}
	for _, in := range f.ins {
		if o.st != nil && os.SameFile(o.st, in.st) {
			return fferr.Usage("%s is the same file as %s: fairflip never writes over its input; write to another file (nothing was written)", o.what, in.what)
		}
	}
	for _, p := range f.outs {
		same := o.st != nil && p.st != nil && os.SameFile(o.st, p.st)
		if !same && o.path != "" && o.path == p.path {
			same = true
		}
		switch {
		case same && o.path == "-":
			return fferr.Usage("%s and %s both go to standard output; give one of them a file (nothing was written)", p.flag, o.flag)
		case same:
			return fferr.Usage("%s and %s are the same file; give each output its own file (nothing was written)", p.what, o.what)
		}
	}
	f.outs = append(f.outs, o)
	return nil
}

// Outputs checks several outputs of one flag.
func (f *Files) Outputs(flag string, paths ...string) error {
	for _, p := range paths {
		if err := f.Output(flag, p); err != nil {
			return err
		}
	}
	return nil
}
