package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// nginxConf makes nginx a WebSocket reverse proxy in front of the same
// upstream, set up as close to the relay as nginx allows: one connection
// upstream per browser connection, the same Origin sent upstream, generous
// limits, no access log. worker_processes auto gives one worker per core,
// as the Go proxy uses every core. To a wss:// upstream it does what the
// relay does: TLS, checking the certificate against the run's CA and the
// upstream's name.
var nginxConf = template.Must(template.New("nginx.conf").Parse(`daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile 20000;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;
events {
	worker_connections 16384;
}
http {
	access_log off;
	client_body_temp_path {{.Dir}}/body;
	proxy_temp_path {{.Dir}}/proxy;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;
	server {
		listen {{.Listen}};
		location /ws {
			proxy_pass {{.Upstream}};
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection "upgrade";
			proxy_set_header Origin "https://web.whatsapp.com";
			proxy_read_timeout 3m;
			proxy_send_timeout 3m;
{{- if .CAFile}}
			# nginx before 1.23.4 leaves TLS 1.3 out by default.
			proxy_ssl_protocols TLSv1.2 TLSv1.3;
			proxy_ssl_trusted_certificate {{.CAFile}};
			proxy_ssl_verify on;
			proxy_ssl_name {{.SSLName}};
{{- end}}
		}
	}
}
`))

// nginxSettings fill in nginxConf.
type nginxSettings struct {
	Dir, Listen, Upstream string
	// For a wss:// upstream, the CA to trust and the name to expect.
	CAFile, SSLName string
}

// findNginx returns path if set, else nginx from PATH or /usr/sbin, where
// Debian puts it outside a normal user's PATH.
func findNginx(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("nginx is not installed: apt-get install -y nginx")
}

// startNginx runs nginx in the foreground with a configuration of its own
// in a temporary directory, proxying to upstream.
func startNginx(path string, upstream upstreamRef) (*target, error) {
	path, err := findNginx(path)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "relayload-nginx")
	if err != nil {
		return nil, err
	}
	// nginx binds the port itself; take a free one and hand it over.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	listen := ln.Addr().String()
	ln.Close()
	f, err := os.Create(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		return nil, err
	}
	settings := nginxSettings{Dir: dir, Listen: listen, Upstream: "http" + strings.TrimPrefix(upstream.url, "ws")}
	if upstream.caFile != "" {
		settings.CAFile, settings.SSLName = upstream.caFile, upstreamName
	}
	err = nginxConf.Execute(f, settings)
	if err := errors.Join(err, f.Close()); err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting nginx: %w", err)
	}
	stop := func() error {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		return os.RemoveAll(dir)
	}
	master := cmd.Process.Pid
	if err := waitListening(listen, 10*time.Second); err != nil {
		logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		stop()
		return nil, fmt.Errorf("nginx did not start: %w\n%s%s", err, out, logs)
	}
	return &target{
		name: "nginx", url: "ws://" + listen + "/ws", origin: "http://" + listen,
		pids: func() []int { return append([]int{master}, children(master)...) },
		stop: stop,
	}, nil
}

// waitListening polls addr until it accepts a connection: nginx gives no
// other sign that it is ready.
func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// children lists the processes whose parent is pid: nginx's workers.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields, err := stat(child); err == nil && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}
