// Package tmpfile makes fairflip's temporary files so that a run killed at
// any moment (SIGKILL, a power cut) leaves nothing that a later run does not
// clean up:
//
//   - Anonymous files (the copy of standard input, a conversion, the Parquet
//     output before its check) have no name at all: O_TMPFILE where the file
//     system has it, else a file removed as soon as it is created. They
//     vanish with the process.
//   - A file that will replace an output (Beside) must have a name in the
//     output's folder to be renamed over it. Its name says whose it is,
//     ".NAME.fairflip-HOST-PID-RANDOM", and each new one first removes the
//     stale ones of NAME left by processes of this host that no longer run.
//
// Lock serialises the commits of several outputs, so that two runs that
// write the same files at once leave all of one run's files, never a mix.
package tmpfile

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Anonymous returns a new file with no name, open for reading and writing,
// in dir ("" for the folder of temporary files: $TMPDIR, else /tmp). what
// says what the file is for, in messages ("a copy of standard input").
func Anonymous(dir, what string) (*os.File, error) {
	where := dir
	if dir == "" {
		dir = os.TempDir()
		where = dir
		if env := os.Getenv("TMPDIR"); env != "" {
			where = "TMPDIR " + env
		}
	}
	f, err := openNameless(dir)
	if f != nil {
		return f, nil
	}
	if err != nil {
		return nil, failed(what, where, err)
	}
	// No O_TMPFILE here: a file removed at once.
	f, err = os.CreateTemp(dir, ".fairflip-"+ownerTag()+"-*")
	if err != nil {
		return nil, failed(what, where, err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, failed(what, where, err)
	}
	return f, nil
}

func failed(what, where string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot make %s: %s does not exist (set TMPDIR to an existing folder)", what, where)
	}
	return fmt.Errorf("cannot make %s in %s: %w", what, where, err)
}

// ownerTag is HOST-PID: which process of which machine made a file.
func ownerTag() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	host = strings.Map(func(r rune) rune {
		if r == '-' || r == '/' || r == '.' || r < ' ' {
			return '_'
		}
		return r
	}, host)
	return host + "-" + strconv.Itoa(os.Getpid())
}

// Beside creates the file that will replace target: a hidden file in
// target's folder, ".BASE.fairflip-HOST-PID-RANDOM", so that renaming it
// over target is atomic. Stale files of the same BASE left by dead
// processes of this host are removed first.
func Beside(target string) (*os.File, error) {
	dir, base := filepath.Dir(target), filepath.Base(target)
	RemoveStale(dir, base)
	name := filepath.Join(dir, "."+base+".fairflip-"+ownerTag()+"-"+random())
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// RemoveStale removes the files that Beside made for target base in dir and
// whose process is gone: made on this host by a process id that no longer
// runs. It returns the names removed. Nothing else is touched: files of
// live processes, of other hosts (a shared folder), and every other name.
func RemoveStale(dir, base string) []string {
	return removeStale(dir, "."+base+".fairflip-", false)
}

// removeStale removes the entries of dir named PREFIX HOST-PID-RANDOM (see
// ownerTag) whose process is gone: regular files, or folders with all
// they hold.
func removeStale(dir, prefix string, folders bool) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	tagHost := strings.TrimSuffix(ownerTag(), "-"+strconv.Itoa(os.Getpid()))
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || (folders && !e.IsDir()) || (!folders && !e.Type().IsRegular()) {
			continue
		}
		// HOST-PID-RANDOM; HOST holds no '-' (ownerTag maps them).
		parts := strings.Split(name[len(prefix):], "-")
		if len(parts) != 3 || parts[0] != tagHost || len(parts[2]) != 12 {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		if os.RemoveAll(filepath.Join(dir, name)) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// Folder makes a new folder in the folder of temporary files ($TMPDIR),
// named "fairflip-WHAT-HOST-PID-RANDOM", for files that other programs
// must open by name (an external firm's training and test files). The
// stale folders of dead processes of this host made for the same what are
// removed first, with what they hold. The caller removes its folder when
// done.
func Folder(what string) (string, error) {
	dir := os.TempDir()
	prefix := "fairflip-" + what + "-"
	removeStale(dir, prefix, true)
	name := filepath.Join(dir, prefix+ownerTag()+"-"+random())
	if err := os.Mkdir(name, 0o700); err != nil {
		where := dir
		if env := os.Getenv("TMPDIR"); env != "" {
			where = "TMPDIR " + env
		}
		return "", failed("a folder for "+what, where, err)
	}
	return name, nil
}

func random() string {
	var rnd [6]byte
	rand.Read(rnd[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(rnd[:])
}

// alive reports whether a process pid runs on this host (or may: a
// process of another user is alive, EPERM).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Lock takes an exclusive lock on the folders of paths (each once, in one
// order, so that two runs cannot wait on each other) and returns the
// function that releases them. A run holds it while it renames its
// outputs into place: two runs that write the same outputs commit one
// after the other. A folder that cannot be locked (a file system without
// flock) is skipped: the commit then is as atomic as each rename.
func Lock(paths ...string) func() {
	type dir struct {
		path     string
		dev, ino uint64
	}
	var dirs []dir
	for _, p := range paths {
		d := filepath.Dir(p)
		var st unix.Stat_t
		if unix.Stat(d, &st) != nil {
			continue
		}
		x := dir{d, uint64(st.Dev), st.Ino}
		if !slices.ContainsFunc(dirs, func(y dir) bool { return y.dev == x.dev && y.ino == x.ino }) {
			dirs = append(dirs, x)
		}
	}
	// One order for every run: by device and inode.
	slices.SortFunc(dirs, func(a, b dir) int {
		if c := cmp.Compare(a.dev, b.dev); c != 0 {
			return c
		}
		return cmp.Compare(a.ino, b.ino)
	})
	var held []*os.File
	for _, d := range dirs {
		f, err := os.Open(d.path)
		if err != nil {
			continue
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			f.Close()
			continue
		}
		held = append(held, f)
	}
	return func() {
		for _, f := range held {
			unix.Flock(int(f.Fd()), unix.LOCK_UN)
			f.Close()
		}
	}
}
