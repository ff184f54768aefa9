// Oracle for the Go and SemVer version schemes: answers with golang.org/x/mod/semver and
// golang.org/x/mod/module, the code the go command itself uses. Built by oracles.ts against the
// copy vendored in GOROOT (src/cmd/vendor/golang.org/x/mod), so it needs no network.
//
// Protocol: one JSON array per input line, one JSON value per output line.
//   ["c", a, b] -> semver.Compare(a, b)   (-1, 0, 1), or "invalid" when either side is not
//                  valid (Compare itself would quietly rank an invalid version lowest)
//   ["v", a]    -> semver.IsValid(a)
//   ["p", a]    -> module.IsPseudoVersion(a)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var req []string
		if err := json.Unmarshal(in.Bytes(), &req); err != nil || len(req) < 2 {
			fmt.Fprintf(out, "%q\n", "bad request")
			continue
		}
		switch {
		case req[0] == "c" && len(req) == 3:
			if !semver.IsValid(req[1]) || !semver.IsValid(req[2]) {
				fmt.Fprintf(out, "%q\n", "invalid")
			} else {
				fmt.Fprintln(out, semver.Compare(req[1], req[2]))
			}
		case req[0] == "v":
			fmt.Fprintln(out, semver.IsValid(req[1]))
		case req[0] == "p":
			fmt.Fprintln(out, module.IsPseudoVersion(req[1]))
		default:
			fmt.Fprintf(out, "%q\n", "bad request")
		}
	}
}
