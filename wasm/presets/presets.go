// Package presets holds the one-click privacy profiles the app offers. Each
// is a plain privacy.Update, so it is previewed against a snapshot and
// applied all-or-nothing by the engine like any other change.
package presets

import "github.com/waprivacy/waprivacy/wasm/privacy"

// Preset is a named privacy profile.
type Preset struct {
	// ID names the preset in the UI's texts and in element ids.
	ID     string
	Update privacy.Update
}

// The preset IDs.
const (
	FullyRestrictive = "fully-restrictive"
	ContactsOnly     = "contacts-only"
	Everyone         = "everyone"
)

// All lists the presets, most private first. Each sets the seven fields
// RyzeAPI's privacy object has, so each is also one RyzeAPI request.
func All() []Preset {
	return []Preset{
		// RyzeAPI's "Fully restrictive" example, value for value:
		// https://docs.ryzeapi.cloud/en/api/profile/update-privacy
		{FullyRestrictive, settings(map[privacy.Category]privacy.Value{
			privacy.LastSeen: privacy.Nobody, privacy.About: privacy.Contacts, privacy.Profile: privacy.Contacts,
			privacy.Online: privacy.MatchLastSeen, privacy.ReadReceipts: privacy.Nobody,
			privacy.CallAdd: privacy.Known, privacy.GroupAdd: privacy.Contacts,
		})},
		// Everything visible to contacts only; read receipts stay on, as
		// they are a courtesy to the people you talk to.
		{ContactsOnly, settings(map[privacy.Category]privacy.Value{
			privacy.LastSeen: privacy.Contacts, privacy.About: privacy.Contacts, privacy.Profile: privacy.Contacts,
			privacy.Online: privacy.MatchLastSeen, privacy.ReadReceipts: privacy.All,
			privacy.CallAdd: privacy.Known, privacy.GroupAdd: privacy.Contacts,
		})},
		// WhatsApp's most open settings.
		{Everyone, settings(map[privacy.Category]privacy.Value{
			privacy.LastSeen: privacy.All, privacy.About: privacy.All, privacy.Profile: privacy.All,
			privacy.Online: privacy.All, privacy.ReadReceipts: privacy.All,
			privacy.CallAdd: privacy.All, privacy.GroupAdd: privacy.All,
		})},
	}
}

// ByID returns the preset called id.
func ByID(id string) (Preset, bool) {
	for _, p := range All() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

func settings(s map[privacy.Category]privacy.Value) privacy.Update {
	return privacy.Update{Settings: s}
}
