//go:build !js

package crash

import (
	"fmt"
	"os"
)

// show writes the report to standard error.
func show(r Report) { fmt.Fprintln(os.Stderr, r.String()) }
