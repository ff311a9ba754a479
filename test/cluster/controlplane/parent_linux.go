//go:build linux

package main

import (
	"os"
	"strconv"
	"syscall"
)

// dieWithParent makes the component exit when the test process that started it dies, even by
// SIGKILL, so an interrupted test run leaves no API server behind. Opt-in through
// CONTROLPLANE_PARENT_PID because `cluster:up` wants its components to outlive it.
func dieWithParent() {
	parent, err := strconv.Atoi(os.Getenv("CONTROLPLANE_PARENT_PID"))
	if err != nil || parent <= 0 {
		return
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return
	}
	// The parent may have died before prctl took effect.
	if os.Getppid() != parent {
		os.Exit(1)
	}
}
