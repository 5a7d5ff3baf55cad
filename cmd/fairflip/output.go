package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/tmpfile"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/transform"
	"golang.org/x/sys/unix"
)

// hooks are the tests' seams in a run (env.hooks; nil outside tests, and
// so is each of them).
type hooks struct {
	// betweenPasses runs after flip's first pass over its input.
	betweenPasses func()
	// afterWrite runs after a command wrote its output, before the input
	// is checked for changes and the output is committed.
	afterWrite func()
	// outputWriter wraps the writer of a file output (the temporary
	// file, or the device).
	outputWriter func(name string, w io.Writer) io.Writer
	// progress stands in for the terminal (nil: ask the OS).
	progress *progressHooks
}

// betweenPassesHook runs h.betweenPasses, if any.
func (h *hooks) betweenPassesHook() {
	if h != nil && h.betweenPasses != nil {
		h.betweenPasses()
	}
}

// afterWriteHook runs h.afterWrite, if any.
func (h *hooks) afterWriteHook() {
	if h != nil && h.afterWrite != nil {
		h.afterWrite()
	}
}

// stickyWriter passes writes to w until one fails, then fails every later
// write with that first error, which it keeps: whoever wrote through it
// (and perhaps dropped the error, or wrapped it) can be checked afterwards.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// sticky returns w as a *stickyWriter.
func sticky(w io.Writer) *stickyWriter {
	if s, ok := w.(*stickyWriter); ok {
		return s
	}
	return &stickyWriter{w: w}
}

// rawStream is the stream a *stickyWriter wraps (standard output as the
// process was given it, for flipcli.Files), or w itself.
func rawStream(w io.Writer) io.Writer {
	if s, ok := w.(*stickyWriter); ok {
		return s.w
	}
	return w
}

// writeError is the error of a failed write to the output called name: a
// closed pipe is ErrClosedOutput (a quiet exit 141), anything else an I/O
// error naming the output, not the temporary file.
func writeError(name string, err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return fferr.Wrap(fferr.ErrClosedOutput, fmt.Errorf("writing %s: %w", name, err))
	}
	return fferr.IO(fmt.Errorf("writing %s: %w", name, bare(err)))
}

// bare strips the operation and path of an *fs.PathError (which name the
// temporary file): "no space left on device".
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// An output is where a command writes one result:
//   - "-": standard output, written as it comes;
//   - a regular file (or a new one): written to a temporary file beside it
//     (beside the file a symbolic link points to), renamed over it by
//     commit, so that a failed or interrupted run leaves an existing file as
//     it was;
//   - an existing non-regular file (/dev/null, a device, a fifo): nothing
//     can be renamed over it, so it is opened and written in place.
type output struct {
	name   string        // for messages: the path as given, or "standard output"
	stdout *stickyWriter // for "-"
	target string        // the file renamed over or written in place
	direct bool          // written in place
	tmp    *os.File      // the temporary file, until commit or abort
	file   *os.File      // a direct output, while it is written
	hooks  *hooks        // tests only
}

// openOutput prepares the output path (flag names it in messages). For a
// file it creates the temporary file at once, so that an unwritable folder
// fails before any work is done.
func openOutput(flag, path string, stdout io.Writer, h *hooks) (*output, error) {
	if path == "-" {
		return &output{name: "standard output", stdout: sticky(stdout), hooks: h}, nil
	}
	o := &output{name: path, target: path, hooks: h}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fferr.Usage("%s %s is a directory; name a file", flag, path)
	case err == nil && !st.Mode().IsRegular():
		o.direct = true
		return o, nil
	case err == nil:
		if st.Mode().Perm()&0o222 == 0 {
			// Renaming over it would work (the folder is writable), but a
			// file nobody may write is one its owner meant to keep.
			return nil, fferr.Usage("%s %s is read-only: fairflip does not replace a file that no one may write; make it writable (chmod u+w) or write elsewhere", flag, path)
		}
		if real, err := filepath.EvalSymlinks(path); err == nil {
			o.target = real
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fferr.IO(fmt.Errorf("cannot write %s: %w", path, bare(err)))
	}
	dir := filepath.Dir(o.target)
	o.tmp, err = tmpfile.Beside(o.target)
	if err != nil {
		return nil, fferr.IO(fmt.Errorf("cannot write %s: %w (creating a temporary file in %s)", path, bare(err), dir))
	}
	return o, nil
}

// write runs fn on the output. A failed write is reported as such, naming
// the output, whatever fn made of it.
func (o *output) write(fn func(io.Writer) error) error {
	var w io.Writer
	switch {
	case o.stdout != nil:
		w = o.stdout
	case o.direct:
		f, err := os.OpenFile(o.target, os.O_WRONLY, 0)
		if err != nil {
			return fferr.IO(fmt.Errorf("cannot write %s: %w", o.name, bare(err)))
		}
		o.file = f
		w = f
	default:
		w = &writeBehind{f: o.tmp}
		go uncache(o.target)
	}
	if o.hooks != nil && o.hooks.outputWriter != nil && o.stdout == nil {
		w = o.hooks.outputWriter(o.name, w)
	}
	sw := sticky(w)
	err := fn(sw)
	if sw.err != nil {
		return writeError(o.name, sw.err)
	}
	if err != nil {
		return err
	}
	if o.file != nil {
		f := o.file
		o.file = nil
		if err := f.Close(); err != nil {
			return writeError(o.name, err)
		}
	}
	return nil
}

// abort removes the temporary file, if any. It may be called after commit.
func (o *output) abort() {
	if o == nil {
		return
	}
	if o.file != nil {
		o.file.Close()
		o.file = nil
	}
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}

// prepare makes the temporary file ready to be renamed: the mode of the
// file it replaces (0644 for a new file), on disk.
func (o *output) prepare() error {
	if o.tmp == nil {
		return nil
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(o.target); err == nil {
		mode = st.Mode().Perm()
	}
	if err := o.tmp.Chmod(mode); err != nil {
		return writeError(o.name, err)
	}
	if err := o.tmp.Sync(); err != nil {
		return writeError(o.name, err)
	}
	if err := o.tmp.Close(); err != nil {
		return writeError(o.name, err)
	}
	return nil
}

// writeAndCommit writes out, checks that the input did not change while it
// was read, and commits out with the other outputs (nil ones skipped).
func writeAndCommit(ctx context.Context, in *commandInput, h *hooks, tm *transform.Timings, write func(io.Writer) error, out *output, others ...*output) error {
	if err := out.write(in.compressing(write)); err != nil {
		return err
	}
	h.afterWriteHook()
	if err := in.unchanged(out); err != nil {
		return err
	}
	tm.Lap(transform.StageWrite)
	if err := commit(ctx, append([]*output{out}, others...)...); err != nil {
		return err
	}
	tm.Lap(transform.StageCommit)
	return nil
}

// commit puts the outputs in place, or none of them: interrupted (ctx
// done) before, it commits nothing; after the first rename, it finishes.
// The outputs that are not committed are aborted.
func commit(ctx context.Context, outs ...*output) error {
	defer func() {
		for _, o := range outs {
			o.abort()
		}
	}()
	for _, o := range outs {
		if o == nil {
			continue
		}
		if err := o.prepare(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Two runs that write the same outputs commit one after the other: all
	// of one run's files, never a table from one and a summary from the
	// other.
	var targets []string
	for _, o := range outs {
		if o != nil && o.tmp != nil {
			targets = append(targets, o.target)
		}
	}
	defer tmpfile.Lock(targets...)()
	for _, o := range outs {
		if o == nil || o.tmp == nil {
			continue
		}
		name := o.tmp.Name()
		if err := os.Rename(name, o.target); err != nil {
			return fferr.IO(fmt.Errorf("cannot write %s: %w", o.name, bare(err)))
		}
		o.tmp = nil
		if d, err := os.Open(filepath.Dir(o.target)); err == nil {
			d.Sync() // the rename on disk too; best effort
			d.Close()
		}
	}
	return nil
}

// commandInput is a command's input, re-readable: a regular file is read in
// place (and checked for changes between the passes), anything else
// (standard input, a fifo, a device, a process substitution) is first
// copied to a temporary file. A compressed input (gzip, zstd) is
// decompressed into a temporary file; a compressed regular file is still
// checked for changes (compress.go).
type commandInput struct {
	*transform.Input
	source   transform.Source // where the stages read it (a copy: /proc/self/fd/N)
	path     string           // the regular file read (in place, or decompressed), or ""
	codec    tableio.Codec    // the input's compression
	outCodec tableio.Codec    // its output's: codec, but none for a Parquet output
	stamp    os.FileInfo      // its identity, size and time before the first pass
	cleanup  func()           // removes the copy, if any
}

// unchanged fails when the regular input file is no longer the one that was
// opened: another file, another size or another modification time. A
// change between two reads would make the output mix two inputs. out is
// where the output went so far (nil: nowhere yet).
func (in *commandInput) unchanged(out *output) error {
	if in.path == "" {
		return nil
	}
	what := "nothing was written"
	if out != nil && out.stdout != nil {
		what = "the rows already written to standard output are not a valid output"
	}
	st, err := os.Stat(in.path)
	if err != nil {
		return fferr.Data("%s changed while it was being read (%v); %s", in.path, bare(err), what)
	}
	switch {
	case !os.SameFile(in.stamp, st):
		return fferr.Data("%s changed while it was being read (it was replaced by another file); %s", in.path, what)
	case st.Size() != in.stamp.Size():
		return fferr.Data("%s changed while it was being read (%d bytes, then %d); %s", in.path, in.stamp.Size(), st.Size(), what)
	case !st.ModTime().Equal(in.stamp.ModTime()):
		return fferr.Data("%s changed while it was being read (modified at %s); %s", in.path, st.ModTime().Format("2006-01-02 15:04:05.000000000"), what)
	}
	return nil
}

// openInput returns a re-readable input. Standard input and non-regular files are copied to a
// temporary file; an interrupt (ctx) stops the copy even while it waits
// for a writer that sends nothing.
func openInput(ctx context.Context, path string, format tableio.Format, stdin io.Reader) (*commandInput, error) {
	if path != "-" {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fferr.IO(err)
		}
		if st.IsDir() {
			return nil, fferr.Usage("%s is a directory, not a table", path)
		}
		if st.Mode().IsRegular() {
			codec, err := fileCodec(path)
			if err != nil {
				return nil, err
			}
			if codec != tableio.NoCodec {
				return openCompressed(ctx, path, st, format)
			}
			in := transform.FileInput(path)
			if format != "" {
				in.Format = format
			}
			src := transform.Source{Path: path, Format: in.Format}
			return &commandInput{Input: in, source: src, path: path, stamp: st, cleanup: func() {}}, nil
		}
		if st.Mode()&os.ModeCharDevice != 0 {
			f, err := os.Open(path)
			if err != nil {
				return nil, fferr.IO(err)
			}
			err = endlessDevice(path, f)
			f.Close()
			if err != nil {
				return nil, err
			}
		}
	} else if f, ok := stdin.(*os.File); ok {
		if err := endlessDevice("standard input", f); err != nil {
			return nil, err
		}
	}
	name, open := "<stdin>", func() (io.Reader, func(), error) { return stdin, func() {}, nil }
	if path != "-" {
		name = path
		open = func() (io.Reader, func(), error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, nil, fferr.IO(err)
			}
			return f, func() { f.Close() }, nil
		}
	}
	return spooledInput(ctx, path, name, format, open)
}

// spooledInput is the input that open reads (path, called name), copied
// to a temporary file, decompressed if it is compressed.
func spooledInput(ctx context.Context, path, name string, format tableio.Format, open func() (io.Reader, func(), error)) (*commandInput, error) {
	spool, codec, cleanup, err := spoolInput(ctx, name, open)
	if err != nil {
		return nil, err
	}
	if format == "" {
		head := make([]byte, 4)
		n, _ := spool.ReadAt(head, 0)
		named := path
		if codec != tableio.NoCodec {
			named = tableio.TrimCodecExt(path) // data.jsonl.gz: JSON Lines
		}
		format = tableio.DetectFormat(named, head[:n])
	}
	if codec != tableio.NoCodec && !codec.Compresses(format) {
		cleanup()
		return nil, compressedParquet(name, codec)
	}
	in := &transform.Input{Name: name, Format: format, Open: func() (io.ReadCloser, error) {
		return reread(spool)
	}}
	src := transform.Source{Path: fmt.Sprintf("/proc/self/fd/%d", spool.Fd()), Name: name, Format: format}
	return &commandInput{Input: in, source: src, codec: codec, outCodec: codec, cleanup: cleanup}, nil
}

// reread reads a file without a name (tmpfile.Anonymous) from its start,
// as often as needed: a reader of its own, which is also an io.ReaderAt and
// an io.Seeker with the file's size, as a Parquet input needs.
func reread(f *os.File) (io.ReadCloser, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fferr.IO(err)
	}
	return sectionCloser{io.NewSectionReader(f, 0, st.Size())}, nil
}

type sectionCloser struct{ *io.SectionReader }

func (sectionCloser) Close() error { return nil }

// endlessDevice refuses a character device that is not a terminal as an
// input (/dev/zero, /dev/urandom): it never ends, and its copy would fill
// $TMPDIR. A terminal ends with ^D; /dev/null is an empty table.
func endlessDevice(name string, f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 || isTerminalFile(f) {
		return nil
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return nil
	}
	return fferr.Usage("%s is a character device, not a table: a device such as /dev/zero never ends, and fairflip would copy it to $TMPDIR until the disk is full", name)
}

// isTerminalFile reports whether f is a terminal.
func isTerminalFile(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

// spoolInput copies what open returns to a temporary file, decompressed
// when its first bytes say it is compressed (the codec is returned). The
// copy runs on its own goroutine so that an interrupt returns at once, even
// if a read (or the open of a fifo) blocks.
func spoolInput(ctx context.Context, name string, open func() (io.Reader, func(), error)) (*os.File, tableio.Codec, func(), error) {
	what := "a copy of " + name
	if name == "<stdin>" {
		what = "a copy of standard input"
	}
	f, err := tmpfile.Anonymous("", what)
	if err != nil {
		return nil, "", nil, fferr.IO(err)
	}
	cleanup := func() { f.Close() }
	done := make(chan error, 1)
	var codec tableio.Codec // set before done is sent
	go func() {
		r, closeR, err := open()
		if err != nil {
			done <- err
			return
		}
		defer closeR()
		dr, c, err := tableio.Decompress(r)
		if err != nil {
			done <- spoolError(name, err)
			return
		}
		defer dr.Close()
		codec = c
		sw := &stickyWriter{w: f}
		_, err = io.Copy(sw, dr)
		switch {
		case sw.err != nil:
			err = fferr.IO(fmt.Errorf("copying %s to a temporary file: %w", name, bare(sw.err)))
		case err != nil:
			err = spoolError(name, err)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			cleanup()
			return nil, "", nil, err
		}
		return f, codec, cleanup, nil
	case <-ctx.Done():
		cleanup()
		return nil, "", nil, ctx.Err()
	}
}

// writeBehind writes to a file and starts the write-back of every
// writeBehindBytes written (sync_file_range, SYNC_FILE_RANGE_WRITE: it
// does not wait), so that the fsync before the rename (prepare) finds
// most of the file already on its way to the disk instead of all of it.
// It changes no guarantee: the fsync is still what makes the file durable.
type writeBehind struct {
	f          *os.File
	off, begun int64
}

const writeBehindBytes = 8 << 20

func (w *writeBehind) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.begun >= writeBehindBytes {
		startWriteBack(w.f, w.begun, w.off-w.begun)
		w.begun = w.off
	}
	return n, err
}

// uncache drops the cached pages of the file at path, if it is a regular
// file (posix_fadvise, POSIX_FADV_DONTNEED): the file an output replaces,
// while the output is written. The rename that replaces it frees them
// otherwise, at the end of the command (about 25 ms for 100 MB here).
// Only the page cache changes, not the file: a run that fails leaves it
// as it was, uncached. Advice only: errors change nothing.
func uncache(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		dropCache(f)
	}
}
