//go:build !linux

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

const ioctlGetTermios = unix.TIOCGETA

// startWriteBack: no sync_file_range here; the fsync before the rename
// writes the whole file.
func startWriteBack(*os.File, int64, int64) {}

// dropCache: no portable way here; the rename frees the replaced file's
// pages.
func dropCache(*os.File) {}
