//go:build !linux

package main

// dieWithParent is Linux-only (prctl); elsewhere the harness's own exit handlers stop components.
func dieWithParent() {}
