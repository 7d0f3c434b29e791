//go:build js

package storage

import "github.com/waprivacy/waprivacy/wasm/idbvfs"

// idbName is the IndexedDB database that holds every store of the origin.
const idbName = "waprivacy-sqlite"

func openBackend() (idbvfs.Store, func(), error) {
	idb, err := idbvfs.OpenIndexedDB(idbName)
	if err != nil {
		return nil, nil, err
	}
	return idb, idb.Close, nil
}
