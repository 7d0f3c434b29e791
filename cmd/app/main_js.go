//go:build js

package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// In the browser the program is the app itself.
func main() {
	registerRoutes()
	app.RunWhenOnBrowser()
}
