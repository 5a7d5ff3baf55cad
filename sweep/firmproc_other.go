//go:build !unix

package sweep

import "os/exec"

// ownProcessGroup: process groups are a Unix notion; elsewhere only the
// firm's own process is killed.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the firm's process (already finished: no error).
func killProcessGroup(cmd *exec.Cmd) { cmd.Process.Kill() }
