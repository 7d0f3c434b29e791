package ui

import (
	"errors"
	"net/http"

	"github.com/waprivacy/waprivacy/wasm/engine"
)

// FailureState describes a failed submission for FormResult: its status,
// the engine's words and invalid fields, whether a failed update was
// undone, and whether WhatsApp in fact accepted it without a read showing
// it yet. The program's handlers answer failures with it.
func FailureState(err error) FormState {
	s := FormState{Phase: PhaseFailed, Status: http.StatusInternalServerError}
	if err == nil {
		return s
	}
	s.Detail = err.Error()
	var e *engine.Error
	if !errors.As(err, &e) {
		return s
	}
	s.Status, s.Fields = e.Status, e.Fields
	failed := false
	for _, o := range e.Outcomes {
		switch o.Result {
		case engine.ResultRestoreFailed:
			s.RestoreFailed = true
		case engine.ResultFailed, engine.ResultRestored:
			s.RolledBack = true
			failed = true
		case engine.ResultUnconfirmed:
			s.NotConfirmed = true
		}
	}
	s.RolledBack = s.RolledBack && !s.RestoreFailed
	// Something refused or undone is a failure, whatever else happened.
	s.NotConfirmed = s.NotConfirmed && !failed && !s.RestoreFailed
	return s
}
