package outbox

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func base() privacy.Snapshot {
	return privacy.Snapshot{
		Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Contacts, privacy.Profile: privacy.All, privacy.About: privacy.All},
		Except:   map[privacy.Category][]string{}, DefaultTimer: privacy.TimerOff,
	}
}

func TestQueueSurvivesReopenAndKeepsOrder(t *testing.T) {
	ctx := context.Background()
	dsn := memdb.TestDB(t, url.Values{})
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Add(ctx, Edit{Account: "a", Update: privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: "sometimes"}}}); err == nil {
		t.Error("an invalid edit was queued")
	}
	first, err := o.Add(ctx, Edit{Account: "a", At: time.Now(), Base: base(),
		Update: privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody}}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := o.Add(ctx, Edit{Account: "a", At: time.Now(), Base: base(), Block: &privacy.BlockEdit{Phone: "5511900000009", Blocked: true}})
	if err != nil {
		t.Fatal(err)
	}
	o.Add(ctx, Edit{Account: "b", Base: base(), Block: &privacy.BlockEdit{Phone: "5511900000009", Blocked: true}})

	reopened, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	list, err := reopened.List(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID || list[0].State != Pending {
		t.Fatalf("queue %+v", list)
	}
	if list[0].Update.Settings[privacy.LastSeen] != privacy.Nobody || list[1].Block.Phone != "5511900000009" || list[0].Base.Settings[privacy.LastSeen] != privacy.Contacts {
		t.Errorf("edits read back wrong: %+v", list)
	}
	if err := reopened.Mark(ctx, first.ID, Failed, "WhatsApp refused it"); err != nil {
		t.Fatal(err)
	}
	if e, _ := reopened.Get(ctx, "a", first.ID); e.State != Failed || e.Problem != "WhatsApp refused it" {
		t.Errorf("marked edit %+v", e)
	}
	if err := reopened.Remove(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := reopened.Remove(ctx, first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	reopened.Forget(ctx, "a")
	if list, _ := reopened.List(ctx, "a"); len(list) != 0 {
		t.Errorf("forgotten queue has %d edits", len(list))
	}
	if list, _ := reopened.List(ctx, "b"); len(list) != 1 {
		t.Error("forgetting one account touched another")
	}
}

func TestConflicts(t *testing.T) {
	e := Edit{Base: base(), Update: privacy.Update{
		Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody},
		Except:   map[privacy.Category]privacy.ExceptDelta{privacy.Profile: {Add: []string{"5511900000001"}}},
	}}
	if c := e.Conflicts(base()); len(c) != 0 {
		t.Errorf("nothing changed on the phone, yet conflicts %+v", c)
	}
	live := base()
	live.Settings[privacy.About] = privacy.Nobody // a field the edit leaves alone
	live.Settings[privacy.LastSeen] = privacy.Nobody
	if c := e.Conflicts(live); len(c) != 0 {
		t.Errorf("the phone made the same change, yet conflicts %+v", c)
	}
	live.Settings[privacy.LastSeen] = privacy.All
	live.Settings[privacy.Profile] = privacy.Contacts
	got := e.Conflicts(live)
	want := []privacy.Change{
		{Field: "last", Before: "all", After: "none"},
		{Field: "profile", Before: "contacts", After: "contact_blacklist"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("conflicts %+v, want %+v", got, want)
	}
	rest, ok := e.Without([]privacy.Field{"profile"})
	if !ok || len(rest.Update.Except) != 0 || rest.Update.Settings[privacy.LastSeen] != privacy.Nobody {
		t.Errorf("keeping the phone's profile: %+v", rest.Update)
	}
	if _, ok := e.Without([]privacy.Field{"profile", "last"}); ok {
		t.Error("keeping every phone value left something to do")
	}
}

func TestForgetInATransactionAndAccounts(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, account := range []string{"b", "a", "b"} {
		if _, err := o.Add(ctx, Edit{Account: account, Base: base(), Block: &privacy.BlockEdit{Phone: "5511900000009", Blocked: true}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := o.Accounts(ctx); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Accounts = %v, %v", got, err)
	}
	// Rolled back, nothing is forgotten; committed, the account's queue is.
	for _, commit := range []bool{false, true} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.ForgetIn(ctx, tx, "b"); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if commit {
			want = 0
		}
		if list, _ := o.List(ctx, "b"); len(list) != want {
			t.Errorf("commit %v: %d edits left, want %d", commit, len(list), want)
		}
	}
	if got, _ := o.Accounts(ctx); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Accounts after forgetting b = %v", got)
	}
}
