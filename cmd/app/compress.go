//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
	"golang.org/x/sync/errgroup"
)

// compressible lists the file types worth precompressing; images here are
// already compressed.
var compressible = map[string]bool{
	".wasm": true, ".js": true, ".css": true, ".html": true,
	".webmanifest": true, ".svg": true, ".json": true,
}

// minCompressSize skips files so small that headers outweigh the gain.
const minCompressSize = 1024

// precompressSite writes .br (brotli quality 11) and .gz (gzip level 9)
// next to every compressible file in dir, so the proxy never compresses on
// the fly: brotli 11 is ~30% smaller than gzip for app.wasm but far too slow
// to run per request.
func precompressSite(dir string) error {
	var g errgroup.Group
	g.SetLimit(4)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !compressible[strings.ToLower(filepath.Ext(path))] {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil || len(data) < minCompressSize {
			return err
		}
		g.Go(func() error { return writeCompressed(path+".br", data, compressBrotli) })
		g.Go(func() error { return writeCompressed(path+".gz", data, compressGzip) })
		return nil
	})
	if werr := g.Wait(); err == nil {
		err = werr
	}
	return err
}

func writeCompressed(name string, data []byte, compress func([]byte) ([]byte, error)) error {
	out, err := compress(data)
	if err != nil {
		return err
	}
	return os.WriteFile(name, out, 0o644)
}

func compressBrotli(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func compressGzip(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
