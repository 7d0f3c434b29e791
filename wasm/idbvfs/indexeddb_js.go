//go:build js

package idbvfs

import (
	"errors"
	"fmt"
	"math"
	"syscall/js"

	"github.com/waprivacy/waprivacy/wasm/jscatch"
)

// Object stores of the IndexedDB database: blocks keyed [file, index]
// holding Uint8Arrays, and files keyed by name holding {size}.
const (
	blocksStore = "blocks"
	filesStore  = "files"
	idbVersion  = 1
)

// IndexedDB is a Store in one IndexedDB database of the page's origin.
//
// Its methods block until the browser answers, so they must not be called
// from inside a js.FuncOf callback.
type IndexedDB struct {
	db js.Value
}

// OpenIndexedDB opens (creating if needed) the IndexedDB database name.
func OpenIndexedDB(name string) (*IndexedDB, error) {
	factory := js.Global().Get("indexedDB")
	if !factory.Truthy() {
		return nil, errors.New("idbvfs: this browser offers no IndexedDB")
	}
	var req js.Value
	if err := catch(func() { req = factory.Call("open", name, idbVersion) }); err != nil {
		return nil, fmt.Errorf("idbvfs: opening IndexedDB %q: %w", name, err)
	}
	done := make(chan error, 1)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		// Creating stores is synchronous; an exception aborts the upgrade,
		// which then fails the open request.
		catch(func() {
			db.Call("createObjectStore", blocksStore)
			db.Call("createObjectStore", filesStore)
		})
		return nil
	})
	success := js.FuncOf(func(js.Value, []js.Value) any {
		signal(done, nil)
		return nil
	})
	failure := js.FuncOf(func(js.Value, []js.Value) any {
		signal(done, domError(req.Get("error")))
		return nil
	})
	defer upgrade.Release()
	defer success.Release()
	defer failure.Release()
	req.Set("onupgradeneeded", upgrade)
	req.Set("onsuccess", success)
	req.Set("onerror", failure)
	if err := <-done; err != nil {
		return nil, fmt.Errorf("idbvfs: opening IndexedDB %q: %w", name, err)
	}
	return &IndexedDB{db: req.Get("result")}, nil
}

// Close closes the connection; later calls fail.
func (s *IndexedDB) Close() {
	s.db.Call("close")
}

// Load implements Store with one read-only transaction.
func (s *IndexedDB) Load(file string) (Image, bool, error) {
	var tx, keys, values, meta js.Value
	err := catch(func() {
		tx = s.db.Call("transaction", []any{blocksStore, filesStore}, "readonly")
		blocks := tx.Call("objectStore", blocksStore)
		all := js.Global().Get("IDBKeyRange").Call("bound", []any{file, 0}, []any{file, math.Inf(1)})
		keys = blocks.Call("getAllKeys", all)
		values = blocks.Call("getAll", all)
		meta = tx.Call("objectStore", filesStore).Call("get", file)
	})
	if err == nil {
		err = wait(tx)
	}
	if err != nil {
		return Image{}, false, fmt.Errorf("idbvfs: loading %q: %w", file, err)
	}
	size := meta.Get("result")
	if size.IsUndefined() {
		return Image{}, false, nil
	}
	size = size.Get("size")
	if size.Type() != js.TypeNumber {
		return Image{}, false, fmt.Errorf("idbvfs: loading %q: the stored size is not a number", file)
	}
	keys, values = keys.Get("result"), values.Get("result")
	img := Image{Size: int64(size.Float()), Blocks: make(map[int64][]byte, keys.Length())}
	uint8Array := js.Global().Get("Uint8Array")
	for i := range keys.Length() {
		v := values.Index(i)
		if !v.InstanceOf(uint8Array) {
			return Image{}, false, fmt.Errorf("idbvfs: loading %q: block %d is not a Uint8Array", file, i)
		}
		b := make([]byte, v.Length())
		js.CopyBytesToGo(b, v)
		img.Blocks[int64(keys.Index(i).Index(1).Float())] = b
	}
	return img, true, nil
}

// Commit implements Store with one read-write transaction: every request
// is issued before waiting, because a transaction that sees the event
// loop go idle commits itself.
func (s *IndexedDB) Commit(file string, c Commit) error {
	durability := "relaxed"
	if c.Strict {
		durability = "strict"
	}
	var tx js.Value
	err := catch(func() {
		tx = s.db.Call("transaction", []any{blocksStore, filesStore}, "readwrite", map[string]any{"durability": durability})
		blocks := tx.Call("objectStore", blocksStore)
		uint8Array := js.Global().Get("Uint8Array")
		for i, b := range c.Blocks {
			key := []any{file, i}
			if b == nil {
				blocks.Call("delete", key)
				continue
			}
			a := uint8Array.New(len(b))
			js.CopyBytesToJS(a, b)
			blocks.Call("put", a, key)
		}
		tx.Call("objectStore", filesStore).Call("put", map[string]any{"size": c.Size}, file)
	})
	if err != nil {
		if tx.Truthy() {
			catch(func() { tx.Call("abort") })
		}
		return fmt.Errorf("idbvfs: committing %q: %w", file, err)
	}
	if err := wait(tx); err != nil {
		return fmt.Errorf("idbvfs: committing %q: %w", file, err)
	}
	return nil
}

// wait blocks until tx completes or aborts. The callbacks only signal; the
// waiting happens here, outside the browser's event dispatch.
func wait(tx js.Value) error {
	done := make(chan error, 1)
	complete := js.FuncOf(func(js.Value, []js.Value) any {
		signal(done, nil)
		return nil
	})
	abort := js.FuncOf(func(js.Value, []js.Value) any {
		signal(done, domError(tx.Get("error")))
		return nil
	})
	defer complete.Release()
	defer abort.Release()
	tx.Set("oncomplete", complete)
	tx.Set("onabort", abort)
	return <-done
}

// signal sends without blocking: a callback must never wait.
func signal(done chan<- error, err error) {
	select {
	case done <- err:
	default:
	}
}

// catch turns an exception thrown by a JavaScript call into an error.
func catch(f func()) error {
	var jsErr js.Error
	if err := jscatch.Do(f); errors.As(err, &jsErr) {
		return domError(jsErr.Value)
	}
	return nil
}

// domError describes a DOMException; a QuotaExceededError wraps ErrFull.
func domError(e js.Value) error {
	if !e.Truthy() {
		return errors.New("IndexedDB transaction aborted")
	}
	name, msg := e.Get("name").String(), e.Get("message").String()
	if name == "QuotaExceededError" {
		return fmt.Errorf("%w: %s", ErrFull, msg)
	}
	return fmt.Errorf("%s: %s", name, msg)
}
