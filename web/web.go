// Package web holds the app's static assets: icons, styles, the loader,
// the service worker and the embeddable widget. The site generator (cmd/app) copies
// them into the site.
package web

import "embed"

// Static is the contents of the site's /web/ folder.
//
//go:embed static
var Static embed.FS

// ServiceWorker is the template for /app-worker.js, in go-app's
// Handler.ServiceWorkerTemplate format.
//
//go:embed app-worker.js
var ServiceWorker string

// Loader is the template for /app.js, our loader in place of go-app's;
// the site generator writes its configuration in for {{.Config}}.
//
//go:embed app.js
var Loader string

// Widget is what the site serves at its root for embedding: widget.js,
// the one-script-tag loader, and waprivacy.d.ts, the API's types.
//
//go:embed widget
var Widget embed.FS
