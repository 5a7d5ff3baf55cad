// Package proctest lets tests see which processes are alive, through
// Linux's /proc: the external firm's tests check that nothing the firm
// started outlives it.
package proctest

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrNoProc: /proc is not there (not Linux); the caller skips its check.
var ErrNoProc = errors.New("no /proc")

// stat returns a process's state letter and process group, from
// /proc/PID/stat; ok is false when there is no such process.
func stat(pid int) (state byte, pgid int, ok bool, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	// "PID (COMM) STATE PPID PGRP ...": COMM may hold spaces and ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if i < 0 || len(f) < 3 {
		return 0, 0, false, fmt.Errorf("/proc/%d/stat: cannot parse %q", pid, s)
	}
	pgid, err = strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, false, fmt.Errorf("/proc/%d/stat: cannot parse %q", pid, s)
	}
	return f[0][0], pgid, true, nil
}

// live reports whether a state is a running (not dead, not zombie) process.
// A zombie has exited; it stays until its parent (for an orphan, init,
// which in some containers never reaps) collects it.
func live(state byte) bool { return state != 'Z' && state != 'X' && state != 'x' }

// Alive reports whether process pid exists and has not exited.
func Alive(pid int) (bool, error) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return false, ErrNoProc
	}
	state, _, ok, err := stat(pid)
	return ok && live(state), err
}

// Pgid returns the process group of a live process.
func Pgid(pid int) (int, error) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return 0, ErrNoProc
	}
	state, pgid, ok, err := stat(pid)
	if err != nil {
		return 0, err
	}
	if !ok || !live(state) {
		return 0, fmt.Errorf("process %d is not running", pid)
	}
	return pgid, nil
}

// LiveInGroup returns the live processes of process group pgid.
func LiveInGroup(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, ErrNoProc
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, g, ok, err := stat(pid)
		if err != nil {
			continue // gone while we looked
		}
		if ok && g == pgid && live(state) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// ReadPids reads the pids a test's child wrote to a file, separated by
// white space.
func ReadPids(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a pid", path, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// Survivors returns those of pids that still run, and the live members of
// the process groups they name (a pid that led no group names none).
func Survivors(pids ...int) ([]int, error) {
	var left []int
	for _, pid := range pids {
		alive, err := Alive(pid)
		if err != nil {
			return nil, err
		}
		if alive {
			left = append(left, pid)
		}
		group, err := LiveInGroup(pid)
		if err != nil {
			return nil, err
		}
		for _, g := range group {
			if g != pid {
				left = append(left, g)
			}
		}
	}
	return left, nil
}

// WaitGone waits until none of pids, nor any member of the groups they
// lead, still runs, and returns those still running after guard. A process
// killed with SIGKILL is not gone the instant kill returns: the kernel ends
// it when it next runs. guard is a hang guard, not a timing expectation.
func WaitGone(guard time.Duration, pids ...int) ([]int, error) {
	deadline := time.Now().Add(guard)
	for {
		left, err := Survivors(pids...)
		if err != nil || len(left) == 0 || time.Now().After(deadline) {
			return left, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}
