// Command go-spiffe is the SPIFFE peer for the X.509-SVIDs Aegis issues (svid::issue_svid):
// go-spiffe v2 x509svid.Parse (the SVID's certificates and key, with go-spiffe's own leaf and
// signing-certificate checks) and x509svid.Verify against a bundle at a given time. Driven by
// aegis-core/tests/svid_issue.rs.
//
//	go-spiffe verify TRUST_DOMAIN BUNDLE_PEM CHAIN_PEM KEY_PEM UNIX_TIME
//	    prints {"id": ..., "chains": n} or fails with go-spiffe's error
//	go-spiffe fixtures
//	    prints the directory of go-spiffe's x509svid test fixtures (in the module cache)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "go-spiffe:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 6 && args[0] == "verify":
		td, err := spiffeid.TrustDomainFromString(args[1])
		if err != nil {
			return err
		}
		bundle, err := x509bundle.Load(td, args[2])
		if err != nil {
			return err
		}
		svid, err := x509svid.Load(args[3], args[4])
		if err != nil {
			return err
		}
		secs, err := strconv.ParseInt(args[5], 10, 64)
		if err != nil {
			return err
		}
		id, chains, err := x509svid.Verify(svid.Certificates, bundle, x509svid.WithTime(time.Unix(secs, 0)))
		if err != nil {
			return err
		}
		if id != svid.ID {
			return fmt.Errorf("Verify says %s, Parse says %s", id, svid.ID)
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"id": id.String(), "chains": len(chains)})
	case len(args) == 1 && args[0] == "fixtures":
		info, ok := debug.ReadBuildInfo()
		if !ok {
			return fmt.Errorf("no build info")
		}
		for _, dep := range info.Deps {
			if dep.Path == "github.com/spiffe/go-spiffe/v2" {
				modcache := os.Getenv("GOMODCACHE")
				if modcache == "" {
					return fmt.Errorf("GOMODCACHE not set")
				}
				fmt.Println(filepath.Join(modcache, "github.com/spiffe/go-spiffe/v2@"+dep.Version, "svid/x509svid/testdata"))
				return nil
			}
		}
		return fmt.Errorf("go-spiffe is not a dependency")
	default:
		return fmt.Errorf("usage: verify TRUST_DOMAIN BUNDLE_PEM CHAIN_PEM KEY_PEM UNIX_TIME | fixtures")
	}
}
