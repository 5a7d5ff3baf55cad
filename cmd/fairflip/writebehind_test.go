package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteBehind: the bytes written through a writeBehind are the file's,
// in order, and its write-back is started every writeBehindBytes.
func TestWriteBehind(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &writeBehind{f: f}
	var want bytes.Buffer
	for i := 0; want.Len() < 3*writeBehindBytes; i++ {
		p := bytes.Repeat([]byte{byte(i)}, 100_000+i)
		want.Write(p)
		if n, err := w.Write(p); n != len(p) || err != nil {
			t.Fatalf("write %d: %d bytes, %v", i, n, err)
		}
	}
	if w.begun < 3*writeBehindBytes || w.begun > w.off || w.off != int64(want.Len()) {
		t.Errorf("%d bytes written, write-back started up to %d", w.off, w.begun)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("the file differs from the bytes written")
	}
}

// TestUncache: dropping a file's cached pages leaves its bytes as they
// were; a missing file or a directory is left alone.
func TestUncache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.csv")
	want := bytes.Repeat([]byte("a,b,c\n"), 100_000)
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	uncache(path)
	uncache(filepath.Join(dir, "missing"))
	uncache(dir)
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the file changed (%v)", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("the folder: %v", err)
	}
}
