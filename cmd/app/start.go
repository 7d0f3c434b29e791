package main

import (
	"sync"
	"time"

	"github.com/waprivacy/waprivacy/wasm/crash"
)

// pageStart runs the page's start once, however often the root component
// mounts and asks for it, and returns at once to every later caller;
// after a start that succeeded, tick runs every interval on a goroutine of
// its own (the update check), never inside the Once, which would then
// never return.
type pageStart struct {
	every time.Duration
	tick  func()

	once sync.Once
}

func (p *pageStart) run(start func() error) {
	p.once.Do(func() {
		if err := start(); err != nil {
			return
		}
		crash.Go("the update check", func() {
			t := time.NewTicker(p.every)
			defer t.Stop()
			for range t.C {
				p.tick()
			}
		})
	})
}
