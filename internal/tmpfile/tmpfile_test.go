package tmpfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAnonymous: the file has no name in its folder, holds what is written,
// and a missing folder is named in the error.
func TestAnonymous(t *testing.T) {
	dir := t.TempDir()
	f, err := Anonymous(dir, "a test file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != "hello" {
		t.Fatalf("read back %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the folder holds %v", entries)
	}
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	_, err = Anonymous("", "a copy of standard input")
	if err == nil || !strings.Contains(err.Error(), "TMPDIR "+filepath.Join(dir, "missing")+" does not exist") || !strings.Contains(err.Error(), "a copy of standard input") {
		t.Fatalf("missing TMPDIR: %v", err)
	}
}

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

// TestRemoveStale: Beside removes the files of its target left by dead
// processes of this host, and nothing else.
func TestRemoveStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tag := strings.TrimSuffix(ownerTag(), "-"+strconv.Itoa(os.Getpid()))
	dead := strconv.Itoa(deadPID(t))
	live := strconv.Itoa(os.Getppid())
	names := map[string]bool{ // name → removed
		".out.csv.fairflip-" + tag + "-" + dead + "-0123456789ab":   true,
		".out.csv.fairflip-" + tag + "-" + live + "-0123456789ab":   false, // a live process
		".out.csv.fairflip-otherhost-" + dead + "-0123456789ab":     false, // another machine's
		".other.csv.fairflip-" + tag + "-" + dead + "-0123456789ab": false, // another output's
		".out.csv.fairflip-" + tag + "-" + dead + "-short":          false, // not our pattern
		"out.csv": false,
		".out.csv.fairflip-" + tag + "-" + dead + "-0123456789ab.extra": false,
	}
	for n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Beside(filepath.Join(dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !strings.HasPrefix(filepath.Base(f.Name()), ".out.csv.fairflip-"+ownerTag()+"-") {
		t.Errorf("Beside made %s", f.Name())
	}
	for n, removed := range names {
		_, err := os.Stat(filepath.Join(dir, n))
		if gone := errors.Is(err, os.ErrNotExist); gone != removed {
			t.Errorf("%s: removed %v, want %v", n, gone, removed)
		}
	}
}

// TestLock: while one Lock holds a folder, no other flock on it succeeds;
// after release one does. Two paths in one folder lock it once.
func TestLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	other := t.TempDir()
	unlock := Lock(filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(other, "c"))
	for _, d := range []string{dir, other} {
		f, err := os.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); !errors.Is(err, unix.EWOULDBLOCK) {
			t.Errorf("%s: a second lock got %v while the first is held", d, err)
		}
		f.Close()
	}
	unlock()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Errorf("after release: %v", err)
	}
}

// TestFolderRemovesStale: Folder removes the folders (with their files)
// that dead processes of this host made for the same purpose, and nothing
// else.
func TestFolderRemovesStale(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tag := strings.TrimSuffix(ownerTag(), "-"+strconv.Itoa(os.Getpid()))
	dead := strconv.Itoa(deadPID(t))
	stale := filepath.Join(tmp, "fairflip-firm-"+tag+"-"+dead+"-0123456789ab")
	keep := []string{
		filepath.Join(tmp, "fairflip-firm-"+tag+"-"+strconv.Itoa(os.Getppid())+"-0123456789ab"), // alive
		filepath.Join(tmp, "fairflip-other-"+tag+"-"+dead+"-0123456789ab"),                      // another purpose
		filepath.Join(tmp, "fairflip-firm-elsewhere-"+dead+"-0123456789ab"),                     // another host
	}
	for _, d := range append(keep, stale) {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "sub", "train.csv"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := Folder("firm")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || !strings.HasPrefix(filepath.Base(dir), "fairflip-firm-"+ownerTag()+"-") {
		t.Fatalf("Folder made %s (%v)", dir, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale folder is still there: %v", err)
	}
	for _, d := range keep {
		if _, err := os.Stat(filepath.Join(d, "sub", "train.csv")); err != nil {
			t.Errorf("%s was touched: %v", d, err)
		}
	}
}
