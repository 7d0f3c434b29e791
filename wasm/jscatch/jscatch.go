//go:build js

// Package jscatch turns an exception thrown by JavaScript into a Go error.
// syscall/js panics when a function it calls throws; code that calls into
// the page, whose scripts and browser settings it does not control, needs
// the exception as an error instead.
package jscatch

import "syscall/js"

// Do calls f, which calls JavaScript, and returns the exception thrown
// there, if any. Any other panic goes on.
func Do(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			jsErr, ok := r.(js.Error)
			if !ok {
				panic(r)
			}
			err = jsErr
		}
	}()
	f()
	return nil
}
