package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// NoticeBanner says what was just changed on the phone, for a short
// while or until dismissed.
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
	return app.Section().ID("notice").Class("banner banner-info").Role("status").DataSet("id", n.ID).Body(
		app.P().Body(app.Strong().Text(l.F("notice.title", formatTime(l, n.At)))),
		app.Ul().Class("changes").Body(
			app.Range(n.Changes).Slice(func(i int) app.UI {
				return app.Li().Text(l.DescribeWith(n.Changes[i], privacy.Snapshot{Contacts: b.Contacts}.Label))
			}),
		),
		app.Button().Type("button").Class("button button-quiet").Text(l.T("notice.dismiss")).
			OnClick(func(ctx app.Context, e app.Event) { b.dismissed = b.Notice.ID }),
	)
}
