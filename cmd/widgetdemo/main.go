// Command widgetdemo serves a third-party page that embeds waprivacy with
// its one-script-tag widget, on an origin of its own, with buttons that
// send Z-API's and RyzeAPI's documented example requests through
// window.waprivacy. make demo runs it next to the app.
//
//	go run ./cmd/widgetdemo -listen 127.0.0.1:8081 -app http://localhost:8080
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

//go:embed host.html
var hostPage string

var hostTemplate = template.Must(template.New("host").Parse(hostPage))

// handler serves the host page, which loads the widget from app.
func handler(app string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := hostTemplate.Execute(w, map[string]string{"App": app}); err != nil {
			slog.Error("rendering the host page", "err", err)
		}
	})
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to serve the host page on")
	app := flag.String("app", "http://localhost:8080", "origin of the waprivacy app to embed")
	flag.Parse()
	u, err := url.Parse(*app)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		fmt.Fprintf(os.Stderr, "widgetdemo: -app %q: want an origin such as http://localhost:8080\n", *app)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "widgetdemo:", err)
		os.Exit(1)
	}
	fmt.Printf("widgetdemo: a page embedding %s is at http://%s\n", u.Scheme+"://"+u.Host, ln.Addr())
	srv := &http.Server{Handler: handler(u.Scheme + "://" + u.Host), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "widgetdemo:", err)
		os.Exit(1)
	}
}
