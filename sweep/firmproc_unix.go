//go:build unix

package sweep

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes the external firm the leader of a new process
// group, so that everything it starts can be killed together.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the firm's process group with SIGKILL: a firm
// that is cancelled or timed out has nothing to save (its files are
// fairflip's temporary ones). Called after the leader has exited, it kills
// what the firm left running; an empty group (ESRCH) is no error. The
// leader's pid names the group while any member lives; once the group is
// empty, a new group could take the number only after the kernel's pids
// wrapped around in the instant before this call.
func killProcessGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
