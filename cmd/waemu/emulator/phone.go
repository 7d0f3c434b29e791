package emulator

import (
	_ "embed"
	"html/template"
	"net/http"
)

// phone.html is the demo's stand-in for the account's phone. It only calls
// the control API, so everything it does can also be scripted.
//
//go:embed phone.html
var phoneHTML string

var phoneTemplate = template.Must(template.New("phone").Parse(phoneHTML))

// phoneCategory tells the page which categories and values exist, so the
// page and the server share one list.
type phoneCategory struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Values  []string `json:"values"`
	HasList bool     `json:"hasList"`
}

func (s *Server) servePhone(w http.ResponseWriter, _ *http.Request) {
	cats := make([]phoneCategory, len(privacyCategories))
	for i, c := range privacyCategories {
		cats[i] = phoneCategory{c.name, c.label, c.values, c.hasList}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := phoneTemplate.Execute(w, cats); err != nil {
		s.log.Error("rendering the phone page failed", "err", err)
	}
}
