package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// Countdown shows the seconds left until a moment, ticking each second.
type Countdown struct {
	app.Compo
	Lang  i18n.Lang
	Until time.Time
	stop  chan struct{}
}

func (c *Countdown) OnMount(ctx app.Context) {
	c.stop = make(chan struct{})
	stop := c.stop
	ctx.Async(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				ctx.Dispatch(func(app.Context) {})
			case <-stop:
				return
			}
		}
	})
}

func (c *Countdown) OnDismount() { close(c.stop) }

func (c *Countdown) Render() app.UI {
	left := max(0, int(time.Until(c.Until).Round(time.Second)/time.Second))
	// aria-hidden: a screen reader announcing every second would drown
	// everything else out.
	return app.Span().Class("countdown").Aria("hidden", "true").Text(c.Lang.F("countdown.seconds", strconv.Itoa(left)))
}
