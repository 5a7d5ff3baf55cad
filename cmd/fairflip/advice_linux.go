package main

import (
	"os"

	"golang.org/x/sys/unix"
)

const ioctlGetTermios = unix.TCGETS

// startWriteBack starts writing n bytes of f from off to the disk, without
// waiting (sync_file_range, SYNC_FILE_RANGE_WRITE). Advice only: an error
// (a file system without it) changes nothing.
func startWriteBack(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// dropCache drops f's pages from the page cache (posix_fadvise,
// POSIX_FADV_DONTNEED). Advice only.
func dropCache(f *os.File) {
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
