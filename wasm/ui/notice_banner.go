package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// NoticeBanner says what was just changed on the phone, or how an update
// the connection or the page cut short was resolved, for a short while or
// until dismissed.
type NoticeBanner struct {
	app.Compo
	Lang   i18n.Lang
	Notice *appstate.Notice
	// Contacts names list entries without a number.
	Contacts  map[string]privacy.Contact
	dismissed int64
}

// noticeFor is how long a notice stays up on its own.
const noticeFor = 30 * time.Second

func (b *NoticeBanner) OnMount(ctx app.Context) { b.expire(ctx) }

func (b *NoticeBanner) OnUpdate(ctx app.Context) { b.expire(ctx) }

// expire renders the banner again once the notice is old, which hides it.
func (b *NoticeBanner) expire(ctx app.Context) {
	if b.Notice != nil {
		ctx.After(time.Until(b.Notice.At.Add(noticeFor)), func(app.Context) {})
	}
}

func (b *NoticeBanner) Render() app.UI {
	n := b.Notice
	if n == nil || n.ID == b.dismissed || time.Since(n.At) > noticeFor {
		return app.Div().Hidden(true)
	}
	l := b.Lang
	title, kind := l.F("notice.title", formatTime(l, n.At)), "phone"
	var kept []string
	result := "" // how a recovery ended (engine.Recovered…), for scripts and tests
	if r := n.Recovery; r != nil {
		result = r.Result
		restored := 0
		for _, p := range r.Parts {
			switch p.Result {
			case engine.ResultRestored:
				restored++
			case engine.ResultPhoneChanged:
				kept = append(kept, l.FieldTitle(privacy.Field(p.Field)))
			}
		}
		kind, title = "recovery", l.T("notice.recovered."+r.Result)
		if r.Result == engine.RecoveredUndone {
			title = l.F("notice.recovered.undone", strconv.Itoa(restored))
		}
	}
	return app.Section().ID("notice").Class("banner banner-info").Role("status").DataSet("id", n.ID).
		DataSet("kind", kind).DataSet("result", result).Body(
		app.P().Body(app.Strong().Text(title)),
		app.Ul().Class("changes").Body(
			app.Range(n.Changes).Slice(func(i int) app.UI {
				return app.Li().Text(l.DescribeWith(n.Changes[i], privacy.Snapshot{Contacts: b.Contacts}.Label))
			}),
		),
		app.If(len(kept) > 0, func() app.UI {
			return app.P().Class("hint").Text(l.F("notice.recovered.phone", strings.Join(kept, ", ")))
		}),
		app.Button().Type("button").Class("button button-quiet").Text(l.T("notice.dismiss")).
			OnClick(func(ctx app.Context, e app.Event) { b.dismissed = b.Notice.ID }),
	)
}
